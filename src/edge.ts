/** Entry of the edge build: the same API, with `fetch` as the default transport and no undici or `node:` import. */
export * from './index.js';
