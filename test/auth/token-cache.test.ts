import { describe, expect, it, vi } from 'vitest';
import { TokenCache, type TokenCacheOptions } from '../../src/auth/token-cache.js';
import type { AccessToken } from '../../src/auth/token-exchange.js';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Whether `promise` has settled after pending callbacks ran. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await flush();
  return settled;
}

const REFRESH_AHEAD_MS = 5 * 60_000;
const MIN_VALIDITY_MS = 30_000;

/** A cache over a fake fetcher whose calls the test answers one by one, and a fake clock. */
function setup(overrides: Partial<TokenCacheOptions> = {}) {
  const clock = { now: 1_000_000 };
  const calls: Deferred<AccessToken>[] = [];
  const fetcher = vi.fn(() => {
    const call = deferred<AccessToken>();
    calls.push(call);
    return call.promise;
  });
  const cache = new TokenCache(fetcher, {
    refreshAheadMs: REFRESH_AHEAD_MS,
    minValidityMs: MIN_VALIDITY_MS,
    now: () => clock.now,
    ...overrides,
  });
  const token = (value: string, lifetimeSeconds = 3600, from = clock.now): AccessToken => ({
    value,
    expiresAt: from + lifetimeSeconds * 1000,
    lifetimeSeconds,
  });
  const call = (i: number): Deferred<AccessToken> => {
    const c = calls[i];
    if (c === undefined) throw new Error(`fetcher call ${i} was not made (made ${calls.length})`);
    return c;
  };
  /** Fills the cache with `value` through a first get(). */
  const prime = async (value = 'T1', lifetimeSeconds = 3600): Promise<AccessToken> => {
    const t = token(value, lifetimeSeconds);
    const got = cache.get();
    call(calls.length - 1).resolve(t);
    await expect(got).resolves.toBe(value);
    return t;
  };
  return { cache, fetcher, clock, calls, call, token, prime };
}

describe('TokenCache', () => {
  it('returns the cached token while it is fresh, without fetching again', async () => {
    const { cache, fetcher, clock, prime } = setup();
    const t1 = await prime('T1');
    clock.now += 10 * 60_000;
    await expect(cache.get()).resolves.toBe('T1');
    clock.now = t1.expiresAt - REFRESH_AHEAD_MS - 1;
    await expect(cache.get()).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(cache.expiresAt).toBe(t1.expiresAt);
  });

  it('calls the fetcher exactly once for 200 concurrent get() on a cold cache', async () => {
    const { cache, fetcher, call, token } = setup();
    const all = Promise.all(Array.from({ length: 200 }, () => cache.get()));
    expect(fetcher).toHaveBeenCalledTimes(1);
    call(0).resolve(token('T1'));
    const values = await all;
    expect(values).toHaveLength(200);
    expect(new Set(values)).toEqual(new Set(['T1']));
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('starts a background refresh inside the refresh-ahead window and keeps serving the old token', async () => {
    const { cache, fetcher, clock, call, token, prime } = setup();
    const t1 = await prime('T1');

    clock.now = t1.expiresAt - REFRESH_AHEAD_MS - 1;
    await expect(cache.get()).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(1);

    clock.now = t1.expiresAt - REFRESH_AHEAD_MS;
    await expect(cache.get()).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(2);

    // While the refresh runs, callers get the old token and no second refresh starts.
    await expect(cache.get()).resolves.toBe('T1');
    await expect(cache.get()).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(2);

    const t2 = token('T2');
    call(1).resolve(t2);
    await flush();
    await expect(cache.get()).resolves.toBe('T2');
    expect(cache.expiresAt).toBe(t2.expiresAt);
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it('makes callers wait for a new token once the cached one is below the minimum validity', async () => {
    const { cache, fetcher, clock, call, token, prime } = setup();
    const t1 = await prime('T1');

    clock.now = t1.expiresAt - MIN_VALIDITY_MS - 1;
    await expect(cache.get()).resolves.toBe('T1'); // still served; a background refresh starts
    expect(fetcher).toHaveBeenCalledTimes(2);

    clock.now = t1.expiresAt - MIN_VALIDITY_MS;
    const waiting = cache.get();
    expect(await isSettled(waiting)).toBe(false);
    expect(fetcher).toHaveBeenCalledTimes(2); // it joins the refresh already running
    call(1).resolve(token('T2'));
    await expect(waiting).resolves.toBe('T2');
  });

  it('makes a caller wait for a fresh fetch when the token is at the minimum validity and nothing is running', async () => {
    const { cache, fetcher, clock, call, token, prime } = setup();
    const t1 = await prime('T1');
    clock.now = t1.expiresAt - MIN_VALIDITY_MS;
    const waiting = cache.get();
    expect(await isSettled(waiting)).toBe(false);
    expect(fetcher).toHaveBeenCalledTimes(2);
    call(1).resolve(token('T2'));
    await expect(waiting).resolves.toBe('T2');
  });

  it('makes callers wait when the cached token has expired', async () => {
    const { cache, fetcher, clock, call, token, prime } = setup();
    const t1 = await prime('T1');
    clock.now = t1.expiresAt + 1;
    const waiting = cache.get();
    expect(await isSettled(waiting)).toBe(false);
    call(1).resolve(token('T2'));
    await expect(waiting).resolves.toBe('T2');
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it("gives a failed refresh's error to every waiter and forgets it, so the next call fetches again", async () => {
    const { cache, fetcher, call, token } = setup();
    const boom = new Error('token endpoint down');
    const waiters = [cache.get(), cache.get(), cache.get()];
    const assertions = waiters.map((w) => expect(w).rejects.toBe(boom));
    call(0).reject(boom);
    await Promise.all(assertions);
    expect(fetcher).toHaveBeenCalledTimes(1);

    const next = cache.get();
    expect(fetcher).toHaveBeenCalledTimes(2);
    call(1).resolve(token('T1'));
    await expect(next).resolves.toBe('T1');
  });

  it('reports a failed background refresh to onBackgroundError and keeps serving the valid token', async () => {
    const onBackgroundError = vi.fn();
    const { cache, fetcher, clock, call, token, prime } = setup({ onBackgroundError });
    const t1 = await prime('T1');
    clock.now = t1.expiresAt - REFRESH_AHEAD_MS + 1_000;

    await expect(cache.get()).resolves.toBe('T1');
    const boom = new Error('refresh failed');
    call(1).reject(boom);
    await flush();
    expect(onBackgroundError).toHaveBeenCalledTimes(1);
    expect(onBackgroundError).toHaveBeenCalledWith(boom);

    // The valid token is still served, and the failed refresh is forgotten: a new one starts.
    await expect(cache.get()).resolves.toBe('T1');
    expect(cache.expiresAt).toBe(t1.expiresAt);
    expect(fetcher).toHaveBeenCalledTimes(3);
    call(2).resolve(token('T2'));
    await flush();
    await expect(cache.get()).resolves.toBe('T2');
  });

  it('survives a failed background refresh when no onBackgroundError is configured', async () => {
    const { cache, clock, call, prime } = setup();
    const t1 = await prime('T1');
    clock.now = t1.expiresAt - REFRESH_AHEAD_MS;
    await expect(cache.get()).resolves.toBe('T1');
    call(1).reject(new Error('ignored'));
    await flush();
    await expect(cache.get()).resolves.toBe('T1');
  });

  it('invalidate(token) drops the cached token only when it is the one given', async () => {
    const { cache, fetcher, call, token, prime } = setup();
    await prime('T1');

    cache.invalidate('some-older-token');
    await expect(cache.get()).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(1);

    cache.invalidate('T1');
    expect(cache.expiresAt).toBeUndefined();
    const next = cache.get();
    expect(fetcher).toHaveBeenCalledTimes(2);
    call(1).resolve(token('T2'));
    await expect(next).resolves.toBe('T2');

    // A late invalidate for the token that already got replaced keeps the new one.
    cache.invalidate('T1');
    await expect(cache.get()).resolves.toBe('T2');
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it('never lets a refresh that returns an older token overwrite a newer token with a later expiry', async () => {
    const { cache, clock, call, token, prime } = setup();
    const t1 = await prime('T1');
    clock.now = t1.expiresAt - REFRESH_AHEAD_MS;
    await expect(cache.get()).resolves.toBe('T1');

    // The slow refresh comes back with a token minted earlier, expiring before the cached one.
    const older = token('T0', 3600, t1.expiresAt - 3600_000 - 60_000);
    expect(older.expiresAt).toBeLessThan(t1.expiresAt);
    call(1).resolve(older);
    await flush();

    expect(cache.expiresAt).toBe(t1.expiresAt);
    await expect(cache.get()).resolves.toBe('T1');
  });

  it('replaces the cached token with a refreshed one expiring at the same time or later', async () => {
    const { cache, clock, call, token, prime } = setup();
    const t1 = await prime('T1');
    clock.now = t1.expiresAt - REFRESH_AHEAD_MS;
    await cache.get();
    const later = token('T2');
    call(1).resolve(later);
    await flush();
    expect(cache.expiresAt).toBe(later.expiresAt);
    await expect(cache.get()).resolves.toBe('T2');
  });

  it("rejects a caller whose signal aborts with the signal's reason, while the shared refresh completes for others", async () => {
    const { cache, fetcher, call, token } = setup();
    const controller = new AbortController();
    const impatient = cache.get(controller.signal);
    const patient = cache.get();
    const withOwnSignal = cache.get(new AbortController().signal);
    expect(fetcher).toHaveBeenCalledTimes(1);

    const reason = new Error('caller gave up');
    const rejected = expect(impatient).rejects.toBe(reason);
    controller.abort(reason);
    await rejected;
    expect(await isSettled(patient)).toBe(false);

    call(0).resolve(token('T1'));
    await expect(patient).resolves.toBe('T1');
    await expect(withOwnSignal).resolves.toBe('T1');
    await expect(cache.get()).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('rejects at once with the reason of a signal that is already aborted, starting no refresh', async () => {
    const { cache, fetcher, call, token } = setup();
    const controller = new AbortController();
    const reason = new DOMException('stop', 'AbortError');
    controller.abort(reason);
    await expect(cache.get(controller.signal)).rejects.toBe(reason);
    expect(fetcher).not.toHaveBeenCalled();

    const next = cache.get();
    expect(fetcher).toHaveBeenCalledTimes(1);
    call(0).resolve(token('T1'));
    await expect(next).resolves.toBe('T1');
  });

  it('lets a refresh fail quietly after its only waiter gave up (no unhandled rejection)', async () => {
    const { cache, fetcher, call, token } = setup();
    const controller = new AbortController();
    const reason = new Error('abort first');
    const first = cache.get(controller.signal);
    const firstRejects = expect(first).rejects.toBe(reason);
    controller.abort(reason);
    await firstRejects;
    call(0).reject(new Error('later failure'));
    await flush();
    // The failure was forgotten: the next caller starts a new refresh.
    const next = cache.get();
    expect(fetcher).toHaveBeenCalledTimes(2);
    call(1).resolve(token('T1'));
    await expect(next).resolves.toBe('T1');
  });

  it('scales the margins down for a short-lived (60 s) token so it is not stale on arrival', async () => {
    const { cache, fetcher, clock, call, token, prime } = setup();
    const t = await prime('short', 60);

    // With the configured margins (5 min ahead, 30 s minimum) a 60 s token would be refreshed
    // immediately; scaled down they are 15 s (a quarter) and 6 s (a tenth).
    clock.now += 1;
    await expect(cache.get()).resolves.toBe('short');
    clock.now = t.expiresAt - 15_001;
    await expect(cache.get()).resolves.toBe('short');
    expect(fetcher).toHaveBeenCalledTimes(1);

    clock.now = t.expiresAt - 15_000;
    await expect(cache.get()).resolves.toBe('short');
    expect(fetcher).toHaveBeenCalledTimes(2);

    clock.now = t.expiresAt - 6_001;
    await expect(cache.get()).resolves.toBe('short');

    clock.now = t.expiresAt - 6_000;
    const waiting = cache.get();
    expect(await isSettled(waiting)).toBe(false);
    expect(fetcher).toHaveBeenCalledTimes(2);
    call(1).resolve(token('next', 60));
    await expect(waiting).resolves.toBe('next');
  });

  it('uses the configured margins when they are smaller than the scaled ones', async () => {
    const { cache, fetcher, clock, prime } = setup({ refreshAheadMs: 1_000, minValidityMs: 500 });
    const t = await prime('T1', 3600);
    clock.now = t.expiresAt - 1_001;
    await expect(cache.get()).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(1);
    clock.now = t.expiresAt - 501;
    await expect(cache.get()).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it('uses Date.now when no clock is injected', async () => {
    const fetcher = vi.fn(
      async (): Promise<AccessToken> => ({
        value: 'real',
        expiresAt: Date.now() + 3_600_000,
        lifetimeSeconds: 3600,
      }),
    );
    const cache = new TokenCache(fetcher, {
      refreshAheadMs: REFRESH_AHEAD_MS,
      minValidityMs: MIN_VALIDITY_MS,
    });
    await expect(cache.get()).resolves.toBe('real');
    await expect(cache.get()).resolves.toBe('real');
    expect(fetcher).toHaveBeenCalledTimes(1);
  });
});
