import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The edge build differs from the Node build in one module: `src/platform/node.ts` (undici) is
 * replaced by `src/platform/edge.ts` (fetch), so undici and `node:` modules never enter its graph.
 */
const edgePlatform: EsbuildPlugin = {
  name: 'unico-idcloud-edge-platform',
  setup(build) {
    build.onResolve({ filter: /\/platform\/node\.js$/ }, () => ({ path: resolve('src/platform/edge.ts') }));
    // esbuild's `neutral` platform quietly rewrites `node:crypto` to an external `crypto`, which
    // only fails on a Worker at run time: make it a build error here, naming the importer.
    build.onResolve({ filter: /^(node:|undici$)/ }, (args) => ({
      errors: [{ text: `the edge build must not import "${args.path}" (imported by ${args.importer})` }],
    }));
  },
};

export default defineConfig(() => {
  // Both builds write to dist/ in parallel, and a build's own `clean` can delete the other's files:
  // clean once, here, before either starts.
  rmSync('dist', { recursive: true, force: true });
  return [
    {
      entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', redis: 'src/redis/index.ts' },
      format: ['esm', 'cjs'],
      dts: true,
      sourcemap: true,
      clean: false,
      target: 'node20',
      platform: 'node',
      splitting: true,
      treeshake: true,
      // undici and the optional peers (msw, redis, ioredis) stay external: users get one copy, and a
      // dispatcher they pass is the undici we call. zod (its tree-shakable zod/mini) and jose are
      // bundled: their module graphs cost ~60 ms and ~35 ms to load, the bundled code a few ms
      // (bench/experiments/cold-variants.mjs, docs/performance.md). Neither crosses our API.
      external: ['undici', 'msw', 'redis', 'ioredis'],
      noExternal: ['zod', 'jose'],
    },
    {
      // workerd, edge-light, deno and bun (package.json "exports"): same API, fetch as the default
      // transport. ESM only; its types are dist/index.d.ts. `neutral` makes any `node:` import a
      // build error instead of a crash on Cloudflare or Vercel.
      name: 'edge',
      entry: { edge: 'src/edge.ts' },
      format: ['esm'],
      dts: false,
      sourcemap: true,
      clean: false,
      target: 'es2022',
      platform: 'neutral',
      splitting: false,
      treeshake: true,
      external: ['jose', 'zod'],
      esbuildPlugins: [edgePlatform],
    },
  ];
});
