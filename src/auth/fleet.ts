import { sleep } from '../internal/signal.js';
import { type RefreshMargins, tokenFreshness } from '../policy/token.js';
import type { AccessToken } from './token-exchange.js';
import type { TokenFetcher } from './token-provider.js';
import { isStoredToken, type TokenStore, type TokenStoreLock } from './token-store.js';

/** A store problem worked around (`invalid`: not a stored token); `error` may hold a token. */
export interface TokenStoreFailure {
  readonly operation: 'get' | 'set' | 'invalidate' | 'lock' | 'extend' | 'release';
  readonly reason: 'error' | 'timeout' | 'invalid';
  readonly error?: unknown;
}

/**
 * A shared store, the key of this client's token in it, and bounds in ms: of one store call
 * (`timeoutMs`, 500), of the minting lock's life (`lockTtlMs`, 3000, extended while minting) and of
 * the wait for another process's token before minting here anyway (`lockWaitMs`, 13000).
 */
export interface TokenStoreBinding {
  readonly store: TokenStore;
  readonly key: string | Promise<string>;
  readonly timeoutMs?: number | undefined;
  readonly lockTtlMs?: number | undefined;
  readonly lockWaitMs?: number | undefined;
}

/** Default time-to-live of the minting lock, in ms: a holder that died frees it within this. */
export const LOCK_TTL_MS = 3_000;
const STORE_TIMEOUT_MS = 500;
// A store timer firing this late (ms) means this process was busy: the store gets STORE_GRACE_MS
// more, never beyond STORE_TIMEOUT_CAP × the timeout in all.
const STORE_LATE_MS = 50;
const STORE_GRACE_MS = 100;
const STORE_TIMEOUT_CAP = 5;
// After a store failure the store is left alone this long (refreshes go straight to memory).
const STORE_PAUSE_MS = 5_000;
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 200;
// Refused tokens remembered so a store still holding one is not believed; a few cover any burst.
const REJECTED_MEMORY = 8;
const TIMED_OUT = Symbol('timed out');

type StoreCall<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };
// `ok` false when the store failed; `token` only when usable and better than the current one.
type StoreRead = { readonly ok: boolean; readonly token?: AccessToken };

/**
 * The shared-store protocol: read; if nothing usable, take the lock, read again, mint, write,
 * release. While another process holds the lock, poll the store and retry the lock (a dead holder's
 * expires), minting here anyway after `lockWaitMs`. A store failure never fails a refresh.
 */
export class Fleet {
  readonly #binding: TokenStoreBinding;
  readonly #fetch: TokenFetcher;
  readonly #signal: AbortSignal;
  readonly #now: () => number;
  readonly #margins: RefreshMargins;
  readonly #report: (failure: TokenStoreFailure) => void;
  readonly #rejected: string[] = [];
  #pendingInvalidation: Promise<unknown> | undefined;
  #skipUntil = 0;

  // `signal` is the cache's: it stops the refresh when the client closes.
  constructor(
    binding: TokenStoreBinding,
    fetch: TokenFetcher,
    signal: AbortSignal,
    now: () => number,
    margins: RefreshMargins,
    report: ((failure: TokenStoreFailure) => void) | undefined,
  ) {
    this.#binding = binding;
    this.#fetch = fetch;
    this.#signal = signal;
    this.#now = now;
    this.#margins = margins;
    this.#report = (failure) => {
      try {
        report?.(failure);
      } catch {
        // A throwing logger must not turn a store problem into a failed call.
      }
    };
  }

  async obtain(current: AccessToken | undefined): Promise<AccessToken> {
    const { store, key } = this.#binding;
    await this.#pendingInvalidation;
    const first = await this.#read(current);
    if (first.token !== undefined) return first.token;
    if (!first.ok || store.lock === undefined) return this.#mint();

    const lockTtlMs = this.#binding.lockTtlMs ?? LOCK_TTL_MS;
    const waitUntil = Date.now() + (this.#binding.lockWaitMs ?? LOCK_TTL_MS + 10_000);
    let pauseMs = FIRST_POLL_MS;
    for (;;) {
      const locked = await this.#call('lock', async () => store.lock!(await key, lockTtlMs));
      if (!locked.ok) return this.#mint();
      if (locked.value !== undefined) return this.#mintUnderLock(current, locked.value);
      const leftMs = waitUntil - Date.now();
      if (leftMs <= 0) {
        this.#report({ operation: 'lock', reason: 'timeout' });
        return this.#mint();
      }
      await sleep(Math.min(pauseMs, leftMs), this.#signal);
      pauseMs = Math.min(pauseMs * 2, MAX_POLL_MS);
      const polled = await this.#read(current);
      if (polled.token !== undefined) return polled.token;
      if (!polled.ok) return this.#mint();
    }
  }

  // The next refresh awaits the compare-and-delete before it reads the store.
  invalidate(token: string): void {
    if (this.#rejected.includes(token)) return;
    this.#rejected.push(token);
    if (this.#rejected.length > REJECTED_MEMORY) this.#rejected.shift();
    const { store, key } = this.#binding;
    if (store.invalidate === undefined) return;
    this.#pendingInvalidation = this.#call('invalidate', async () => store.invalidate!(await key, token));
  }

  async #mintUnderLock(current: AccessToken | undefined, lock: TokenStoreLock): Promise<AccessToken> {
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    try {
      // The previous holder may have written its token just before we got the lock.
      const again = await this.#read(current);
      if (again.token !== undefined) return again.token;
      const lockTtlMs = this.#binding.lockTtlMs ?? LOCK_TTL_MS;
      if (lock.extend !== undefined) {
        heartbeat = setInterval(
          () => void this.#call('extend', () => lock.extend!(lockTtlMs)),
          lockTtlMs / 3,
        );
        heartbeat.unref?.();
      }
      return await this.#mint();
    } finally {
      clearInterval(heartbeat);
      // Even while the store is paused: a lock left behind stalls the fleet.
      await this.#call('release', () => lock.release(), true);
    }
  }

  async #mint(): Promise<AccessToken> {
    const token = await this.#fetch(this.#signal);
    const ttlMs = token.expiresAt - this.#now();
    if (ttlMs >= 1) {
      const { value: accessToken, expiresAt, lifetimeSeconds } = token;
      const { store, key } = this.#binding;
      await this.#call('set', async () =>
        store.set(await key, { accessToken, expiresAt, lifetimeSeconds }, Math.ceil(ttlMs)),
      );
    }
    return token;
  }

  async #read(current: AccessToken | undefined): Promise<StoreRead> {
    const { store, key } = this.#binding;
    const got = await this.#call('get', async () => store.get(await key));
    if (!got.ok) return { ok: false };
    const value: unknown = got.value;
    if (value === undefined || value === null) return { ok: true };
    if (!isStoredToken(value)) {
      this.#report({ operation: 'get', reason: 'invalid' });
      return { ok: true };
    }
    if (this.#rejected.includes(value.accessToken)) return { ok: true };
    const { accessToken, expiresAt, lifetimeSeconds } = value;
    const token: AccessToken = { value: accessToken, expiresAt, lifetimeSeconds };
    const freshness = tokenFreshness(token, this.#now(), this.#margins);
    // A due token serves a process that has nothing better, but a refresh of that very token mints.
    const better = expiresAt > (current?.expiresAt ?? Number.NEGATIVE_INFINITY);
    if (freshness === 'stale' || (freshness === 'due' && !better)) return { ok: true };
    return { ok: true, token };
  }

  // A failure is reported and pauses the store (`force` calls run anyway).
  async #call<T>(
    operation: TokenStoreFailure['operation'],
    run: () => Promise<T>,
    force = false,
  ): Promise<StoreCall<T>> {
    if (!force && this.#now() < this.#skipUntil) return { ok: false };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (async () => run())();
    attempt.catch(() => undefined); // a call that lost the race may still fail later
    const timeoutMs = this.#binding.timeoutMs ?? STORE_TIMEOUT_MS;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      // A timer firing late means a busy event loop, not a slow store: grant a short grace, up to a
      // cap. The final zero-delay timer lets a reply already in the socket in first (timers run
      // before I/O in a loop turn; setImmediate is not a web global).
      const start = performance.now();
      let due = start + timeoutMs;
      const check = () => {
        const now = performance.now();
        const late = now - due > STORE_LATE_MS && now < start + STORE_TIMEOUT_CAP * timeoutMs;
        due = now + STORE_GRACE_MS;
        timer = late ? setTimeout(check, STORE_GRACE_MS) : setTimeout(() => resolve(TIMED_OUT), 0);
      };
      timer = setTimeout(check, timeoutMs);
    });
    let failure: TokenStoreFailure;
    try {
      const value = await Promise.race([attempt, timeout]);
      if (value !== TIMED_OUT) return { ok: true, value };
      failure = { operation, reason: 'timeout' };
    } catch (error) {
      failure = { operation, reason: 'error', error };
    } finally {
      clearTimeout(timer);
    }
    this.#skipUntil = this.#now() + STORE_PAUSE_MS;
    this.#report(failure);
    return { ok: false };
  }
}

const STORE_FAILURE_MESSAGES = {
  error: 'call failed; using the in-memory token',
  timeout: 'call timed out; using the in-memory token',
  invalid: 'returned an unusable value; ignoring it',
};

/** A store failure as a safe log line: the operation, the error's class name and code, never its message. */
export function describeStoreFailure(failure: TokenStoreFailure): {
  message: string;
  fields: Record<string, unknown>;
} {
  const fields: Record<string, unknown> = { operation: failure.operation, reason: failure.reason };
  if (failure.operation === 'lock' && failure.reason === 'timeout') {
    return {
      message: 'unico-idcloud: another process kept the token lock too long; requesting a token here',
      fields,
    };
  }
  const { error } = failure;
  if (error instanceof Error) {
    fields['errorName'] = /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : 'Error';
    const code: unknown = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,39}$/.test(code)) fields['errorCode'] = code;
  }
  return { message: `unico-idcloud: token store ${STORE_FAILURE_MESSAGES[failure.reason]}`, fields };
}
