/**
 * What differs between the Node build and the edge build: the default transport. The edge build
 * (tsup's `edge` entry) swaps this module for `./edge.ts`, so undici never enters its module graph.
 * Internal.
 */
import type { Dispatcher } from 'undici';
import type { Transport } from '../http/transport.js';
import { createUndiciTransport } from '../http/undici.js';

/**
 * The transport a client uses when none is given: undici, with the caller's dispatcher if any.
 * @param options - the client's `dispatcher` option
 * @returns a transport
 */
export function createDefaultTransport(options: { readonly dispatcher: Dispatcher | undefined }): Transport {
  return createUndiciTransport({ dispatcher: options.dispatcher });
}
