// Bundled by esbuild with the `edge-light` condition (as Next.js bundles middleware and edge routes)
// into a script that @edge-runtime/vm, Vercel's Edge Runtime sandbox, evaluates.
import * as sdk from 'unico-idcloud';
import { runScenario } from './scenario.mjs';

export const run = (config) => runScenario(sdk, config);
