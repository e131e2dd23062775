import { ClientClosedError, IdCloudError, TokenError } from '../errors.js';
import { raceSignal } from '../internal/signal.js';
import { MIN_VALIDITY_MS, REFRESH_AHEAD_MS, type RefreshMargins, tokenFreshness } from '../policy/token.js';
import { createFleet, describeStoreFailure, LOCK_TTL_MS, type TokenStoreBinding } from './fleet.js';
import { createTokenFetcher, type TokenFetcher, type TokenProviderConfig } from './token-provider.js';
import { type StoredToken, type TokenIdentity, type TokenStore, tokenStoreKey } from './token-store.js';

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

export interface TokenSourceConfig extends TokenProviderConfig {
  readonly store?: { readonly store: TokenStore; readonly identity: TokenIdentity } | undefined;
  readonly onRefresh?: ((report: TokenRefreshEvent) => void) | undefined;
  /** `fields` and `message` are safe to log. */
  readonly onStoreProblem?: ((fields: Record<string, unknown>, message: string) => void) | undefined;
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
}

export type TokenSource = Pick<ReturnType<typeof createTokenCache>, 'get' | 'invalidate' | 'close'>;

/** The refresh loop, the cache and, with a store, the shared-store protocol. */
export function createTokenSource(config: TokenSourceConfig): TokenSource {
  const fetch = createTokenFetcher(config);
  const { onRefresh, onStoreProblem, store } = config;
  const observed: TokenFetcher = async (signal) => {
    const started = performance.now();
    const report = (details: Omit<TokenRefreshEvent, 'durationMs'>) =>
      onRefresh?.({ durationMs: Math.round((performance.now() - started) * 1000) / 1000, ...details });
    try {
      const token = await fetch(signal);
      report({ outcome: 'success', expiresInSeconds: token.lifetimeSeconds });
      return token;
    } catch (err) {
      report({
        outcome: 'failure',
        ...(IdCloudError.is(err) && { errorCode: err.code }),
        ...(err instanceof TokenError && err.unicoCode !== undefined && { unicoCode: err.unicoCode }),
      });
      throw err;
    }
  };
  return createTokenCache(observed, {
    onBackgroundError: config.onBackgroundError,
    store: store && {
      store: store.store,
      key: tokenStoreKey(store.identity),
      // A live lock holder is done within its token budget; a dead one's lock expires.
      lockWaitMs: config.timeoutMs + LOCK_TTL_MS,
      onFailure:
        onStoreProblem &&
        ((failure) => {
          const { fields, message } = describeStoreFailure(failure);
          onStoreProblem(fields, message);
        }),
    },
  });
}

export interface TokenCacheOptions extends Partial<RefreshMargins> {
  /** A background refresh failed (the current token keeps being served). */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
  readonly now?: () => number;
  readonly store?: TokenStoreBinding | undefined;
}

// Refreshes early, one refresh shared by concurrent callers; a failed refresh is forgotten, a late
// one never replaces a token that expires later. `close()` is final.
export function createTokenCache(fetch: TokenFetcher, options: TokenCacheOptions) {
  const now = options.now ?? Date.now;
  const margins = { refreshAheadMs: REFRESH_AHEAD_MS, minValidityMs: MIN_VALIDITY_MS, ...options };
  // Aborted by close(): stops the shared refresh, which no single caller's signal may do.
  const closed = new AbortController();
  const { signal } = closed;
  const fleet = options.store && createFleet(options.store, fetch, { ...margins, now, signal });
  let current: StoredToken | undefined;
  let inflight: Promise<StoredToken> | undefined;

  const refresh = (): Promise<StoredToken> => {
    const run = (fleet ? fleet.obtain(current) : fetch(signal)).then(
      (token) => {
        if (inflight === run) inflight = undefined;
        if (signal.aborted) throw signal.reason;
        if (current === undefined || token.expiresAt >= current.expiresAt) current = token;
        return token;
      },
      (err: unknown) => {
        if (inflight === run) inflight = undefined;
        throw signal.aborted ? signal.reason : err;
      },
    );
    inflight = run;
    run.catch(() => undefined); // every waiter may have given up
    return run;
  };

  return {
    /** `caller` stops this caller's wait only; the shared refresh carries on. */
    async get(caller?: AbortSignal): Promise<string> {
      if (signal.aborted) throw new ClientClosedError();
      if (caller?.aborted) throw caller.reason; // an abandoned caller must not start network work
      const freshness = current && tokenFreshness(current, now(), margins);
      if (current !== undefined && freshness !== 'stale') {
        if (freshness === 'due' && inflight === undefined) {
          refresh().catch((err: unknown) => options.onBackgroundError?.(err));
        }
        return current.accessToken;
      }
      return (await raceSignal(inflight ?? refresh(), caller)).accessToken;
    },

    /** Drops the cached (and stored) token if it is still `token`, the one the API refused. */
    invalidate(token: string): void {
      if (signal.aborted) return;
      if (current?.accessToken === token) current = undefined;
      fleet?.invalidate(token);
    },

    close(): void {
      closed.abort(new ClientClosedError());
      current = undefined;
      inflight = undefined;
    },

    get expiresAt(): number | undefined {
      return current?.expiresAt;
    },
  };
}
