/**
 * Entry of the edge build (`dist/edge.js`), chosen by the `workerd`, `edge-light`, `deno` and `bun`
 * export conditions. Same public API as the Node build; tsup swaps `src/platform/node.ts` for
 * `src/platform/edge.ts` in this build, so the default transport is `fetch` and the module graph
 * has no `node:` import and no undici.
 */
export * from './index.js';
