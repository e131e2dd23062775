// Builds the SDK's main entry with esbuild the way tsup does (ESM, node20, code splitting,
// dependencies external), optionally bundling some dependencies in, for build experiments:
//   node bench/experiments/build-variant.mjs <outDir> [--bundle=zod,jose] [--src=src]
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/**
 * @param {string} outDir
 * @param {{ bundle?: string[], src?: string, minify?: boolean }} [options]
 */
export async function buildVariant(outDir, options = {}) {
  const bundled = new Set(options.bundle ?? []);
  const external = ['undici', 'jose', 'zod', 'msw'].filter((d) => !bundled.has(d));
  rmSync(outDir, { recursive: true, force: true });
  await build({
    entryPoints: { index: join(resolve(ROOT, options.src ?? 'src'), 'index.ts') },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    minify: options.minify ?? false,
    treeShaking: true,
    logLevel: 'warning',
  });
  return join(outDir, 'index.js');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const bundle =
    args
      .find((a) => a.startsWith('--bundle='))
      ?.slice(9)
      .split(',') ?? [];
  const src = args.find((a) => a.startsWith('--src='))?.slice(6);
  console.log(await buildVariant(resolve(args[0]), { bundle, ...(src ? { src } : {}) }));
}
