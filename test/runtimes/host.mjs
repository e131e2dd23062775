// Bun, Deno and Node (the control) run this file from a throwaway project whose node_modules holds
// this package, so `unico-idcloud` resolves through the runtime's own export conditions.
import * as sdk from 'unico-idcloud';
import { runScenario } from './scenario.mjs';

const args = globalThis.Deno?.args ?? globalThis.process.argv.slice(2);
const report = await runScenario(sdk, JSON.parse(args[0]));
report.resolved = import.meta.resolve('unico-idcloud');
console.log(`RUNTIME-REPORT ${JSON.stringify(report)}`);
