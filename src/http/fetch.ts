import {
  CONNECT_CODES,
  type Transport,
  TransportError,
  type TransportRequest,
  type TransportResponse,
} from './transport.js';

/** Options of {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /**
   * The `fetch` to call, e.g. one bound to a proxy, or a Cloudflare service binding's `fetch`.
   * @default the global `fetch`, looked up on every request
   */
  readonly fetch?: typeof fetch | undefined;
}

/**
 * Error codes that prove the request never left: the connection was not established. Node's
 * fetch (undici) puts them on `cause`; Bun uses its own names.
 */
const FETCH_CONNECT_CODES: ReadonlySet<string> = new Set([
  ...CONNECT_CODES,
  // Bun
  'ConnectionRefused',
  'FailedToOpenSocket',
]);
// Deno (hyper-util) names the phase that failed: "client error (Connect): tcp connect error: ...".
const DENO_CONNECT = /client error \(Connect\)/;

/**
 * A transport over the WHATWG `fetch` API, for runtimes without undici: Cloudflare Workers
 * (workerd), Vercel Edge, Deno, Bun, or Node when you prefer its global `fetch`. The edge build
 * (export conditions `workerd`, `edge-light`, `deno`, `bun`) uses it by default.
 *
 * `fetch` cannot tell whether any byte of the request was written before a failure, so the client
 * treats every failure it cannot positively classify as a connect failure (connection refused, DNS,
 * connect timeout, TLS) as possibly sent: `ERR_OUTCOME_UNKNOWN`, never retried for CreateProcess.
 * Redirects are not followed (the credentials must never go to another host): a 3xx is returned
 * as it is, like the undici transport does.
 *
 * @param options - an optional `fetch` of your own
 * @returns a transport to pass as the client's `transport` option
 * @throws TypeError when no `fetch` is available
 * @example
 * ```ts
 * import { createFetchTransport, IdCloudClient } from 'unico-idcloud';
 * const client = new IdCloudClient({ ...options, transport: createFetchTransport() });
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions = {}): Transport {
  const custom = options.fetch;
  if (custom === undefined && typeof globalThis.fetch !== 'function') {
    throw new TypeError('createFetchTransport: this runtime has no global fetch; pass options.fetch');
  }
  if (custom !== undefined && typeof custom !== 'function') {
    throw new TypeError('createFetchTransport: options.fetch must be a function');
  }
  // Called through globalThis on every request: a detached `fetch` throws "Illegal invocation" on
  // some runtimes, and tests may replace the global.
  const send: typeof fetch = custom ?? ((input, init) => globalThis.fetch(input, init));
  return {
    async request(req: TransportRequest): Promise<TransportResponse> {
      if (req.signal.aborted) throw req.signal.reason;
      let res: Response;
      try {
        res = await send(req.url, {
          method: req.method,
          headers: { ...req.headers },
          ...(req.body === undefined ? {} : { body: req.body }),
          signal: req.signal,
          redirect: 'manual',
        });
      } catch (err) {
        throw classify(err, req.signal);
      }
      const headers: Record<string, string | undefined> = {};
      res.headers.forEach((value, name) => {
        headers[name.toLowerCase()] = value;
      });
      let body: string;
      try {
        body = await readCapped(res, req.maxResponseBytes, req.signal);
      } catch (err) {
        throw classify(err, req.signal);
      }
      return { status: res.status, headers, body };
    },
  };
}

function classify(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof TransportError) return err;
  const code = connectCode(err);
  if (code !== undefined) return new TransportError('connect', `connection failed (${code})`, err);
  return new TransportError('exchange', `connection lost (${describe(err)})`, err);
}

/** The connect-phase code on the error or its causes, or `undefined` when it is not provably one. */
function connectCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && FETCH_CONNECT_CODES.has(code)) return code;
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string' && DENO_CONNECT.test(message)) return 'connect';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[\w.-]{1,64}$/.test(code)) return code;
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^\w{1,64}$/.test(name) ? name : 'unknown';
}

async function readCapped(res: Response, max: number, signal: AbortSignal): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  const stream = res.body;
  if (declared > max) {
    await stream?.cancel().catch(() => undefined);
    throw new TransportError('exchange', `response body larger than ${max} bytes`);
  }
  if (stream === null) return '';
  const reader = stream.getReader();
  // Not every runtime ends a pending read when the request's signal fires: cancel it ourselves,
  // and never mistake the end of a cancelled stream for the end of the body.
  const onAbort = () => {
    reader.cancel(signal.reason).catch(() => undefined);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal.aborted) throw signal.reason;
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        reader.cancel().catch(() => undefined);
        throw new TransportError('exchange', `response body larger than ${max} bytes`);
      }
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return text + decoder.decode();
}
