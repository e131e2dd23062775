// Before/after of each change made for the performance issue, measured in one run: the owned files
// (src/internal/image.ts, src/schemas/*.ts) as committed at HEAD versus the working tree, and the
// dependencies external versus zod+jose bundled. Each variant is built with esbuild like tsup does.
//   node bench/experiments/changes.mjs [rounds=8] [--cold-only|--warm-only]
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldCompare, warmCompare } from '../lib/compare.mjs';
import { buildVariant } from './build-variant.mjs';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const OUT = join(ROOT, '.tmp', 'bench', 'changes');
const args = process.argv.slice(2);
const ROUNDS = Number(args.find((a) => /^\d+$/.test(a)) ?? 8);
const OWNED = ['internal/image.ts', 'schemas/input.ts', 'schemas/response.ts', 'schemas/token.ts'];

/** A copy of src/ with `files` as committed at HEAD (read-only git). */
function srcWithHead(name, files) {
  const dir = join(OUT, `src-${name}`);
  cpSync(join(ROOT, 'src'), dir, { recursive: true });
  for (const file of files) {
    const text = execFileSync('git', ['show', `HEAD:src/${file}`], { cwd: ROOT, encoding: 'utf8' });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const builds = {
  'before (HEAD)': await buildVariant(join(OUT, 'b0'), { src: srcWithHead('b0', OWNED) }),
  '+ regex image scan': await buildVariant(join(OUT, 'b1'), { src: srcWithHead('b1', OWNED.slice(1)) }),
  '+ zod/mini, lazy schemas': await buildVariant(join(OUT, 'b2')),
  '+ zod, jose bundled (shipped)': await buildVariant(join(OUT, 'b3'), { bundle: ['zod', 'jose'] }),
};
if (!args.includes('--cold-only')) {
  for (const bodyBytes of [1024, 300 * 1024, 1024 * 1024])
    await warmCompare({ builds, bodyBytes, rounds: ROUNDS });
}
if (!args.includes('--warm-only')) await coldCompare({ builds, rounds: Math.max(ROUNDS, 10) });
