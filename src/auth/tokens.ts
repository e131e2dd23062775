import { IdCloudError, TokenError } from '../errors.js';
import { MIN_VALIDITY_MS, REFRESH_AHEAD_MS } from '../policy/token.js';
import { describeStoreFailure, LOCK_TTL_MS } from './fleet.js';
import { createTokenCache, type TokenCache } from './token-cache.js';
import { createTokenFetcher, type TokenFetcher, type TokenProviderConfig } from './token-provider.js';
import { type TokenIdentity, type TokenStore, tokenStoreKey } from './token-store.js';

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

export type TokenSource = Pick<TokenCache, 'get' | 'invalidate' | 'close'>;

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
    refreshAheadMs: REFRESH_AHEAD_MS,
    minValidityMs: MIN_VALIDITY_MS,
    onBackgroundError: config.onBackgroundError,
    store: store && {
      store: store.store,
      key: tokenStoreKey(store.identity),
      // A live lock holder is done within its token budget; a dead one's lock expires.
      lockWaitMs: config.timeoutMs + LOCK_TTL_MS,
    },
    onStoreError:
      onStoreProblem &&
      ((failure) => {
        const { fields, message } = describeStoreFailure(failure);
        onStoreProblem(fields, message);
      }),
  });
}
