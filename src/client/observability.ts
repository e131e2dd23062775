import type { TokenRefreshEvent } from '../auth/tokens.js';
import type { RetryReason } from '../policy/call.js';
import { VERSION } from '../version.js';

/**
 * Receives the SDK's diagnostics, pino-style: structured fields first, then the message. pino
 * loggers and `console` both fit. Fields never contain bodies, tokens, keys or personal data.
 */
export interface Logger {
  /** Normal operation: one line per attempt and per token refresh. */
  debug(fields: Record<string, unknown>, message: string): void;
  /** Retries. */
  info(fields: Record<string, unknown>, message: string): void;
  /** Problems the SDK recovered from (a failed background refresh, a token store down). */
  warn(fields: Record<string, unknown>, message: string): void;
  /** Failures. */
  error(fields: Record<string, unknown>, message: string): void;
}

/** Which SDK call an event belongs to. */
export type Operation = 'createProcess' | 'getProcess';

/** An HTTP attempt is about to be sent. */
export interface RequestStartEvent {
  /** The call's request id (sent as `X-Request-Id`), the same for all its attempts. */
  readonly requestId: string;
  /** Which SDK call is sending. */
  readonly operation: Operation;
  /** 1 for the first attempt of the call. */
  readonly attempt: number;
  /** HTTP method. */
  readonly method: 'GET' | 'POST';
  /** Path only (`/processes/v1`), never a query or host credentials. */
  readonly path: string;
}

/** An HTTP attempt finished, with a response or a failure. */
export interface RequestEndEvent extends RequestStartEvent {
  /** Time from sending to the end of the attempt, in ms. */
  readonly durationMs: number;
  /** HTTP status, when a response arrived. */
  readonly httpStatus?: number | undefined;
  /** The SDK error code the attempt produced, when it failed. */
  readonly errorCode?: string | undefined;
  /** Unico's application code from an error body. */
  readonly unicoCode?: string | undefined;
}

/** The SDK is about to retry a call; `attempt` is the number of the attempt it sends next. */
export interface RetryEvent extends Pick<RequestStartEvent, 'requestId' | 'operation' | 'attempt'> {
  /**
   * Why: `'not-sent'` (the previous attempt provably never reached Unico), `'rate-limited'` (429),
   * `'token-rejected'` (401: retried once with a new token), `'outcome-unknown'` (5xx, lost
   * connection or attempt timeout: `getProcess`, or `createProcess` with `retryOutcomeUnknown`).
   * @inlineType RetryReason
   */
  readonly reason: RetryReason;
  /** Wait before the next attempt, in ms. */
  readonly delayMs: number;
}

/**
 * Callbacks for request, retry and token events. They receive ids, statuses, durations and codes,
 * never bodies, tokens, keys or personal data. A hook that throws is ignored.
 */
export interface Hooks {
  /** An HTTP attempt is about to be sent. */
  onRequestStart?(event: RequestStartEvent): void;
  /** An HTTP attempt finished, with a response or a failure. */
  onRequestEnd?(event: RequestEndEvent): void;
  /** The SDK is about to retry a call. */
  onRetry?(event: RetryEvent): void;
  /** A token refresh finished: outcome, duration and, on failure, codes. */
  onTokenRefresh?(event: TokenRefreshEvent): void;
}

/** Identifies the caller in `User-Agent`, for SDKs that wrap this one. */
export interface AppInfo {
  /** e.g. `acme-kyc` (letters, digits, `.`, `_`, `-`). */
  readonly name: string;
  /** e.g. `2.3.1`. */
  readonly version?: string | undefined;
}

// Headers that may appear in debug logs. Everything else (authorization, apikey, cookies) never does.
const REQUEST_HEADERS = ['content-type', 'accept', 'user-agent', 'x-request-id'];
const RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'date',
  'retry-after',
  'x-envoy-upstream-service-time',
  'via',
];

type Headers = Readonly<Record<string, string | undefined>>;
type Hook<T> = ((event: T) => void) | undefined;
type AttemptEnd = Omit<RequestEndEvent, keyof RequestStartEvent | 'durationMs'>;

/** The fan-out to hooks and logger, or `undefined` without either: the client then builds no event at all. */
export function createObserver(hooks: Hooks | undefined, logger: Logger | undefined) {
  if (hooks === undefined && logger === undefined) return undefined;
  const emit = <T>(hook: Hook<T>, event: T, level: keyof Logger, message: string, fields?: object) => {
    try {
      hook?.call(hooks, event);
    } catch {
      // Observability must never break a verification.
    }
    logger?.[level]({ ...(event as object), ...fields }, `unico-idcloud: ${message}`);
  };
  return {
    /** Reports an attempt about to be sent; the function it returns reports the attempt's end. */
    requestStart(event: RequestStartEvent, headers: Headers) {
      emit(hooks?.onRequestStart, event, 'debug', 'sending request', {
        headers: pick(headers, REQUEST_HEADERS),
      });
      const t0 = performance.now();
      return (end: AttemptEnd, responseHeaders?: Headers) => {
        const durationMs = Math.round((performance.now() - t0) * 10) / 10;
        const fields = responseHeaders && { responseHeaders: pick(responseHeaders, RESPONSE_HEADERS) };
        emit(hooks?.onRequestEnd, { ...event, durationMs, ...end }, 'debug', 'request finished', fields);
      };
    },
    retry: (event: RetryEvent) => emit(hooks?.onRetry, event, 'info', 'retrying'),
    tokenRefresh: (event: TokenRefreshEvent) =>
      event.outcome === 'failure'
        ? emit(hooks?.onTokenRefresh, event, 'warn', 'token refresh failed')
        : emit(hooks?.onTokenRefresh, event, 'debug', 'token refreshed'),
  };
}

export type Observer = NonNullable<ReturnType<typeof createObserver>>;

function pick(headers: Headers, names: readonly string[]) {
  return Object.fromEntries(names.filter((name) => headers[name] !== undefined).map((n) => [n, headers[n]]));
}

/** `unico-idcloud/<version> <runtime>/<version>[ <app>/<version>]`. */
export function userAgent(app?: AppInfo): string {
  const suffix = app === undefined ? '' : ` ${app.name}${app.version === undefined ? '' : `/${app.version}`}`;
  return `unico-idcloud/${VERSION} ${runtime()}${suffix}`;
}

function runtime(): string {
  const g = globalThis as {
    Bun?: { version: string };
    Deno?: { version: { deno: string } };
    process?: { versions?: { node?: string } };
    navigator?: { userAgent?: string };
  };
  if (g.Bun) return `bun/${g.Bun.version}`;
  if (g.Deno) return `deno/${g.Deno.version.deno}`;
  if (g.process?.versions?.node) return `node/${g.process.versions.node}`;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  return 'edge';
}
