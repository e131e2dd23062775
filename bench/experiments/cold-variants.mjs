// Cold import and first call of build variants of the SDK, interleaved with the raw stack:
// dependencies external, zod bundled in, zod and jose bundled in, and dist/ as tsup built it.
//   node bench/experiments/cold-variants.mjs [rounds=12]
import { cpSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldCompare } from '../lib/compare.mjs';
import { buildVariant } from './build-variant.mjs';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const TMP = join(ROOT, '.tmp', 'bench');
const ROUNDS = Number(process.argv[2] ?? 12);
const builds = {};
for (const [name, bundle] of Object.entries({
  'deps external': [],
  'zod bundled': ['zod'],
  'zod+jose bundled': ['zod', 'jose'],
})) {
  const file = await buildVariant(join(TMP, `variant-${name.replace(/\W+/g, '-')}`), { bundle });
  builds[name] = file;
  console.log(`${name}: index.js ${statSync(file).size} B`);
}
// The package as built by tsup (npm run build), copied: others may rebuild dist/ meanwhile.
const distCopy = join(TMP, 'variant-dist');
rmSync(distCopy, { recursive: true, force: true });
cpSync(join(ROOT, 'dist'), distCopy, { recursive: true });
builds['dist/ (tsup)'] = join(distCopy, 'index.js');
await coldCompare({ builds, rounds: ROUNDS });
