import type { TransportRequest } from '../../src/http/transport.js';

/** A POST with a small JSON body and a 1 MB response cap, for the transport tests. */
export const request = (url: string, overrides: Partial<TransportRequest> = {}): TransportRequest => ({
  method: 'POST',
  url,
  headers: { 'content-type': 'application/json', 'x-request-id': 'req-1' },
  body: '{"hello":"world"}',
  signal: new AbortController().signal,
  maxResponseBytes: 1024 * 1024,
  ...overrides,
});

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
