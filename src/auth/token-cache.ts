import { ClientClosedError } from '../errors.js';
import { raceSignal } from '../internal/signal.js';
import { type RefreshMargins, tokenFreshness } from '../policy/token.js';
import { createFleet, type Fleet, type TokenStoreBinding, type TokenStoreFailure } from './fleet.js';
import type { TokenFetcher } from './token-provider.js';
import type { StoredToken } from './token-store.js';

export interface TokenCacheOptions extends RefreshMargins {
  /** A background refresh failed (the current token keeps being served). */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
  readonly now?: () => number;
  readonly store?: TokenStoreBinding | undefined;
  readonly onStoreError?: ((failure: TokenStoreFailure) => void) | undefined;
}

/**
 * Caches the access token, refreshes it early, and makes concurrent callers share one refresh. A
 * failed refresh is forgotten; a late one never replaces a token that expires later. `close()` is final.
 */
export class TokenCache {
  readonly #fetch: TokenFetcher;
  readonly #options: TokenCacheOptions;
  readonly #now: () => number;
  readonly #fleet: Fleet | undefined;
  // Aborted by close(): stops the shared refresh, which no single caller's signal may do.
  readonly #closed = new AbortController();
  #current: StoredToken | undefined;
  #inflight: Promise<StoredToken> | undefined;

  constructor(fetch: TokenFetcher, options: TokenCacheOptions) {
    this.#fetch = fetch;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#fleet =
      options.store &&
      createFleet(options.store, fetch, this.#closed.signal, this.#now, options, options.onStoreError);
  }

  /** `signal` stops this caller's wait only; the shared refresh carries on. */
  async get(signal?: AbortSignal): Promise<string> {
    if (this.#closed.signal.aborted) throw new ClientClosedError();
    if (signal?.aborted) throw signal.reason; // an abandoned caller must not start network work
    const current = this.#current;
    const freshness = current && tokenFreshness(current, this.#now(), this.#options);
    if (current !== undefined && freshness !== 'stale') {
      if (freshness === 'due' && this.#inflight === undefined) {
        this.#refresh().catch((err: unknown) => this.#options.onBackgroundError?.(err));
      }
      return current.accessToken;
    }
    return (await raceSignal(this.#inflight ?? this.#refresh(), signal)).accessToken;
  }

  /** Drops the cached (and stored) token if it is still `token`, the one the API refused. */
  invalidate(token: string): void {
    if (this.#closed.signal.aborted) return;
    if (this.#current?.accessToken === token) this.#current = undefined;
    this.#fleet?.invalidate(token);
  }

  close(): void {
    this.#closed.abort(new ClientClosedError());
    this.#current = undefined;
    this.#inflight = undefined;
  }

  get expiresAt(): number | undefined {
    return this.#current?.expiresAt;
  }

  #refresh(): Promise<StoredToken> {
    const signal = this.#closed.signal;
    const obtained = this.#fleet ? this.#fleet.obtain(this.#current) : this.#fetch(signal);
    const run = obtained.then(
      (token) => {
        if (this.#inflight === run) this.#inflight = undefined;
        if (signal.aborted) throw signal.reason;
        if (this.#current === undefined || token.expiresAt >= this.#current.expiresAt) this.#current = token;
        return token;
      },
      (err: unknown) => {
        if (this.#inflight === run) this.#inflight = undefined;
        throw signal.aborted ? signal.reason : err;
      },
    );
    this.#inflight = run;
    run.catch(() => undefined); // every waiter may have given up
    return run;
  }
}
