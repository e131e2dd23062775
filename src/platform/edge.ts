/**
 * The edge build's stand-in for `./node.ts` (workerd, Vercel Edge, Deno, Bun): the default transport
 * is `fetch`. Selected by the `workerd`, `edge-light`, `deno` and `bun` export conditions. Internal.
 */
import type { Dispatcher } from 'undici';
import { createFetchTransport } from '../http/fetch.js';
import type { Transport } from '../http/transport.js';

/**
 * The transport a client uses when none is given: the runtime's `fetch`. A `dispatcher` is an undici
 * object and has no meaning here; it is ignored.
 * @param _options - the client's `dispatcher` option (unused)
 * @returns a transport
 */
export function createDefaultTransport(_options: { readonly dispatcher: Dispatcher | undefined }): Transport {
  return createFetchTransport();
}
