// Client CPU of prepareCreateProcess (validation + request body), per image kind and body size,
// for src/ at a git revision ("before") and the working tree ("after"), interleaved in one process:
//   npx tsx bench/experiments/prepare.mjs [--base=HEAD] [--rounds=15]
// Reads src/ directly (no build); the base revision is copied into .tmp/ with read-only git.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeInput } from '../lib/contenders.mjs';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const args = process.argv.slice(2);
const arg = (name, fallback) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const BASE = arg('base', 'HEAD');
const ROUNDS = Number(arg('rounds', '15'));

/** src/ as it is at `rev`, in a scratch folder beside node_modules (so zod resolves). */
function srcAt(rev) {
  const dir = join(ROOT, '.tmp', 'bench', `prepare-src-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', rev, 'src'], { cwd: ROOT, maxBuffer: 1 << 28 });
  writeFileSync(join(dir, 'src.tar'), tar);
  execFileSync('tar', ['-xf', 'src.tar'], { cwd: dir });
  return join(dir, 'src');
}

const baseSrc = srcAt(BASE);
const variants = {
  before: (await import(pathToFileURL(join(baseSrc, 'schemas', 'input.ts')).href)).prepareCreateProcess,
  after: (await import(pathToFileURL(join(ROOT, 'src', 'schemas', 'input.ts')).href)).prepareCreateProcess,
};
const sizes = [
  ['1 KB', 1024, 2000],
  ['300 KB', 300 * 1024, 60],
  ['1 MB', 1024 * 1024, 40],
];
const kinds = { 'plain JPEG': (bytes) => makeInput(bytes, 'plain'), capture: (bytes) => makeInput(bytes) };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`prepareCreateProcess, µs per call (median of ${ROUNDS} interleaved rounds); before = ${BASE}`);
console.log('| kind | body | before µs | after µs | after ÷ before |\n|---|---|---|---|---|');
for (const [kindName, make] of Object.entries(kinds)) {
  for (const [label, bytes, calls] of sizes) {
    const input = make(bytes);
    const samples = { before: [], after: [] };
    for (const fn of Object.values(variants)) {
      const out = fn(input);
      if (!out.ok) throw new Error(`${kindName} ${label} rejected: ${JSON.stringify(out.issues)}`);
      for (let i = 0; i < calls; i++) fn(input);
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of r % 2 ? ['after', 'before'] : ['before', 'after']) {
        const fn = variants[name];
        const t0 = process.cpuUsage();
        for (let i = 0; i < calls; i++) fn(input);
        const t = process.cpuUsage(t0);
        samples[name].push((t.user + t.system) / calls);
      }
    }
    const b = median(samples.before);
    const a = median(samples.after);
    console.log(`| ${kindName} | ${label} | ${b.toFixed(1)} | ${a.toFixed(1)} | ${(a / b).toFixed(3)} |`);
  }
}
rmSync(dirname(baseSrc), { recursive: true, force: true });
