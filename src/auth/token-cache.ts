import { ClientClosedError } from '../errors.js';
import { raceSignal } from '../internal/signal.js';
import { type RefreshMargins, tokenFreshness } from '../policy/token.js';
import { Fleet, type TokenStoreBinding, type TokenStoreFailure } from './fleet.js';
import type { AccessToken } from './token-exchange.js';
import type { TokenFetcher } from './token-provider.js';

/** Timing of refreshes, and where the token is shared. */
export interface TokenCacheOptions extends RefreshMargins {
  /** Told when a background refresh fails (the current token keeps being served). */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
  readonly now?: () => number;
  /** Share the token through this store; without it the token lives in this cache only. */
  readonly store?: TokenStoreBinding | undefined;
  /** Told about every store call that failed or timed out (the cache carried on in memory). */
  readonly onStoreError?: ((failure: TokenStoreFailure) => void) | undefined;
}

/**
 * Caches the access token, refreshes it early, and makes concurrent callers share one in-flight
 * refresh. A failed refresh is forgotten so the next caller tries again; a refresh that finishes
 * late never replaces a token that expires later than its own. `close()` is final.
 */
export class TokenCache {
  readonly #fetch: TokenFetcher;
  readonly #options: TokenCacheOptions;
  readonly #now: () => number;
  readonly #fleet: Fleet | undefined;
  // Aborted by close(): stops the shared refresh, which no single caller's signal may do.
  readonly #closed = new AbortController();
  #current: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;

  constructor(fetch: TokenFetcher, options: TokenCacheOptions) {
    this.#fetch = fetch;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#fleet =
      options.store &&
      new Fleet(options.store, { now: this.#now, margins: options, report: options.onStoreError });
  }

  /**
   * Returns a usable token: the cached one while fresh, else the result of the shared refresh.
   * @param signal - stops this caller's wait (the shared refresh carries on for others)
   * @returns the access token
   * @throws ClientClosedError after `close()`; the refresh's error; the signal's reason
   */
  async get(signal?: AbortSignal): Promise<string> {
    if (this.#closed.signal.aborted) throw new ClientClosedError();
    // An abandoned caller must not start network work.
    if (signal?.aborted) throw signal.reason;
    const current = this.#current;
    const freshness = current && tokenFreshness(current, this.#now(), this.#options);
    if (current !== undefined && freshness !== 'stale') {
      if (freshness === 'due' && this.#inflight === undefined) {
        this.#refresh().catch((err: unknown) => this.#options.onBackgroundError?.(err));
      }
      return current.value;
    }
    return (await raceSignal(this.#inflight ?? this.#refresh(), signal)).value;
  }

  /**
   * Drops the cached token if it is still `token` (the one that just failed with a 401), so a
   * token refreshed meanwhile by another caller is kept; with a store, also there.
   * @param token - the access token that was rejected
   */
  invalidate(token: string): void {
    if (this.#closed.signal.aborted) return;
    if (this.#current?.value === token) this.#current = undefined;
    this.#fleet?.invalidate(token);
  }

  /** Final: forgets the token, stops a refresh in flight; every later `get()` rejects at once. */
  close(): void {
    this.#closed.abort(new ClientClosedError());
    this.#current = undefined;
    this.#inflight = undefined;
  }

  /** The cached token's expiry (epoch ms), for diagnostics and tests. */
  get expiresAt(): number | undefined {
    return this.#current?.expiresAt;
  }

  #refresh(): Promise<AccessToken> {
    const signal = this.#closed.signal;
    const obtained = this.#fleet
      ? this.#fleet.obtain(this.#fetch, this.#current, signal)
      : this.#fetch(signal);
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
    // Waiters may all have given up (timeout, abort): the failure must not become an unhandled rejection.
    run.catch(() => undefined);
    return run;
  }
}
