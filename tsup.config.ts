import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/** Packages bundled into dist/ (every build): they are devDependencies, pinned, never installed. */
const BUNDLED = ['zod', 'jose'];
/** Loaded from the user's node_modules: undici (our one dependency) and the optional peers. */
const EXTERNAL = ['undici', 'msw', 'redis', 'ioredis'];
const NOTICES_FILE = 'dist/THIRD-PARTY-LICENSES.md';

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

/**
 * Writes the name, version and license text of every package whose code entered a bundle, read
 * from the node_modules esbuild actually bundled (its metafile). test/pack compares these versions
 * with package-lock.json, and fails on a package bundled that is not in {@link BUNDLED}.
 */
const bundledPackages = new Set<string>();
const thirdPartyNotices: EsbuildPlugin = {
  name: 'unico-idcloud-third-party-notices',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd((result) => {
      for (const input of Object.keys(result.metafile?.inputs ?? {})) {
        const name = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
        if (name !== undefined) bundledPackages.add(name);
      }
      // The builds run concurrently in this process: each write holds everything seen so far.
      const sections = [...bundledPackages].sort().map((name) => {
        const dir = join('node_modules', name);
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const licenseFile = readdirSync(dir).find((f) => /^licen[cs]e(\.md|\.txt)?$/i.test(f));
        if (licenseFile === undefined) throw new Error(`${name} ships no license file to reproduce`);
        const text = readFileSync(join(dir, licenseFile), 'utf8').trim();
        return `## ${name}@${manifest.version} (${manifest.license})\n\n\`\`\`text\n${text}\n\`\`\``;
      });
      mkdirSync('dist', { recursive: true });
      writeFileSync(
        NOTICES_FILE,
        `# Third-party code bundled into unico-idcloud\n\n${sections.join('\n\n')}\n`,
      );
    });
  },
};

export default defineConfig(() => {
  // Both builds write to dist/ in parallel, and a build's own `clean` can delete the other's files:
  // clean once, here, before either starts.
  rmSync('dist', { recursive: true, force: true });
  return [
    {
      // `cli` is the `unico-idcloud` bin (`npx unico-idcloud doctor`); it shares chunks with index.
      entry: {
        index: 'src/index.ts',
        testing: 'src/testing/index.ts',
        redis: 'src/redis/index.ts',
        cli: 'src/cli/main.ts',
      },
      format: ['esm', 'cjs'],
      dts: { entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', redis: 'src/redis/index.ts' } },
      // No sourcemaps: they would point at src/ and node_modules/, which the tarball does not ship.
      sourcemap: false,
      // Whitespace and syntax only: names stay, so stack traces still name our functions. Keeps the
      // tarball under 1 MB unpacked (test/pack) with docs/ and examples/ in it.
      minifyWhitespace: true,
      minifySyntax: true,
      clean: false,
      target: 'node20',
      platform: 'node',
      splitting: true,
      treeshake: true,
      // undici and the optional peers stay external: users get one copy, and a dispatcher they pass
      // is the undici we call. zod (its tree-shakable zod/mini) and jose are bundled: their module
      // graphs cost ~60 ms and ~35 ms to load, the bundled code a few ms
      // (bench/experiments/cold-variants.mjs, docs/performance.md). Neither crosses our API.
      external: EXTERNAL,
      noExternal: BUNDLED,
      esbuildPlugins: [thirdPartyNotices],
    },
    {
      // workerd, edge-light, deno and bun (package.json "exports"): same API, fetch as the default
      // transport. ESM only; its types are dist/index.d.ts. `neutral` makes any `node:` import a
      // build error instead of a crash on Cloudflare or Vercel. zod and jose are bundled here too:
      // the package does not depend on them.
      name: 'edge',
      entry: { edge: 'src/edge.ts' },
      format: ['esm'],
      dts: false,
      sourcemap: false,
      minifyWhitespace: true,
      minifySyntax: true,
      clean: false,
      target: 'es2022',
      platform: 'neutral',
      splitting: false,
      treeshake: true,
      noExternal: BUNDLED,
      // The Node-only fast paths (base64 check, body buffer) test `globalThis.Buffer`: here they
      // are compiled out, so the bundle never touches Buffer, even where nodejs_compat provides it.
      define: { 'globalThis.Buffer': 'undefined' },
      esbuildPlugins: [edgePlatform, thirdPartyNotices],
    },
  ];
});
