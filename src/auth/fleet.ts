import { sleep } from '../internal/signal.js';
import { type RefreshMargins, tokenFreshness } from '../policy/token.js';
import type { TokenFetcher } from './token-provider.js';
import { isStoredToken, type StoredToken, type TokenStore, type TokenStoreLock } from './token-store.js';

/** A store problem worked around (`invalid`: not a stored token); `error` may hold a token. */
export interface TokenStoreFailure {
  readonly operation: StoreOperation;
  readonly reason: 'error' | 'timeout' | 'invalid';
  readonly error?: unknown;
}

// In ms: one store call, the minting lock's life (extended while minting), the wait for another's token.
export interface TokenStoreBinding {
  readonly store: TokenStore;
  readonly key: string | Promise<string>;
  readonly timeoutMs?: number | undefined;
  readonly lockTtlMs?: number | undefined;
  readonly lockWaitMs?: number | undefined;
  readonly onFailure?: ((failure: TokenStoreFailure) => void) | undefined;
}

/** Default time-to-live of the minting lock, in ms: a holder that died frees it within this. */
export const LOCK_TTL_MS = 3_000;
const STORE_TIMEOUT_MS = 500;
// A timer this late (ms) means a busy process: the store gets a grace, up to CAP × the timeout in all.
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

type StoreOperation = 'get' | 'set' | 'invalidate' | 'lock' | 'extend' | 'release';
type StoreCall<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };

// The cache's margins, clock, and `signal`, which stops the refresh when the client closes.
type CacheContext = RefreshMargins & { readonly now: () => number; readonly signal: AbortSignal };

// Read; if nothing usable, lock, read again, mint, write, release. While another holds the lock, poll
// and retry it, minting anyway after `lockWaitMs`. A store failure never fails a refresh.
export function createFleet(binding: TokenStoreBinding, fetch: TokenFetcher, cache: CacheContext) {
  const { store, key, onFailure, timeoutMs = STORE_TIMEOUT_MS, lockTtlMs = LOCK_TTL_MS } = binding;
  const { now, signal } = cache;
  const rejected: string[] = [];
  let pendingInvalidation: Promise<unknown> | undefined;
  let skipUntil = 0;

  const report = (failure: TokenStoreFailure) => {
    try {
      onFailure?.(failure);
    } catch {
      // A throwing logger must not turn a store problem into a failed call.
    }
  };

  // A failure is reported and pauses the store; release runs even then (a left lock stalls the fleet).
  const call = async <T>(operation: StoreOperation, run: () => Promise<T>): Promise<StoreCall<T>> => {
    if (operation !== 'release' && now() < skipUntil) return { ok: false };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = Promise.resolve().then(run);
    attempt.catch(() => undefined); // a call that lost the race may still fail later
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      // The final zero-delay timer lets a reply already in the socket in first (timers run before
      // I/O in a loop turn; setImmediate is not a web global).
      const start = performance.now();
      let due = start + timeoutMs;
      const check = () => {
        const at = performance.now();
        const late = at - due > STORE_LATE_MS && at < start + STORE_TIMEOUT_CAP * timeoutMs;
        due = at + STORE_GRACE_MS;
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
    skipUntil = now() + STORE_PAUSE_MS;
    report(failure);
    return { ok: false };
  };

  // `ok` false when the store failed; `token` only when usable and better than `current`.
  const read = async (current: StoredToken | undefined): Promise<{ ok: boolean; token?: StoredToken }> => {
    const got = await call('get', async () => store.get(await key));
    if (!got.ok) return { ok: false };
    const token: unknown = got.value;
    if (token != null && !isStoredToken(token)) report({ operation: 'get', reason: 'invalid' });
    if (!isStoredToken(token) || rejected.includes(token.accessToken)) return { ok: true };
    const freshness = tokenFreshness(token, now(), cache);
    // A due token serves a process that has nothing better, but a refresh of that very token mints.
    const better = current === undefined || token.expiresAt > current.expiresAt;
    return freshness === 'fresh' || (freshness === 'due' && better) ? { ok: true, token } : { ok: true };
  };

  const mint = async (): Promise<StoredToken> => {
    const token = await fetch(signal);
    const ttlMs = token.expiresAt - now();
    if (ttlMs >= 1) await call('set', async () => store.set(await key, token, Math.ceil(ttlMs)));
    return token;
  };

  const mintUnderLock = async (current: StoredToken | undefined, lock: TokenStoreLock) => {
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    try {
      // The previous holder may have written its token just before we got the lock.
      const again = await read(current);
      if (again.token !== undefined) return again.token;
      if (lock.extend !== undefined) {
        heartbeat = setInterval(() => void call('extend', () => lock.extend!(lockTtlMs)), lockTtlMs / 3);
        heartbeat.unref?.();
      }
      return await mint();
    } finally {
      clearInterval(heartbeat);
      await call('release', () => lock.release());
    }
  };

  return {
    async obtain(current: StoredToken | undefined): Promise<StoredToken> {
      await pendingInvalidation;
      const first = await read(current);
      if (first.token !== undefined) return first.token;
      if (!first.ok || store.lock === undefined) return mint();
      const waitUntil = Date.now() + (binding.lockWaitMs ?? LOCK_TTL_MS + 10_000);
      let pauseMs = FIRST_POLL_MS;
      for (;;) {
        const locked = await call('lock', async () => store.lock!(await key, lockTtlMs));
        if (!locked.ok) return mint();
        if (locked.value !== undefined) return mintUnderLock(current, locked.value);
        const leftMs = waitUntil - Date.now();
        if (leftMs <= 0) {
          report({ operation: 'lock', reason: 'timeout' });
          return mint();
        }
        await sleep(Math.min(pauseMs, leftMs), signal);
        pauseMs = Math.min(pauseMs * 2, MAX_POLL_MS);
        const polled = await read(current);
        if (polled.token !== undefined) return polled.token;
        if (!polled.ok) return mint();
      }
    },

    // The next refresh awaits the compare-and-delete before it reads the store.
    invalidate(token: string): void {
      if (rejected.includes(token)) return;
      rejected.push(token);
      if (rejected.length > REJECTED_MEMORY) rejected.shift();
      if (store.invalidate === undefined) return;
      pendingInvalidation = call('invalidate', async () => store.invalidate!(await key, token));
    },
  };
}

const STORE_FAILURE_MESSAGES = {
  error: 'token store call failed; using the in-memory token',
  timeout: 'token store call timed out; using the in-memory token',
  invalid: 'token store returned an unusable value; ignoring it',
  lock: 'another process kept the token lock too long; requesting a token here',
};

/** A store failure as a safe log line: the operation, the error's class name and code, never its message. */
export function describeStoreFailure({ operation, reason, error }: TokenStoreFailure) {
  const fields: Record<string, unknown> = { operation, reason };
  if (error instanceof Error) {
    fields['errorName'] = /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : 'Error';
    const code: unknown = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,39}$/.test(code)) fields['errorCode'] = code;
  }
  const lockTimedOut = operation === 'lock' && reason === 'timeout';
  return { message: `unico-idcloud: ${STORE_FAILURE_MESSAGES[lockTimedOut ? 'lock' : reason]}`, fields };
}
