import { describe, expect, it, vi } from 'vitest';
import {
  describeStoreFailure,
  type TokenStoreBinding,
  type TokenStoreFailure,
} from '../../src/auth/fleet.js';
import {
  MemoryTokenStore,
  type StoredToken,
  type TokenStore,
  type TokenStoreLock,
} from '../../src/auth/token-store.js';
import { createTokenCache, type TokenCacheOptions } from '../../src/auth/tokens.js';
import { ClientClosedError } from '../../src/errors.js';

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
  const calls: Deferred<StoredToken>[] = [];
  const fetcher = vi.fn(() => {
    const call = deferred<StoredToken>();
    calls.push(call);
    return call.promise;
  });
  const cache = createTokenCache(fetcher, {
    refreshAheadMs: REFRESH_AHEAD_MS,
    minValidityMs: MIN_VALIDITY_MS,
    now: () => clock.now,
    ...overrides,
  });
  const token = (value: string, lifetimeSeconds = 3600, from = clock.now): StoredToken => ({
    accessToken: value,
    expiresAt: from + lifetimeSeconds * 1000,
    lifetimeSeconds,
  });
  const call = (i: number): Deferred<StoredToken> => {
    const c = calls[i];
    if (c === undefined) throw new Error(`fetcher call ${i} was not made (made ${calls.length})`);
    return c;
  };
  /** Fills the cache with `value` through a first get(). */
  const prime = async (value = 'T1', lifetimeSeconds = 3600): Promise<StoredToken> => {
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
      async (): Promise<StoredToken> => ({
        accessToken: 'real',
        expiresAt: Date.now() + 3_600_000,
        lifetimeSeconds: 3600,
      }),
    );
    const cache = createTokenCache(fetcher, {
      refreshAheadMs: REFRESH_AHEAD_MS,
      minValidityMs: MIN_VALIDITY_MS,
    });
    await expect(cache.get()).resolves.toBe('real');
    await expect(cache.get()).resolves.toBe('real');
    expect(fetcher).toHaveBeenCalledTimes(1);
  });
});

/** Waits (real time) until `condition` holds; the store path has real pauses between polls. */
async function until(condition: () => boolean, what: string, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Caches over one shared store (each cache stands for one process of a fleet), one fake fetcher
 * counting token requests across all of them, and one fake clock for the caches and the store.
 */
function storeSetup(binding: Partial<TokenStoreBinding> = {}, store?: TokenStore) {
  const clock = { now: 1_000_000 };
  const memory = new MemoryTokenStore({ now: () => clock.now });
  const shared = store ?? memory;
  const failures: TokenStoreFailure[] = [];
  const calls: Deferred<StoredToken>[] = [];
  const fetcher = vi.fn(() => {
    const call = deferred<StoredToken>();
    calls.push(call);
    return call.promise;
  });
  const cache = (overrides: Partial<TokenCacheOptions> = {}) =>
    createTokenCache(fetcher, {
      refreshAheadMs: REFRESH_AHEAD_MS,
      minValidityMs: MIN_VALIDITY_MS,
      now: () => clock.now,
      ...overrides,
      // Each process reports its store failures to `failures`, whichever store it is given.
      store: { store: shared, key: 'K', onFailure: (f) => failures.push(f), ...binding, ...overrides.store },
    });
  const token = (value: string, lifetimeSeconds = 3600, from = clock.now): StoredToken => ({
    accessToken: value,
    expiresAt: from + lifetimeSeconds * 1000,
    lifetimeSeconds,
  });
  /** Answers the n-th token request (0-based) once it has been made. */
  const answer = async (i: number, t: StoredToken) => {
    await until(() => calls.length > i, `token request ${i}`);
    calls[i]?.resolve(t);
  };
  return { clock, memory, failures, calls, fetcher, cache, token, answer };
}

/** A store whose every method fails the given way, counting calls. */
function brokenStore(fail: () => Promise<never>) {
  const counts = { get: 0, set: 0, invalidate: 0, lock: 0 };
  const store: TokenStore = {
    get: () => {
      counts.get++;
      return fail();
    },
    set: () => {
      counts.set++;
      return fail();
    },
    invalidate: () => {
      counts.invalidate++;
      return fail();
    },
    lock: () => {
      counts.lock++;
      return fail();
    },
  };
  return { store, counts };
}

describe('TokenCache with a token store', () => {
  it('uses a fresh token found in the store without requesting one', async () => {
    const { memory, cache, token, fetcher, failures } = storeSetup();
    const shared = token('SHARED');
    await memory.set('K', shared, 3_600_000);
    const c = cache();
    await expect(c.get()).resolves.toBe('SHARED');
    await expect(c.get()).resolves.toBe('SHARED');
    expect(c.expiresAt).toBe(shared.expiresAt);
    expect(fetcher).not.toHaveBeenCalled();
    expect(failures).toEqual([]);
  });

  it('on a cold store, mints under the lock, stores only the token and its expiry, and releases the lock', async () => {
    const { memory, cache, token, answer, fetcher } = storeSetup();
    const c = cache();
    const got = c.get();
    const t1 = token('T1');
    await answer(0, t1);
    await expect(got).resolves.toBe('T1');
    expect(fetcher).toHaveBeenCalledTimes(1);
    const kept = await memory.get('K');
    expect(kept).toEqual({ accessToken: 'T1', expiresAt: t1.expiresAt, lifetimeSeconds: 3600 });
    expect(Object.keys(kept ?? {}).sort()).toEqual(['accessToken', 'expiresAt', 'lifetimeSeconds']);
    expect(await memory.lock('K', 1_000)).toBeDefined();
  });

  it('makes one token request for many concurrent callers spread over several caches sharing the store', async () => {
    const { cache, token, answer, fetcher, failures } = storeSetup();
    const fleet = [cache(), cache(), cache(), cache()];
    const all = Promise.all(fleet.flatMap((c) => Array.from({ length: 50 }, () => c.get())));
    await answer(0, token('T1'));
    const values = await all;
    expect(values).toHaveLength(200);
    expect(new Set(values)).toEqual(new Set(['T1']));
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect(failures).toEqual([]);
  });

  it('waits for the process holding the lock and uses the token it writes', async () => {
    const { memory, cache, token, fetcher } = storeSetup();
    const held = await memory.lock('K', 3_000);
    const waiting = cache().get();
    await sleepMs(60);
    expect(await isSettled(waiting)).toBe(false);
    expect(fetcher).not.toHaveBeenCalled();
    await memory.set('K', token('OTHER'), 3_600_000);
    await held?.release();
    await expect(waiting).resolves.toBe('OTHER');
    expect(fetcher).not.toHaveBeenCalled();
  });

  it('takes over the lock of a holder that died once it expires, and mints once', async () => {
    const { memory, clock, cache, token, answer, fetcher } = storeSetup();
    await memory.lock('K', 3_000); // never released, never extended: its holder died
    const a = cache();
    const b = cache();
    const waiting = [a.get(), b.get()];
    await sleepMs(60);
    expect(fetcher).not.toHaveBeenCalled();
    clock.now += 3_000;
    await answer(0, token('T1'));
    await expect(Promise.all(waiting)).resolves.toEqual(['T1', 'T1']);
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('mints on its own after lockWaitMs when another holder keeps the lock, and says so', async () => {
    const { memory, cache, token, answer, failures } = storeSetup({ lockWaitMs: 80 });
    await memory.lock('K', 60_000);
    const waiting = cache().get();
    await answer(0, token('LOCAL'));
    await expect(waiting).resolves.toBe('LOCAL');
    expect(failures).toEqual([{ operation: 'lock', reason: 'timeout' }]);
    // It still shares what it minted.
    expect((await memory.get('K'))?.accessToken).toBe('LOCAL');
  });

  it('extends the lock while a slow token request runs and releases it afterwards', async () => {
    const { memory, cache, token, answer } = storeSetup({ lockTtlMs: 60 });
    const extend = vi.fn<(ms: number) => Promise<boolean>>();
    const release = vi.fn<() => Promise<void>>();
    const spying: TokenStore = {
      get: (key) => memory.get(key),
      set: (key, value, ttlMs) => memory.set(key, value, ttlMs),
      lock: async (key, ttlMs) => {
        const lock = (await memory.lock(key, ttlMs)) as TokenStoreLock;
        extend.mockImplementation((ms) => lock.extend?.(ms) ?? Promise.resolve(false));
        release.mockImplementation(() => lock.release());
        return { extend, release };
      },
    };
    const got = cache({ store: { store: spying, key: 'K', lockTtlMs: 60 } }).get();
    await until(() => extend.mock.calls.length >= 2, 'two lock extensions');
    expect(extend).toHaveBeenCalledWith(60);
    expect(release).not.toHaveBeenCalled();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect(release).toHaveBeenCalledTimes(1);
    const extensions = extend.mock.calls.length;
    await sleepMs(50);
    expect(extend.mock.calls.length).toBe(extensions);
  });

  it('releases the lock even when writing the token fails', async () => {
    const { memory, cache, token, answer, failures } = storeSetup();
    const release = vi.fn(async () => undefined);
    const store: TokenStore = {
      get: async () => undefined,
      set: async () => {
        throw new Error('READONLY You can not write against a read only replica.');
      },
      lock: async () => ({ release }),
    };
    const got = cache({ store: { store, key: 'K' } }).get();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect(release).toHaveBeenCalledTimes(1);
    expect(failures.map((f) => [f.operation, f.reason])).toEqual([['set', 'error']]);
    expect(await memory.get('K')).toBeUndefined();
  });

  it('adopts a valid token that is due for refresh when it has nothing better, then refreshes it in the background', async () => {
    const { memory, clock, cache, token, answer, fetcher } = storeSetup();
    // Minted by another process an hour minus two minutes ago: inside the 5-minute refresh window.
    const old = token('OLD', 3600, clock.now - 3_480_000);
    await memory.set('K', old, 120_000);
    const c = cache();
    await expect(c.get()).resolves.toBe('OLD');
    expect(fetcher).not.toHaveBeenCalled();

    // The next call starts a background refresh: the store still holds OLD, so it mints.
    await expect(c.get()).resolves.toBe('OLD');
    await answer(0, token('NEW'));
    await until(() => c.expiresAt !== old.expiresAt, 'the refreshed token');
    await expect(c.get()).resolves.toBe('NEW');
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect((await memory.get('K'))?.accessToken).toBe('NEW');
  });

  it('picks up a newer token another process refreshed, instead of minting, when its own is due', async () => {
    const { memory, clock, cache, token, answer, fetcher } = storeSetup();
    const c = cache();
    const got = c.get();
    const t1 = token('T1');
    await answer(0, t1);
    await expect(got).resolves.toBe('T1');

    clock.now = t1.expiresAt - REFRESH_AHEAD_MS + 1_000;
    await memory.set('K', token('T2'), 3_600_000);
    await expect(c.get()).resolves.toBe('T1'); // background refresh: reads T2
    await until(() => c.expiresAt !== t1.expiresAt, 'the shared token');
    await expect(c.get()).resolves.toBe('T2');
    expect(fetcher).toHaveBeenCalledTimes(1);
  });

  it('ignores a stored token below the minimum validity', async () => {
    const { memory, clock, cache, token, answer } = storeSetup();
    await memory.set('K', token('DYING', 3600, clock.now - 3_590_000), 10_000);
    const got = cache().get();
    await answer(0, token('FRESH'));
    await expect(got).resolves.toBe('FRESH');
  });

  it('keeps serving from memory when the store throws, reports it, and leaves the store alone for a while', async () => {
    const failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    const { store, counts } = brokenStore(() => Promise.reject(failure));
    const { clock, cache, token, answer, failures } = storeSetup({}, store);
    const c = cache();
    const got = c.get();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect(failures).toEqual([{ operation: 'get', reason: 'error', error: failure }]);
    expect(counts).toEqual({ get: 1, set: 0, invalidate: 0, lock: 0 });

    // Within the pause, a refresh goes straight to the token endpoint.
    c.invalidate('T1');
    const again = c.get();
    await answer(1, token('T2'));
    await expect(again).resolves.toBe('T2');
    expect(counts).toEqual({ get: 1, set: 0, invalidate: 0, lock: 0 });

    // After it, the store is tried again.
    clock.now += 5_000;
    c.invalidate('T2');
    const later = c.get();
    await answer(2, token('T3'));
    await expect(later).resolves.toBe('T3');
    expect(counts.invalidate).toBe(1);
  });

  it('treats a store call slower than its timeout as failed', async () => {
    const { store } = brokenStore(() => new Promise<never>(() => undefined));
    const { cache, token, answer, failures } = storeSetup({ timeoutMs: 20 }, store);
    const started = Date.now();
    const got = cache().get();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(failures).toEqual([{ operation: 'get', reason: 'timeout' }]);
  });

  it('does not blame the store for its own busy event loop: a late timer gives the store a grace', async () => {
    const store: TokenStore = {
      // Like a Redis client: the command is flushed on a later tick, the reply comes a few ms after.
      get: () => new Promise((resolve) => setImmediate(() => setTimeout(() => resolve(undefined), 5))),
      set: async () => undefined,
    };
    const { cache, token, answer, failures } = storeSetup({ timeoutMs: 50 }, store);
    const got = cache().get();
    // This process is busy past the store timeout (within the 5× cap), before the store could answer.
    const busyUntil = Date.now() + 150;
    while (Date.now() < busyUntil) {
      // spin
    }
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect(failures).toEqual([]);
  });

  it('still times out a store that stays silent while this process is busy, within the hard cap', async () => {
    const { store } = brokenStore(() => new Promise<never>(() => undefined));
    const { cache, token, answer, failures } = storeSetup({ timeoutMs: 50 }, store);
    const started = Date.now();
    const got = cache().get();
    const busyUntil = Date.now() + 150;
    while (Date.now() < busyUntil) {
      // spin
    }
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect(failures).toEqual([{ operation: 'get', reason: 'timeout' }]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('survives a store method that throws synchronously', async () => {
    const store: TokenStore = {
      get: () => {
        throw new TypeError('not a function');
      },
      set: async () => undefined,
    };
    const { cache, token, answer, failures } = storeSetup({}, store);
    const got = cache().get();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect(failures.map((f) => f.operation)).toEqual(['get']);
  });

  it('reports and ignores a stored value that is not a token, then replaces it', async () => {
    const set = vi.fn(async () => undefined);
    const store: TokenStore = {
      get: async () => ({ accessToken: 42 }) as unknown as StoredToken,
      set,
    };
    const { cache, token, answer, failures } = storeSetup({}, store);
    const got = cache().get();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect(failures).toEqual([{ operation: 'get', reason: 'invalid' }]);
    expect(set).toHaveBeenCalledTimes(1);
  });

  it('without lock(), mints and shares the token without waiting for anyone', async () => {
    const { memory, cache, token, answer } = storeSetup();
    const store: TokenStore = { get: (k) => memory.get(k), set: (k, v, t) => memory.set(k, v, t) };
    const got = cache({ store: { store, key: 'K' } }).get();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
    expect((await memory.get('K'))?.accessToken).toBe('T1');
  });

  it('invalidate(token) deletes the shared token only while it is still the refused one', async () => {
    const { memory, clock, cache, token, answer } = storeSetup();
    const c = cache();
    const got = c.get();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');

    // Another process already replaced it: the late invalidation keeps the new token, which is used.
    await memory.set('K', token('T2', 3600, clock.now + 1), 3_600_000);
    c.invalidate('T1');
    await expect(c.get()).resolves.toBe('T2');
    expect((await memory.get('K'))?.accessToken).toBe('T2');

    c.invalidate('T2');
    const next = c.get();
    await answer(1, token('T3'));
    await expect(next).resolves.toBe('T3');
    expect((await memory.get('K'))?.accessToken).toBe('T3');
  });

  it('never takes a refused token from the store again, even when the store cannot delete it', async () => {
    const { memory, cache, token, answer, fetcher } = storeSetup();
    const t1 = token('T1');
    await memory.set('K', t1, 3_600_000);
    const noDelete: TokenStore = { get: (k) => memory.get(k), set: (k, v, t) => memory.set(k, v, t) };
    const c = cache({ store: { store: noDelete, key: 'K' } });
    await expect(c.get()).resolves.toBe('T1');

    c.invalidate('T1'); // the store still holds T1
    const next = c.get();
    await answer(0, token('T2', 3600, t1.expiresAt - 3_600_000 + 1));
    await expect(next).resolves.toBe('T2');
    expect(fetcher).toHaveBeenCalledTimes(1);
    expect((await memory.get('K'))?.accessToken).toBe('T2');
  });

  it('sends one compare-and-delete per refused token, however many calls report it', async () => {
    const invalidate = vi.fn(async () => undefined);
    const { memory, cache, token, answer } = storeSetup();
    const store: TokenStore = {
      get: (k) => memory.get(k),
      set: (k, v, t) => memory.set(k, v, t),
      invalidate,
    };
    const c = cache({ store: { store, key: 'K' } });
    const got = c.get();
    await answer(0, token('T1'));
    await got;
    for (let i = 0; i < 20; i++) c.invalidate('T1');
    await flush();
    expect(invalidate).toHaveBeenCalledTimes(1);
    expect(invalidate).toHaveBeenCalledWith('K', 'T1');
  });

  it('keeps working when onFailure throws', async () => {
    const { store } = brokenStore(() => Promise.reject(new Error('down')));
    const onFailure = () => {
      throw new Error('logger broke');
    };
    const { cache, token, answer } = storeSetup({ onFailure }, store);
    const got = cache().get();
    await answer(0, token('T1'));
    await expect(got).resolves.toBe('T1');
  });

  it('touches the store no more after close(), not even for a late invalidate()', async () => {
    const { store, counts } = brokenStore(() => Promise.reject(new Error('down')));
    const { cache } = storeSetup({}, store);
    const c = cache();
    c.close();
    await expect(c.get()).rejects.toBeInstanceOf(ClientClosedError);
    c.invalidate('T1');
    await flush();
    expect(counts).toEqual({ get: 0, set: 0, invalidate: 0, lock: 0 });
  });

  it('rejects callers waiting for another holder when the cache is closed', async () => {
    const { memory, cache, fetcher } = storeSetup();
    await memory.lock('K', 60_000);
    const c = cache();
    const waiting = c.get();
    const rejected = expect(waiting).rejects.toBeInstanceOf(ClientClosedError);
    await sleepMs(30);
    c.close();
    await rejected;
    expect(fetcher).not.toHaveBeenCalled();
  });
});

describe('describeStoreFailure', () => {
  it('names the operation and the kind of error, never the error message (a Redis prefix: see the Redis store)', () => {
    const error = Object.assign(
      new Error("ERR unknown command 'EVAL', with args beginning with: 'SECRET-TOKEN'"),
      {
        command: { name: 'eval', args: ['script', '1', 'key', 'SECRET-TOKEN'] },
      },
    );
    const { message, fields } = describeStoreFailure({ operation: 'invalidate', reason: 'error', error });
    expect(message).toMatch(/^unico-idcloud: token store/);
    expect(fields).toEqual({
      operation: 'invalidate',
      reason: 'error',
      errorName: 'Error',
    });
    expect(JSON.stringify({ message, fields })).not.toContain('SECRET');
  });

  it('keeps a Node error code and a client error class name', () => {
    class ConnectionTimeoutError extends Error {
      override name = 'ConnectionTimeoutError';
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(describeStoreFailure({ operation: 'get', reason: 'error', error: refused }).fields).toEqual({
      operation: 'get',
      reason: 'error',
      errorName: 'Error',
      errorCode: 'ECONNREFUSED',
    });
    expect(
      describeStoreFailure({ operation: 'set', reason: 'error', error: new ConnectionTimeoutError('x') })
        .fields,
    ).toEqual({ operation: 'set', reason: 'error', errorName: 'ConnectionTimeoutError' });
  });

  it('drops names and codes that do not look like identifiers, and messages that are not Redis error prefixes', () => {
    const odd = Object.assign(new Error('Token abc is bad'), { name: 'weird name: abc', code: 'abc def' });
    expect(describeStoreFailure({ operation: 'get', reason: 'error', error: odd }).fields).toEqual({
      operation: 'get',
      reason: 'error',
      errorName: 'Error',
    });
    expect(describeStoreFailure({ operation: 'get', reason: 'error', error: 'a string' }).fields).toEqual({
      operation: 'get',
      reason: 'error',
    });
  });

  it('has its own message for timeouts, unusable values and a lock held too long', () => {
    expect(describeStoreFailure({ operation: 'get', reason: 'timeout' }).message).toContain('timed out');
    expect(describeStoreFailure({ operation: 'get', reason: 'invalid' }).message).toContain('unusable value');
    expect(describeStoreFailure({ operation: 'lock', reason: 'timeout' })).toEqual({
      message: expect.stringContaining('kept the token lock too long'),
      fields: { operation: 'lock', reason: 'timeout' },
    });
  });
});
