import { CONNECT_CODES, type Transport, TransportError, type TransportResponse } from './transport.js';

/** Options of {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /** The `fetch` to call (e.g. a service binding's); by default the global one, looked up per request. */
  readonly fetch?: typeof fetch | undefined;
}

// Node's fetch puts the code on `cause`; Deno names the phase in the message.
const DENO_CONNECT = /client error \(Connect\)/;

/**
 * A transport over `fetch` (the edge build's default); a TypeError when there is no `fetch`. Only named
 * connect failures count as "not sent"; redirects are not followed (credentials never go to another host).
 */
export function createFetchTransport(options: FetchTransportOptions = {}): Transport {
  const custom = options.fetch;
  if (custom !== undefined ? typeof custom !== 'function' : typeof globalThis.fetch !== 'function') {
    throw new TypeError('createFetchTransport: no fetch function (pass options.fetch)');
  }
  // Through globalThis on every request: a detached `fetch` throws "Illegal invocation" on some runtimes.
  const send: typeof fetch = custom ?? ((input, init) => globalThis.fetch(input, init));
  return {
    async request(req): Promise<TransportResponse> {
      if (req.signal.aborted) throw req.signal.reason;
      try {
        const res = await send(req.url, {
          method: req.method,
          headers: { ...req.headers },
          ...(req.body === undefined ? {} : { body: req.body }),
          signal: req.signal,
          redirect: 'manual',
        });
        const headers: Record<string, string | undefined> = {};
        res.headers.forEach((value, name) => {
          headers[name.toLowerCase()] = value;
        });
        return { status: res.status, headers, body: await readCapped(res, req.maxResponseBytes, req.signal) };
      } catch (err) {
        if (req.signal.aborted) throw req.signal.reason;
        if (err instanceof TransportError) throw err;
        const code = connectCode(err);
        if (code !== undefined) throw new TransportError('connect', `connection failed (${code})`, err);
        throw new TransportError('exchange', `connection lost (${describe(err)})`, err);
      }
    },
  };
}

function connectCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && CONNECT_CODES.has(code)) return code;
    if (typeof message === 'string' && DENO_CONNECT.test(message)) return 'connect';
    current = cause;
  }
  return undefined;
}

function describe(err: unknown): string {
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && /^[\w.-]{1,64}$/.test(code)) return code;
  return typeof name === 'string' && /^\w{1,64}$/.test(name) ? name : 'unknown';
}

async function readCapped(res: Response, max: number, signal: AbortSignal): Promise<string> {
  const tooLarge = () => new TransportError('exchange', `response body larger than ${max} bytes`);
  if (Number(res.headers.get('content-length')) > max) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  // Not every runtime ends a pending read when the signal fires: cancel it ourselves, and never
  // mistake the end of a cancelled stream for the end of the body.
  const onAbort = () => void reader.cancel(signal.reason).catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) return text + decoder.decode();
      size += value.byteLength;
      if (size > max) {
        reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
