/** Entry of the edge build: the same API, with `fetch` as default transport, no undici, no `node:` import. */
export * from './index.js';
