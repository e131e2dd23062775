#!/usr/bin/env node
/**
 * Runs every Node example in examples/ against the built-in emulator, one after the other, each
 * with a timeout; exits non-zero if any fails. `npm run examples` (and the end of `npm test`).
 *
 *   node examples/run-all.mjs [name-filter]
 *
 * UNICO_* variables are removed from each example's environment, so a developer's real
 * credentials never turn this into calls to Unico (or billed processes).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
/** Examples that only type-check here: they need another runtime. */
const TYPECHECK_ONLY = new Set(['cloudflare-worker.ts']);
const TIMEOUT_MS = Number(process.env.EXAMPLE_TIMEOUT_MS ?? 30_000);

const filter = process.argv[2];
const examples = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && !TYPECHECK_ONLY.has(name))
  .filter((name) => filter === undefined || name.includes(filter))
  .sort();

const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('UNICO_')));

/**
 * Runs one example with tsx (`node --import tsx`, the same loader as `npx tsx`, without the extra
 * process), capturing its output.
 * @param name - file name in examples/
 * @returns exit code (or null when killed), output and duration
 */
function run(name) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, name)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, timedOut, output, ms: Math.round(performance.now() - started) });
    });
  });
}

let passed = 0;
let failed = 0;
for (const name of examples) {
  const { code, timedOut, output, ms } = await run(name);
  if (code === 0) {
    passed++;
    console.log(`ok   ${name} (${ms} ms)`);
  } else {
    failed++;
    const why = timedOut ? `timed out after ${TIMEOUT_MS} ms` : `exit code ${code}`;
    console.log(`FAIL ${name} (${why}, ${ms} ms)`);
    console.log(output.trimEnd().replace(/^/gm, '     | '));
  }
}
console.log(`examples: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
