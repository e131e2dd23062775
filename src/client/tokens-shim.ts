// TEMPORARY: wires today's TokenCache until src/auth exports createTokenSource.
import { TokenCache } from '../auth/token-cache.js';
import type { AccessToken } from '../auth/token-exchange.js';
import { createTokenFetcher, type TokenProviderConfig } from '../auth/token-provider.js';
import { type TokenStore, tokenStoreKey } from '../auth/token-store.js';
import { IdCloudError, TokenError } from '../errors.js';
import { MIN_VALIDITY_MS, REFRESH_AHEAD_MS } from '../policy/token.js';
import type { TokenRefreshEvent } from './observability.js';

export interface TokenSource {
  get(signal: AbortSignal): Promise<string>;
  invalidate(token: string): void;
  close(): void;
}

export interface TokenSourceConfig extends TokenProviderConfig {
  store?: { store: TokenStore; identity: Parameters<typeof tokenStoreKey>[0] } | undefined;
  onRefresh?: ((report: TokenRefreshEvent) => void) | undefined;
  onStoreProblem?: ((fields: Record<string, unknown>, message: string) => void) | undefined;
  onBackgroundError?: ((error: unknown) => void) | undefined;
}

export function createTokenSource(config: TokenSourceConfig): TokenSource {
  const fetch = createTokenFetcher(config);
  const observed = async (signal: AbortSignal): Promise<AccessToken> => {
    const t0 = performance.now();
    try {
      const token = await fetch(signal);
      config.onRefresh?.({
        durationMs: performance.now() - t0,
        outcome: 'success',
        expiresInSeconds: token.lifetimeSeconds,
      });
      return token;
    } catch (err) {
      config.onRefresh?.({
        durationMs: performance.now() - t0,
        outcome: 'failure',
        errorCode: IdCloudError.is(err) ? err.code : undefined,
        unicoCode: err instanceof TokenError ? err.unicoCode : undefined,
      });
      throw err;
    }
  };
  return new TokenCache(observed, {
    refreshAheadMs: REFRESH_AHEAD_MS,
    minValidityMs: MIN_VALIDITY_MS,
    store: config.store && { store: config.store.store, key: tokenStoreKey(config.store.identity) },
    onBackgroundError: config.onBackgroundError,
  });
}
