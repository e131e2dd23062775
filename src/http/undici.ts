import type { Dispatcher } from 'undici';
import { CONNECT_CODES, type Transport, TransportError, type TransportResponse } from './transport.js';

export interface UndiciTransportOptions {
  /** The caller's dispatcher (ProxyAgent, MockAgent, ...); never closed by us. */
  readonly dispatcher?: Dispatcher | undefined;
}

// Idle sockets close well before load-balancer idle timeouts (~60 s), so a frozen serverless
// instance does not wake up to a dead keep-alive socket.
const newAgent = () =>
  import('undici').then(({ Agent }) => new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 }));

// Undici, loaded on the first request; its own dispatch handler learns when the request is about to be
// written, from any dispatcher with undici's `dispatch()` contract.
export function createUndiciTransport(options: UndiciTransportOptions = {}): Transport {
  let owned: Promise<Dispatcher> | undefined;
  return {
    async request(req) {
      const { origin, pathname, search } = new URL(req.url);
      const request = { origin, path: pathname + search, method: req.method, headers: req.headers };
      if (options.dispatcher === undefined) owned ??= newAgent();
      const d = options.dispatcher ?? (await owned!);
      return new Promise<TransportResponse>((resolve, reject) => {
        const { signal, maxResponseBytes: max } = req;
        let abort: ((reason?: Error) => void) | undefined;
        let settled = false;
        const settle = (done: () => void) => {
          if (settled) return;
          settled = true;
          signal.removeEventListener('abort', onAbort);
          done();
        };
        const fail = (err: unknown) => settle(() => reject(err));
        const onAbort = () => {
          // Settled first: aborting the request calls onError at once, which would replace the reason.
          // Still queued, nothing written: onConnect aborts it when the pool gets to it.
          const unsent = new TransportError('connect', 'aborted before sending', signal.reason);
          fail(abort === undefined ? unsent : signal.reason);
          abort?.(signal.reason);
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        let status = 0;
        let headers: Record<string, string | undefined> = {};
        const chunks: Buffer[] = [];
        let size = 0;
        const handler: Dispatcher.DispatchHandler = {
          // undici calls this synchronously right before it writes the request line.
          onConnect(abortRequest) {
            if (settled) return abortRequest(signal.reason);
            abort = abortRequest;
          },
          // A 1xx response's headers, if any reach here, are replaced by the final response's.
          onHeaders(statusCode, rawHeaders) {
            status = statusCode;
            headers = parseHeaders(rawHeaders as unknown as Buffer[]);
            return true;
          },
          onData(chunk) {
            size += chunk.length;
            if (size > max) {
              const err = new TransportError('exchange', `response body larger than ${max} bytes`);
              abort?.(err);
              fail(err);
              return false;
            }
            chunks.push(chunk);
            return true;
          },
          onComplete() {
            const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
            settle(() => resolve({ status, headers, body: body.toString('utf8') }));
          },
          onError(err) {
            fail(classify(err, abort !== undefined));
          },
        };
        try {
          d.dispatch({ ...request, body: req.body ?? null }, handler);
        } catch (err) {
          fail(classify(err, false));
        }
      });
    },
    async close() {
      const agent = owned;
      owned = undefined;
      await (await agent)?.close();
    },
  };
}

function parseHeaders(raw: readonly Buffer[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    const seen = out[name];
    out[name] = seen === undefined ? value : `${seen}, ${value}`;
  }
  return out;
}

function classify(err: unknown, connected: boolean): TransportError {
  if (err instanceof TransportError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const name = typeof code === 'string' ? code : 'unknown';
  // Before onConnect nothing was written, whatever the error; after it, only a connect-phase code
  // (which cannot follow a write) would prove it, and none can arrive then.
  if (!connected || (typeof code === 'string' && CONNECT_CODES.has(code))) {
    return new TransportError('connect', `connection failed (${name})`, err);
  }
  return new TransportError('exchange', `connection lost (${name})`, err);
}
