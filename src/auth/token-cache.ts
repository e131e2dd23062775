import type { AccessToken } from './token-exchange.js';

/**
 * Fetches a new token. Gets the cache's own signal, not a caller's: a shared refresh must not die
 * with one caller; it stops only when the cache is closed.
 */
export type TokenFetcher = (signal: AbortSignal) => Promise<AccessToken>;

/** Timing of refreshes. */
export interface TokenCacheOptions {
  /** Start a background refresh this long before expiry, while the token is still served. */
  readonly refreshAheadMs: number;
  /** Below this remaining validity the token is not served; callers wait for a new one. */
  readonly minValidityMs: number;
  /** Told when a background refresh fails (the current token keeps being served). */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
  readonly now?: () => number;
}

/**
 * Caches the access token, refreshes it early, and makes concurrent callers share one in-flight
 * refresh. A failed refresh is forgotten so the next caller tries again; a refresh that finishes
 * late never replaces a token that expires later than its own.
 */
export class TokenCache {
  readonly #fetch: TokenFetcher;
  readonly #options: TokenCacheOptions;
  readonly #now: () => number;
  #current: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;
  readonly #closed = new AbortController();

  constructor(fetch: TokenFetcher, options: TokenCacheOptions) {
    this.#fetch = fetch;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Returns a usable token: the cached one while fresh, else the result of the shared refresh.
   * @param signal - stops this caller's wait (the shared refresh carries on for others)
   * @returns the access token
   * @throws the refresh's error, or the signal's reason
   */
  async get(signal?: AbortSignal): Promise<string> {
    // An abandoned caller must not start network work.
    if (signal?.aborted) throw signal.reason;
    const now = this.#now();
    const current = this.#current;
    if (current !== undefined) {
      const left = current.expiresAt - now;
      if (left > this.#minValidity(current)) {
        if (left <= this.#refreshAhead(current) && this.#inflight === undefined) {
          this.#refresh().catch((err: unknown) => this.#options.onBackgroundError?.(err));
        }
        return current.value;
      }
    }
    const token = await waitFor(this.#inflight ?? this.#refresh(), signal);
    return token.value;
  }

  /**
   * Drops the cached token if it is still `token` (the one that just failed with a 401), so a
   * token refreshed meanwhile by another caller is kept.
   * @param token - the access token that was rejected
   */
  invalidate(token: string): void {
    if (this.#current?.value === token) this.#current = undefined;
  }

  /** Stops any refresh in flight and forgets the token. */
  close(): void {
    this.#closed.abort(new Error('client closed'));
    this.#current = undefined;
  }

  /** The cached token's expiry (epoch ms), for diagnostics and tests. */
  get expiresAt(): number | undefined {
    return this.#current?.expiresAt;
  }

  #refresh(): Promise<AccessToken> {
    const run = this.#fetch(this.#closed.signal).then(
      (token) => {
        if (this.#current === undefined || token.expiresAt >= this.#current.expiresAt) this.#current = token;
        if (this.#inflight === run) this.#inflight = undefined;
        return token;
      },
      (err: unknown) => {
        if (this.#inflight === run) this.#inflight = undefined;
        throw err;
      },
    );
    this.#inflight = run;
    // Waiters may all have given up (timeout, abort): the failure must not become an unhandled rejection.
    run.catch(() => undefined);
    return run;
  }

  // Margins scale down for short-lived tokens so a 60 s token is not "stale" on arrival.
  #refreshAhead(token: AccessToken): number {
    return Math.min(this.#options.refreshAheadMs, token.lifetimeSeconds * 250);
  }

  #minValidity(token: AccessToken): number {
    return Math.min(this.#options.minValidityMs, token.lifetimeSeconds * 100);
  }
}

function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
