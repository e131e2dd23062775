import { VERSION } from '../version.js';
import type { Logger } from './options.js';

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

/** The SDK is about to retry a call. */
export interface RetryEvent {
  /** The call's request id (sent as `X-Request-Id`). */
  readonly requestId: string;
  /** Which SDK call is retrying. */
  readonly operation: Operation;
  /** The attempt number that will be sent next. */
  readonly attempt: number;
  /**
   * Why: `'not-sent'` (the previous attempt provably never reached Unico), `'rate-limited'` (429),
   * `'token-rejected'` (401: retried once with a new token), `'outcome-unknown'` (5xx, lost
   * connection or attempt timeout: `getProcess`, or `createProcess` with `retryOutcomeUnknown`).
   */
  readonly reason: 'not-sent' | 'rate-limited' | 'token-rejected' | 'outcome-unknown';
  /** Wait before the next attempt, in ms. */
  readonly delayMs: number;
}

/** A token refresh finished. */
export interface TokenRefreshEvent {
  /** Time the refresh took, all its attempts included, in ms. */
  readonly durationMs: number;
  /** Whether a token was obtained. */
  readonly outcome: 'success' | 'failure';
  /** Lifetime granted, in seconds, on success. */
  readonly expiresInSeconds?: number | undefined;
  /** The SDK error code, on failure (`ERR_TOKEN`). */
  readonly errorCode?: string | undefined;
  /** Dotted Unico code (e.g. `1.2.22`), on failure. */
  readonly unicoCode?: string | undefined;
}

/**
 * Callbacks for request, retry and token events. They receive ids, statuses, durations and codes,
 * never bodies, tokens, keys or personal data. A hook that throws is ignored.
 */
export interface Hooks {
  /**
   * An HTTP attempt is about to be sent.
   * @param event - call, attempt and path
   */
  onRequestStart?(event: RequestStartEvent): void;
  /**
   * An HTTP attempt finished, with a response or a failure.
   * @param event - duration, status and codes
   */
  onRequestEnd?(event: RequestEndEvent): void;
  /**
   * The SDK is about to retry a call.
   * @param event - reason and delay
   */
  onRetry?(event: RetryEvent): void;
  /**
   * A token refresh finished.
   * @param event - outcome, duration and, on failure, codes
   */
  onTokenRefresh?(event: TokenRefreshEvent): void;
}

/** Names of the `node:diagnostics_channel` channels the SDK publishes the same events on. */
export const CHANNELS = Object.freeze({
  /** Publishes a {@link RequestStartEvent}. */
  requestStart: 'unico-idcloud:request:start',
  /** Publishes a {@link RequestEndEvent}. */
  requestEnd: 'unico-idcloud:request:end',
  /** Publishes a {@link RetryEvent}. */
  retry: 'unico-idcloud:retry',
  /** Publishes a {@link TokenRefreshEvent}. */
  tokenRefresh: 'unico-idcloud:token:refresh',
});

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

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

type Emit<T> = (event: T) => void;

/** The emitters the client calls; each fans out to hooks, diagnostics channels and the logger. */
export interface Observer {
  readonly requestStart: Emit<RequestStartEvent>;
  readonly requestEnd: Emit<
    RequestEndEvent & { readonly responseHeaders?: Readonly<Record<string, string | undefined>> }
  >;
  readonly retry: Emit<RetryEvent>;
  readonly tokenRefresh: Emit<TokenRefreshEvent>;
  /** Allow-listed request headers, for the debug log. */
  readonly requestHeaders: (headers: Readonly<Record<string, string>>) => Record<string, string>;
}

/**
 * Builds the fan-out. Channels are looked up without a top-level `node:` import, so this also loads
 * on edge runtimes (where there are none).
 * @param hooks - the caller's hooks
 * @param logger - the caller's logger
 * @returns the emitters
 */
export function createObserver(hooks: Hooks | undefined, logger: Logger | undefined): Observer {
  const channels = lookupChannels();
  const fire = <T>(name: keyof Hooks, channel: Channel | undefined, event: T) => {
    const hook = hooks?.[name] as ((e: T) => void) | undefined;
    if (hook) {
      try {
        hook.call(hooks, event);
      } catch {
        // Observability must never break a verification.
      }
    }
    if (channel?.hasSubscribers) channel.publish(event);
  };
  return {
    requestStart: (event) => fire('onRequestStart', channels?.requestStart, event),
    requestEnd: ({ responseHeaders, ...event }) => {
      fire('onRequestEnd', channels?.requestEnd, event);
      logger?.debug(
        {
          ...event,
          ...(responseHeaders ? { responseHeaders: pick(responseHeaders, RESPONSE_HEADERS) } : {}),
        },
        'unico-idcloud: request finished',
      );
    },
    retry: (event) => {
      fire('onRetry', channels?.retry, event);
      logger?.info({ ...event }, 'unico-idcloud: retrying');
    },
    tokenRefresh: (event) => {
      fire('onTokenRefresh', channels?.tokenRefresh, event);
      if (event.outcome === 'failure') logger?.warn({ ...event }, 'unico-idcloud: token refresh failed');
      else logger?.debug({ ...event }, 'unico-idcloud: token refreshed');
    },
    requestHeaders: (headers) => pick(headers, REQUEST_HEADERS) as Record<string, string>,
  };
}

function pick(
  headers: Readonly<Record<string, string | undefined>>,
  allowed: readonly string[],
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name of allowed) if (headers[name] !== undefined) out[name] = headers[name];
  return out;
}

function lookupChannels(): Record<keyof typeof CHANNELS, Channel> | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const dc = proc?.getBuiltinModule?.('node:diagnostics_channel') as
    | { channel(name: string): Channel }
    | undefined;
  if (!dc) return undefined;
  return {
    requestStart: dc.channel(CHANNELS.requestStart),
    requestEnd: dc.channel(CHANNELS.requestEnd),
    retry: dc.channel(CHANNELS.retry),
    tokenRefresh: dc.channel(CHANNELS.tokenRefresh),
  };
}

/**
 * `unico-idcloud/<version> <runtime>/<version>[ <app>/<version>]`.
 * @param app - optional wrapping SDK or application
 * @returns the User-Agent value
 */
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
