/** The Node build's default transport; tsup swaps this module for `./edge.ts` in the edge build. */
export { createUndiciTransport as createDefaultTransport } from '../http/undici.js';
