import { ClientClosedError } from '../errors.js';
import { raceSignal } from '../internal/signal.js';
import { type RefreshMargins, tokenFreshness } from '../policy/token.js';
import { createFleet, type TokenStoreBinding, type TokenStoreFailure } from './fleet.js';
import type { TokenFetcher } from './token-provider.js';
import type { StoredToken } from './token-store.js';

export interface TokenCacheOptions extends RefreshMargins {
  /** A background refresh failed (the current token keeps being served). */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
  readonly now?: () => number;
  readonly store?: TokenStoreBinding | undefined;
  readonly onStoreError?: ((failure: TokenStoreFailure) => void) | undefined;
}

export type TokenCache = ReturnType<typeof createTokenCache>;

/**
 * Caches the access token, refreshes it early, and makes concurrent callers share one refresh. A
 * failed refresh is forgotten; a late one never replaces a token that expires later. `close()` is final.
 */
export function createTokenCache(fetch: TokenFetcher, options: TokenCacheOptions) {
  const now = options.now ?? Date.now;
  // Aborted by close(): stops the shared refresh, which no single caller's signal may do.
  const closed = new AbortController();
  const { signal } = closed;
  const fleet =
    options.store && createFleet(options.store, fetch, signal, now, options, options.onStoreError);
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
      const freshness = current && tokenFreshness(current, now(), options);
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
