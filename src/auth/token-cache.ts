import { raceSignal, sleep } from '../internal/signal.js';
import type { AccessToken } from './token-exchange.js';
import { isStoredToken, type TokenStore, type TokenStoreLock } from './token-store.js';

/**
 * Fetches a new token. Gets the cache's own signal, not a caller's: a shared refresh must not die
 * with one caller; it stops only when the cache is closed.
 */
export type TokenFetcher = (signal: AbortSignal) => Promise<AccessToken>;

/** A store call the cache made, named in {@link TokenStoreFailure}. */
export type TokenStoreOperation = 'get' | 'set' | 'invalidate' | 'lock' | 'extend' | 'release';

/**
 * A store problem the cache worked around (it carried on in memory). `error` is the raw error of the
 * store's client: it may hold command arguments (a token), so never log it as is.
 */
export interface TokenStoreFailure {
  readonly operation: TokenStoreOperation;
  /**
   * `error`: the call threw; `timeout`: no answer in time (for `lock`: another holder kept the lock
   * past the wait bound); `invalid`: `get` returned something that is not a stored token.
   */
  readonly reason: 'error' | 'timeout' | 'invalid';
  readonly error?: unknown;
}

/** A shared store and the key of this client's token in it. */
export interface TokenStoreBinding {
  readonly store: TokenStore;
  readonly key: string;
  /** Bound of one store call, in ms. @default 500 */
  readonly timeoutMs?: number | undefined;
  /** Time-to-live of the minting lock, in ms; the holder extends it while it works. @default 3000 */
  readonly lockTtlMs?: number | undefined;
  /** Longest wait for another process's token before minting here anyway, in ms. @default 13000 */
  readonly lockWaitMs?: number | undefined;
  /** After a store failure, the store is left alone this long (calls go straight to memory), in ms. @default 5000 */
  readonly retryAfterMs?: number | undefined;
}

/** Timing of refreshes. */
export interface TokenCacheOptions {
  /** Start a background refresh this long before expiry, while the token is still served. */
  readonly refreshAheadMs: number;
  /** Below this remaining validity the token is not served; callers wait for a new one. */
  readonly minValidityMs: number;
  /** Told when a background refresh fails (the current token keeps being served). */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
  readonly now?: () => number;
  /** Share the token through this store; without it the token lives in this cache only. */
  readonly store?: TokenStoreBinding | undefined;
  /** Told about every store call that failed or timed out (the cache carried on in memory). */
  readonly onStoreError?: ((failure: TokenStoreFailure) => void) | undefined;
}

const STORE_TIMEOUT_MS = 500;
// A store timer firing this late (ms) means this process was busy: the store gets STORE_GRACE_MS
// more, never beyond STORE_TIMEOUT_CAP × the timeout in all.
const STORE_LATE_MS = 50;
const STORE_GRACE_MS = 100;
const STORE_TIMEOUT_CAP = 5;
/** Default time-to-live of the minting lock, in ms (a holder that died frees it within this). */
export const LOCK_TTL_MS = 3_000;
const LOCK_WAIT_MS = LOCK_TTL_MS + 10_000;
const STORE_RETRY_AFTER_MS = 5_000;
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 200;
// Refused tokens remembered so a store still holding one is not believed; a few cover any burst.
const REJECTED_MEMORY = 8;
const TIMED_OUT = Symbol('timed out');

type StoreCall<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };
/**
 * A store read: `ok` false when the store failed; `token` set only when it is usable: valid beyond
 * the minimum validity, not refused here, and either fresh or newer than the cached one.
 */
type StoreRead = { readonly ok: boolean; readonly token?: AccessToken };

/**
 * Caches the access token, refreshes it early, and makes concurrent callers share one in-flight
 * refresh. A failed refresh is forgotten so the next caller tries again; a refresh that finishes
 * late never replaces a token that expires later than its own.
 *
 * With a store, a refresh first reads the store; if nothing usable is there it takes the store's
 * lock, reads again, mints, writes and releases; if another process holds the lock it polls the
 * store (25 ms doubling to 200 ms steps), retrying the lock so a holder that died is replaced once
 * its lock expires, and mints here anyway after `lockWaitMs`. Every store call is bounded and
 * guarded: a failure is reported and the refresh carries on in memory.
 */
export class TokenCache {
  readonly #fetch: TokenFetcher;
  readonly #options: TokenCacheOptions;
  readonly #now: () => number;
  #current: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;
  #closed = new AbortController();
  readonly #store: TokenStoreBinding | undefined;
  /** Tokens refused with a 401 here: never taken from the store again. */
  readonly #rejected: string[] = [];
  #pendingInvalidation: Promise<void> | undefined;
  /** The store is skipped until then (epoch ms) after a failure. */
  #storeSkipUntil = 0;

  constructor(fetch: TokenFetcher, options: TokenCacheOptions) {
    this.#fetch = fetch;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#store = options.store;
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
    const token = await raceSignal(this.#inflight ?? this.#refresh(), signal);
    return token.value;
  }

  /**
   * Drops the cached token if it is still `token` (the one that just failed with a 401), so a
   * token refreshed meanwhile by another caller is kept. With a store, also deletes it there if it
   * is still the stored one (compare-and-delete), and never takes it from the store again.
   * @param token - the access token that was rejected
   */
  invalidate(token: string): void {
    if (this.#current?.value === token) this.#current = undefined;
    const binding = this.#store;
    if (binding === undefined || this.#rejected.includes(token)) return;
    this.#rejected.push(token);
    if (this.#rejected.length > REJECTED_MEMORY) this.#rejected.shift();
    const { store, key } = binding;
    if (store.invalidate === undefined) return;
    // Compare-and-delete in the store, so other processes stop picking it up; the next refresh
    // waits for it (bounded) before reading the store.
    const run: Promise<void> = this.#call('invalidate', () => store.invalidate!(key, token)).then(() => {
      if (this.#pendingInvalidation === run) this.#pendingInvalidation = undefined;
    });
    this.#pendingInvalidation = run;
  }

  /**
   * Stops any refresh in flight and forgets the token. The cache stays usable: the next `get()`
   * starts afresh (a closed client reopens what it needs on its next call).
   */
  close(): void {
    this.#closed.abort(new Error('client closed'));
    this.#closed = new AbortController();
    this.#current = undefined;
    this.#inflight = undefined;
  }

  /** The cached token's expiry (epoch ms), for diagnostics and tests. */
  get expiresAt(): number | undefined {
    return this.#current?.expiresAt;
  }

  #refresh(): Promise<AccessToken> {
    const signal = this.#closed.signal;
    const run = (this.#store === undefined ? this.#fetch(signal) : this.#obtain(this.#store, signal)).then(
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

  /** The refresh through the store: read, else lock, read again, mint, write, release. */
  async #obtain(binding: TokenStoreBinding, signal: AbortSignal): Promise<AccessToken> {
    const { store, key } = binding;
    if (this.#pendingInvalidation !== undefined) await this.#pendingInvalidation;
    const first = await this.#read(binding);
    if (first.token !== undefined) return first.token;
    if (!first.ok || store.lock === undefined) return this.#mint(binding, signal);

    const lockTtlMs = binding.lockTtlMs ?? LOCK_TTL_MS;
    const waitUntil = Date.now() + (binding.lockWaitMs ?? LOCK_WAIT_MS);
    let pauseMs = FIRST_POLL_MS;
    for (;;) {
      const locked = await this.#call('lock', () => store.lock!(key, lockTtlMs));
      if (!locked.ok) return this.#mint(binding, signal);
      if (locked.value !== undefined) return this.#mintUnderLock(binding, locked.value, signal);
      // Another process is minting: wait for its token, and take over its lock if it dies.
      const leftMs = waitUntil - Date.now();
      if (leftMs <= 0) {
        this.#report({ operation: 'lock', reason: 'timeout' });
        return this.#mint(binding, signal);
      }
      await sleep(Math.min(pauseMs, leftMs), signal);
      pauseMs = Math.min(pauseMs * 2, MAX_POLL_MS);
      const polled = await this.#read(binding);
      if (polled.token !== undefined) return polled.token;
      if (!polled.ok) return this.#mint(binding, signal);
    }
  }

  async #mintUnderLock(
    binding: TokenStoreBinding,
    lock: TokenStoreLock,
    signal: AbortSignal,
  ): Promise<AccessToken> {
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    try {
      // The previous holder may have written its token just before we got the lock.
      const again = await this.#read(binding);
      if (again.token !== undefined) return again.token;
      const lockTtlMs = binding.lockTtlMs ?? LOCK_TTL_MS;
      if (lock.extend !== undefined) {
        const extend = lock.extend.bind(lock);
        // A slow token request keeps the lock; a holder that dies (or freezes) loses it in one TTL.
        heartbeat = setInterval(() => void this.#call('extend', () => extend(lockTtlMs)), lockTtlMs / 3);
        heartbeat.unref?.();
      }
      return await this.#mint(binding, signal);
    } finally {
      clearInterval(heartbeat);
      // Always attempted, even while the store is being skipped: a lock left behind stalls the fleet.
      await this.#call('release', () => lock.release(), true);
    }
  }

  async #mint(binding: TokenStoreBinding, signal: AbortSignal): Promise<AccessToken> {
    const token = await this.#fetch(signal);
    const ttlMs = token.expiresAt - this.#now();
    if (ttlMs >= 1) {
      const stored = {
        accessToken: token.value,
        expiresAt: token.expiresAt,
        lifetimeSeconds: token.lifetimeSeconds,
      };
      await this.#call('set', () => binding.store.set(binding.key, stored, Math.ceil(ttlMs)));
    }
    return token;
  }

  async #read(binding: TokenStoreBinding): Promise<StoreRead> {
    const got = await this.#call('get', () => binding.store.get(binding.key));
    if (!got.ok) return { ok: false };
    const value: unknown = got.value;
    if (value === undefined || value === null) return { ok: true };
    if (!isStoredToken(value)) {
      this.#report({ operation: 'get', reason: 'invalid' });
      return { ok: true };
    }
    if (this.#rejected.includes(value.accessToken)) return { ok: true };
    const token: AccessToken = {
      value: value.accessToken,
      expiresAt: value.expiresAt,
      lifetimeSeconds: value.lifetimeSeconds,
    };
    const leftMs = token.expiresAt - this.#now();
    if (leftMs <= this.#minValidity(token)) return { ok: true };
    // A token due for refresh still serves a caller that has nothing better (a cold process; the
    // next call refreshes it in the background), but is not what a refresh of that very token
    // is after: then a fresher one is minted for everybody.
    const fresh = leftMs > this.#refreshAhead(token);
    const better = token.expiresAt > (this.#current?.expiresAt ?? Number.NEGATIVE_INFINITY);
    if (!fresh && !better) return { ok: true };
    return { ok: true, token };
  }

  /**
   * Runs one store call, bounded by the store timeout. An error or a timeout is reported and makes
   * the cache leave the store alone for a while (`force` calls are made anyway).
   */
  async #call<T>(
    operation: TokenStoreOperation,
    run: () => Promise<T>,
    force = false,
  ): Promise<StoreCall<T>> {
    const binding = this.#store;
    if (binding === undefined || (!force && this.#now() < this.#storeSkipUntil)) return { ok: false };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (async () => run())();
    // A call that loses the race may still fail later: that must not be an unhandled rejection.
    attempt.catch(() => undefined);
    const timeoutMs = binding.timeoutMs ?? STORE_TIMEOUT_MS;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      // A timeout must measure the store, not this process. A timer that fires late means the event
      // loop was busy (a burst of calls on a cold process, a starved CPU): the store's reply may not
      // even have been sent or read yet, so it gets a short grace of loop time of its own, up to a
      // hard cap. And timers run before I/O in a loop turn: setImmediate lets a reply already
      // waiting in the socket in first.
      const hardStop = performance.now() + STORE_TIMEOUT_CAP * timeoutMs;
      let due = performance.now() + timeoutMs;
      const check = () => {
        const now = performance.now();
        if (now - due > STORE_LATE_MS && now < hardStop) {
          due = now + STORE_GRACE_MS;
          timer = setTimeout(check, STORE_GRACE_MS);
          timer.unref?.();
          return;
        }
        setImmediate(() => resolve(TIMED_OUT));
      };
      timer = setTimeout(check, timeoutMs);
      timer.unref?.();
    });
    try {
      const value = await Promise.race([attempt, timeout]);
      if (value === TIMED_OUT) {
        this.#storeFailed({ operation, reason: 'timeout' });
        return { ok: false };
      }
      return { ok: true, value };
    } catch (error) {
      this.#storeFailed({ operation, reason: 'error', error });
      return { ok: false };
    } finally {
      clearTimeout(timer);
    }
  }

  #storeFailed(failure: TokenStoreFailure): void {
    this.#storeSkipUntil = this.#now() + (this.#store?.retryAfterMs ?? STORE_RETRY_AFTER_MS);
    this.#report(failure);
  }

  #report(failure: TokenStoreFailure): void {
    try {
      this.#options.onStoreError?.(failure);
    } catch {
      // A throwing logger must not turn a store problem into a failed call.
    }
  }

  // Margins scale down for short-lived tokens so a 60 s token is not "stale" on arrival.
  #refreshAhead(token: AccessToken): number {
    return Math.min(this.#options.refreshAheadMs, token.lifetimeSeconds * 250);
  }

  #minValidity(token: AccessToken): number {
    return Math.min(this.#options.minValidityMs, token.lifetimeSeconds * 100);
  }
}

const STORE_FAILURE_MESSAGES: Record<TokenStoreFailure['reason'], string> = {
  error: 'unico-idcloud: token store call failed; using the in-memory token',
  timeout: 'unico-idcloud: token store call timed out; using the in-memory token',
  invalid: 'unico-idcloud: token store returned an unusable value; ignoring it',
};
// Node error codes (`ECONNREFUSED`) are safe to log; of a message, only a known Redis error prefix is.
const SAFE_CODE = /^[A-Z][A-Z0-9_]{1,39}$/;
const REDIS_ERROR_PREFIXES = new Set([
  'ERR',
  'WRONGTYPE',
  'NOAUTH',
  'WRONGPASS',
  'NOPERM',
  'NOSCRIPT',
  'READONLY',
  'LOADING',
  'BUSY',
  'MASTERDOWN',
  'MISCONF',
  'OOM',
  'CROSSSLOT',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'MOVED',
  'ASK',
]);

/**
 * Turns a store failure into a log line that names the operation and the kind of error, never the
 * error's message or fields: a client's error can carry the command's arguments, and those hold the
 * token (ioredis puts them on `err.command`; "unknown command" replies echo them).
 * @param failure - what the cache reported
 * @returns the message and fields for `logger.warn`
 * @example
 * ```ts
 * const { message, fields } = describeStoreFailure({ operation: 'get', reason: 'timeout' });
 * logger.warn(fields, message);
 * ```
 */
export function describeStoreFailure(failure: TokenStoreFailure): {
  message: string;
  fields: Record<string, unknown>;
} {
  if (failure.operation === 'lock' && failure.reason === 'timeout') {
    return {
      message: 'unico-idcloud: another process kept the token lock too long; requesting a token here',
      fields: { operation: 'lock', reason: 'timeout' },
    };
  }
  const fields: Record<string, unknown> = { operation: failure.operation, reason: failure.reason };
  const { error } = failure;
  if (error instanceof Error) {
    fields['errorName'] = /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : 'Error';
    const code: unknown = (error as { code?: unknown }).code;
    const prefix = /^[A-Z]+/.exec(error.message)?.[0];
    if (typeof code === 'string' && SAFE_CODE.test(code)) fields['errorCode'] = code;
    else if (prefix !== undefined && REDIS_ERROR_PREFIXES.has(prefix)) fields['errorCode'] = prefix;
  }
  return { message: STORE_FAILURE_MESSAGES[failure.reason], fields };
}
