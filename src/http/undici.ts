import type { Dispatcher } from 'undici';
import { CONNECT_CODES, type Transport, TransportError } from './transport.js';

/** Options of the default undici transport. */
export interface UndiciTransportOptions {
  /** Your own undici dispatcher (ProxyAgent, MockAgent, Agent with TLS options). Never closed by us. */
  readonly dispatcher?: Dispatcher | undefined;
}

/**
 * The default transport: undici, loaded on the first request so importing the SDK stays cheap.
 * @param options - an optional dispatcher of your own
 * @returns a transport
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): Transport {
  let owned: Dispatcher | undefined;
  let loading: Promise<Dispatcher> | undefined;
  const dispatcher = (): Promise<Dispatcher> => {
    loading ??= (async () => {
      let base = options.dispatcher;
      if (base === undefined) {
        const undici = await import('undici');
        // Idle sockets close well before typical load-balancer idle timeouts (~60 s), so a frozen
        // serverless instance does not wake up to a dead keep-alive socket.
        owned = new undici.Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 });
        base = owned;
      }
      // compose() exists on every undici >= 6 dispatcher; without it writes are not tracked.
      return typeof base.compose === 'function' ? base.compose(trackWrites) : base;
    })();
    return loading;
  };

  const preconnecting = new Set<AbortController>();
  return {
    tracksWrites: true,
    async request(req) {
      const target = new URL(req.url);
      const d = await dispatcher();
      let res: Dispatcher.ResponseData;
      try {
        res = await d.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          signal: req.signal,
          [ON_WRITE]: req.onWrite,
        } as Dispatcher.RequestOptions);
      } catch (err) {
        throw classify(err, req.signal);
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      let body: string;
      try {
        body = await readCapped(res.body, req.maxResponseBytes);
      } catch (err) {
        throw classify(err, req.signal);
      }
      return { status: res.statusCode, headers, body };
    },
    async preconnect(origin, signal) {
      // undici has no bare "connect" for a pool: a GET on the origin leaves a keep-alive socket
      // behind (not HEAD: undici closes the socket after one). It carries no credentials and
      // creates nothing. The caller waits only until the socket is connected; the answer is
      // drained in the background, capped at 5 s, and close() cuts it short.
      const controller = new AbortController();
      preconnecting.add(controller);
      const stop = () => controller.abort();
      signal.addEventListener('abort', stop, { once: true });
      const timer = setTimeout(stop, PRECONNECT_CAP_MS);
      timer.unref?.();
      let connected: () => void = () => {};
      const ready = new Promise<void>((resolve) => {
        connected = resolve;
      });
      void (async () => {
        try {
          const d = await dispatcher();
          const res = await d.request({
            origin,
            path: '/',
            method: 'GET',
            signal: controller.signal,
            [ON_WRITE]: connected,
          } as Dispatcher.RequestOptions);
          await res.body.dump();
        } catch {
          // Best effort: the first real call connects as usual.
        } finally {
          clearTimeout(timer);
          signal.removeEventListener('abort', stop);
          preconnecting.delete(controller);
          connected();
        }
      })();
      await ready;
    },
    async close() {
      for (const controller of preconnecting) controller.abort();
      // Idempotent: a second close() (or one racing the first) is a no-op.
      const agent = owned;
      owned = undefined;
      loading = undefined;
      await agent?.close();
    },
  };
}

const ON_WRITE = Symbol('unico-idcloud.onWrite');
const PRECONNECT_CAP_MS = 5_000;

/**
 * undici calls a handler's `onConnect` (`onRequestStart` in its newer handler API) synchronously
 * right before it writes the request line to the socket. Seeing it is the proof that bytes may
 * have left; not seeing it before an error proves that none did (connect failure, or a pooled
 * keep-alive socket found dead before the write).
 */
const trackWrites: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
  const onWrite = (opts as { [ON_WRITE]?: () => void })[ON_WRITE];
  if (onWrite === undefined) return dispatch(opts, handler);
  let seen = false;
  const mark = () => {
    if (!seen) {
      seen = true;
      onWrite();
    }
  };
  const tracked = new Proxy(handler, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === 'onConnect' || prop === 'onRequestStart') {
        return (...args: unknown[]) => {
          mark();
          return value.apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  return dispatch(opts, tracked);
};

function classify(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof TransportError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECT_CODES.has(code)) {
    return new TransportError('connect', `connection failed (${code})`, err);
  }
  return new TransportError(
    'exchange',
    `connection lost (${typeof code === 'string' ? code : 'unknown'})`,
    err,
  );
}

async function readCapped(body: Dispatcher.ResponseData['body'], max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > max) {
      body.destroy();
      throw new TransportError('exchange', `response body larger than ${max} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
}
