/** The edge build's default transport: the runtime's `fetch` (an undici `dispatcher` means nothing here). */
import { createFetchTransport } from '../http/fetch.js';
import type { Transport } from '../http/transport.js';
import type { UndiciTransportOptions } from '../http/undici.js';

export function createDefaultTransport(_options: UndiciTransportOptions): Transport {
  return createFetchTransport();
}
