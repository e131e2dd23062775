// The shared-store protocol (createFleet) on a fake clock: store-call timeouts, the minting lock,
// its polling and heartbeat, what is written to the store, and what is reported when it fails.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFleet, describeStoreFailure, type TokenStoreFailure } from '../../src/auth/fleet.js';
import type { StoredToken, TokenStore, TokenStoreLock } from '../../src/auth/token-store.js';
import { createTokenCache, createTokenSource, type TokenRefreshEvent } from '../../src/auth/tokens.js';
import { ClientClosedError } from '../../src/errors.js';
import type { Transport } from '../../src/http/transport.js';

const MARGINS = { refreshAheadMs: 5 * 60_000, minValidityMs: 30_000 };
const NOW = 1_000_000;

const token = (accessToken: string, expiresAt: number, lifetimeSeconds = 3600): StoredToken => ({
  accessToken,
  expiresAt,
  lifetimeSeconds,
});

/** Lets every pending promise callback (and real I/O callback) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

const never = <T>() => new Promise<T>(() => undefined);

/** A fleet over `store` with key 'k', a fetcher minting `minted`, and the failures it reported. */
function fleetOver(
  store: TokenStore,
  options: {
    now?: () => number;
    timeoutMs?: number;
    lockTtlMs?: number;
    lockWaitMs?: number;
    minted?: StoredToken;
    fetch?: () => Promise<StoredToken>;
  } = {},
) {
  const failures: TokenStoreFailure[] = [];
  const minted = options.minted ?? token('MINTED', NOW + 3_600_000);
  const fetch = vi.fn(options.fetch ?? (async () => minted));
  const fleet = createFleet(
    {
      store,
      key: Promise.resolve('k'),
      onFailure: (f) => failures.push(f),
      timeoutMs: options.timeoutMs,
      lockTtlMs: options.lockTtlMs,
      lockWaitMs: options.lockWaitMs,
    },
    fetch,
    { ...MARGINS, now: options.now ?? (() => NOW), signal: new AbortController().signal },
  );
  return { fleet, failures, fetch, minted };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('a store call is bounded by timeoutMs, with a grace when the process is busy', () => {
  /** A fleet whose store never answers get(); `perf` is what performance.now() returns. */
  async function hanging() {
    const clock = { perf: 0 };
    vi.spyOn(performance, 'now').mockImplementation(() => clock.perf);
    const store: TokenStore = { get: () => never(), set: async () => undefined };
    const f = fleetOver(store, { timeoutMs: 100 });
    const result = track(f.fleet.obtain(undefined));
    await flush(); // the get() call and its timer start
    /** Moves the timers `ms` on, with performance.now() reading `perf` when they fire. */
    const step = async (ms: number, perf: number) => {
      clock.perf = perf;
      await vi.advanceTimersByTimeAsync(ms);
      await flush();
    };
    return { ...f, result, step };
  }

  // A zero-delay fake timer fires 1 ms later (as in Node): `step(1, …)` lets the give-up timer run.
  it('gives up on a timer that fires on time, then uses a minted token', async () => {
    const { failures, result, step, minted } = await hanging();
    await step(99, 99);
    await step(1, 100); // the check: on time
    await step(1, 100);
    expect(failures).toEqual([{ operation: 'get', reason: 'timeout' }]);
    expect(result).toEqual({ settled: true, value: minted });
  });

  it('treats a timer 50 ms late as on time', async () => {
    const { failures, step } = await hanging();
    await step(100, 150);
    await step(1, 150);
    expect(failures).toEqual([{ operation: 'get', reason: 'timeout' }]);
  });

  it('gives a timer more than 50 ms late a 100 ms grace, counted from when it fired', async () => {
    const { failures, result, step } = await hanging();
    await step(100, 151);
    await step(1, 151);
    expect(failures).toEqual([]);
    expect(result.settled).toBe(false);
    await step(99, 251); // the grace check, on time
    await step(1, 251);
    expect(failures).toEqual([{ operation: 'get', reason: 'timeout' }]);
  });

  it('stops granting graces at 5 × timeoutMs from the start', async () => {
    const { failures, step } = await hanging();
    await step(100, 151); // late: grace until 251
    await step(1, 151);
    await step(99, 349); // late again (98 ms): grace until 449
    await step(1, 349);
    expect(failures).toEqual([]);
    await step(99, 500); // 51 ms late, but 500 is the cap
    await step(1, 500);
    expect(failures).toEqual([{ operation: 'get', reason: 'timeout' }]);
  });
});

describe('the shared-store protocol', () => {
  /** A store that records its calls; `held` is what get() returns. */
  function recordingStore(opts: { lock?: 'free' | 'taken' | 'throws'; extend?: boolean } = {}) {
    const state: { held: StoredToken | undefined; events: string[] } = { held: undefined, events: [] };
    const lock: TokenStoreLock = {
      release: async () => {
        state.events.push('release');
      },
      ...(opts.extend && {
        extend: async (ms: number) => {
          state.events.push(`extend ${ms}`);
          return true;
        },
      }),
    };
    const store: TokenStore = {
      get: async (key) => {
        state.events.push(`get ${key}`);
        return state.held;
      },
      set: async (key, t, ttlMs) => {
        state.events.push(`set ${key} ${t.accessToken} ${ttlMs}`);
      },
      ...(opts.lock !== undefined && {
        lock: async (key: string, ttlMs: number) => {
          state.events.push(`lock ${key} ${ttlMs}`);
          if (opts.lock === 'throws') throw new Error('lock down');
          return opts.lock === 'free' ? lock : undefined;
        },
      }),
    };
    return { store, state };
  }

  it('with nothing stored, mints under the lock, writes the token for its remaining life, releases', async () => {
    const { store, state } = recordingStore({ lock: 'free' });
    const { fleet, fetch, failures, minted } = fleetOver(store, { lockTtlMs: 3000 });
    await expect(fleet.obtain(undefined)).resolves.toEqual(minted);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(state.events).toEqual(['get k', 'lock k 3000', 'get k', 'set k MINTED 3600000', 'release']);
    expect(failures).toEqual([]);
  });

  it('leaves no timer behind once the store has answered', async () => {
    const { store, state } = recordingStore();
    state.held = token('STORED', NOW + 3_600_000);
    const { fleet } = fleetOver(store);
    await expect(fleet.obtain(undefined)).resolves.toEqual(state.held);
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    [1.5, 'set k MINTED 2'],
    [1, 'set k MINTED 1'],
  ])('writes a token with %d ms left, ttl rounded up', async (leftMs, written) => {
    const { store, state } = recordingStore();
    const { fleet } = fleetOver(store, { minted: token('MINTED', NOW + leftMs) });
    await fleet.obtain(undefined);
    expect(state.events).toEqual(['get k', written]);
  });

  it.each([0.5, 0, -10])('does not write a token with %d ms left', async (leftMs) => {
    const { store, state } = recordingStore();
    const { fleet } = fleetOver(store, { minted: token('MINTED', NOW + leftMs) });
    await fleet.obtain(undefined);
    expect(state.events).toEqual(['get k']);
  });

  it('uses the token the previous lock holder wrote just before the lock was taken', async () => {
    const { store, state } = recordingStore({ lock: 'free' });
    const stored = token('THEIRS', NOW + 3_600_000);
    const originalLock = store.lock!;
    store.lock = async (key, ttlMs) => {
      state.held = stored;
      return originalLock(key, ttlMs);
    };
    const { fleet, fetch } = fleetOver(store);
    await expect(fleet.obtain(undefined)).resolves.toEqual(stored);
    expect(fetch).not.toHaveBeenCalled();
    expect(state.events).toEqual(['get k', 'lock k 3000', 'get k', 'release']);
  });

  it('takes a due stored token that expires later than the due one it refreshes', async () => {
    const { store, state } = recordingStore({ lock: 'free' });
    const current = token('OLD', NOW + 100_000);
    state.held = token('NEWER', NOW + 200_000);
    const { fleet, fetch } = fleetOver(store);
    await expect(fleet.obtain(current)).resolves.toEqual(state.held);
    expect(fetch).not.toHaveBeenCalled();
  });

  it.each([
    ['stale', token('STALE', NOW + 10_000)],
    ['due and expires no later than the current one', token('OLD', NOW + 100_000)],
  ])('still mints under the lock when the stored token is %s', async (_, held) => {
    const { store, state } = recordingStore({ lock: 'free' });
    state.held = held;
    const { fleet, minted } = fleetOver(store);
    await expect(fleet.obtain(token('OLD', NOW + 100_000))).resolves.toEqual(minted);
    expect(state.events).toEqual(['get k', 'lock k 3000', 'get k', 'set k MINTED 3600000', 'release']);
  });

  it('mints at once, without waiting, when taking the lock fails, and reports it', async () => {
    const { store, state } = recordingStore({ lock: 'throws' });
    const { fleet, failures, minted } = fleetOver(store);
    const result = track(fleet.obtain(undefined));
    await flush();
    await flush();
    expect(result).toEqual({ settled: true, value: minted });
    expect(failures).toEqual([{ operation: 'lock', reason: 'error', error: new Error('lock down') }]);
    // The store is left alone after a failure: the fresh token is not written.
    expect(state.events).toEqual(['get k', 'lock k 3000']);
  });

  // The store is paused for 5 s after a failure, which would also skip a lock call made right
  // after it: a clock that jumps 6 s per reading shows the failed read itself decides.
  describe('a failed read mints at once, without asking for the lock', () => {
    function failingGetAfter(okReads: number) {
      const { store, state } = recordingStore({ lock: 'taken' });
      let reads = 0;
      store.get = async (key) => {
        state.events.push(`get ${key}`);
        if (++reads > okReads) throw new Error('store down');
        return undefined;
      };
      let clock = NOW;
      const f = fleetOver(store, { now: () => (clock += 6_000), lockWaitMs: 10_000 });
      return { ...f, state };
    }

    it('the first read', async () => {
      const { fleet, fetch, minted, state } = failingGetAfter(0);
      const result = track(fleet.obtain(undefined));
      await flush();
      await flush();
      expect(result).toEqual({ settled: true, value: minted });
      expect(fetch).toHaveBeenCalledTimes(1);
      // (the clock has moved past the pause by the time the token is written)
      expect(state.events).toEqual(['get k', expect.stringMatching(/^set k MINTED /)]);
    });

    it('a read while polling a held lock', async () => {
      const { fleet, fetch, minted, state } = failingGetAfter(1);
      const result = track(fleet.obtain(undefined));
      await vi.advanceTimersByTimeAsync(25);
      await flush();
      expect(result).toEqual({ settled: true, value: minted });
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(state.events).toEqual([
        'get k',
        'lock k 3000',
        'get k',
        expect.stringMatching(/^set k MINTED /),
      ]);
    });
  });

  it('polls a held lock at 25, 50, 100, then every 200 ms, and mints when lockWaitMs is used up', async () => {
    const { store } = recordingStore({ lock: 'taken' });
    const lockTimes: number[] = [];
    const originalLock = store.lock!;
    store.lock = async (key, ttlMs) => {
      lockTimes.push(Date.now() - NOW);
      return originalLock(key, ttlMs);
    };
    const { fleet, failures, fetch, minted } = fleetOver(store, { lockWaitMs: 1000 });
    const result = track(fleet.obtain(undefined));
    await vi.advanceTimersByTimeAsync(999);
    expect(result.settled).toBe(false);
    expect(failures).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(lockTimes).toEqual([0, 25, 75, 175, 375, 575, 775, 975, 1000]);
    expect(failures).toEqual([{ operation: 'lock', reason: 'timeout' }]);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(result).toEqual({ settled: true, value: minted });
  });

  it('uses the token another instance stored while this one waited for the lock', async () => {
    const { store, state } = recordingStore({ lock: 'taken' });
    const { fleet, fetch } = fleetOver(store, { lockWaitMs: 10_000 });
    const result = track(fleet.obtain(undefined));
    await vi.advanceTimersByTimeAsync(25);
    state.held = token('THEIRS', NOW + 3_600_000);
    await vi.advanceTimersByTimeAsync(50);
    await flush();
    expect(result).toEqual({ settled: true, value: state.held });
    expect(fetch).not.toHaveBeenCalled();
    expect(state.events).toEqual(['get k', 'lock k 3000', 'get k', 'lock k 3000', 'get k']);
  });

  it('extends the lock by lockTtlMs every lockTtlMs / 3 while minting, and stops after', async () => {
    const { store, state } = recordingStore({ lock: 'free', extend: true });
    let finish!: (t: StoredToken) => void;
    const minted = token('MINTED', NOW + 3_600_000);
    const { fleet } = fleetOver(store, {
      lockTtlMs: 3000,
      fetch: () => new Promise<StoredToken>((resolve) => (finish = resolve)),
    });
    const result = track(fleet.obtain(undefined));
    await flush();
    await vi.advanceTimersByTimeAsync(999);
    expect(state.events.filter((e) => e.startsWith('extend'))).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.events.filter((e) => e.startsWith('extend'))).toEqual(['extend 3000']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.events.filter((e) => e.startsWith('extend'))).toEqual(['extend 3000', 'extend 3000']);
    finish(minted);
    await flush();
    expect(result).toEqual({ settled: true, value: minted });
    await vi.advanceTimersByTimeAsync(5000);
    expect(state.events.filter((e) => e.startsWith('extend'))).toHaveLength(2);
  });

  it('does not try to extend a lock that cannot be extended', async () => {
    const { store } = recordingStore({ lock: 'free' });
    const { fleet, failures } = fleetOver(store, {
      fetch: () => new Promise<StoredToken>(() => undefined),
    });
    fleet.obtain(undefined);
    await flush();
    await vi.advanceTimersByTimeAsync(5000);
    expect(failures).toEqual([]);
  });

  it('reports a failed extension as an extend failure', async () => {
    const { store } = recordingStore({ lock: 'free' });
    const lost = new Error('lost');
    const originalLock = store.lock!;
    store.lock = async (key, ttlMs) => {
      const lock = await originalLock(key, ttlMs);
      return lock && { release: lock.release, extend: () => Promise.reject(lost) };
    };
    const { fleet, failures } = fleetOver(store, {
      fetch: () => new Promise<StoredToken>(() => undefined),
    });
    fleet.obtain(undefined);
    await flush();
    await vi.advanceTimersByTimeAsync(1000);
    expect(failures).toEqual([{ operation: 'extend', reason: 'error', error: lost }]);
  });
});

describe('refused tokens', () => {
  function storeHolding() {
    const state: { held: StoredToken | undefined } = { held: undefined };
    const store: TokenStore = { get: async () => state.held, set: async () => undefined };
    return { store, state };
  }

  it('remembers the last 8 refused tokens: a store still holding one is not believed', async () => {
    const { store, state } = storeHolding();
    const { fleet, fetch, minted } = fleetOver(store);
    for (let i = 1; i <= 9; i++) fleet.invalidate(`T${i}`);
    state.held = token('T2', NOW + 3_600_000);
    await expect(fleet.obtain(undefined)).resolves.toEqual(minted);
    expect(fetch).toHaveBeenCalledTimes(1);
    state.held = token('T1', NOW + 3_600_000); // the oldest, forgotten
    await expect(fleet.obtain(undefined)).resolves.toEqual(state.held);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('reports a failed compare-and-delete as an invalidate failure', async () => {
    const { store } = storeHolding();
    const boom = new Error('boom');
    store.invalidate = () => Promise.reject(boom);
    const { fleet, failures } = fleetOver(store);
    fleet.invalidate('T1');
    await fleet.obtain(undefined);
    expect(failures).toEqual([{ operation: 'invalidate', reason: 'error', error: boom }]);
  });
});

describe('describeStoreFailure', () => {
  const withCode = (code: unknown) =>
    describeStoreFailure({
      operation: 'get',
      reason: 'error',
      error: Object.assign(new Error('x'), { code }),
    }).fields;

  it('reports an error code only when it looks like one (upper case, 2 to 40 characters)', () => {
    expect(withCode('ECONNRESET')).toEqual({
      operation: 'get',
      reason: 'error',
      errorName: 'Error',
      errorCode: 'ECONNRESET',
    });
    expect(withCode(`E${'X'.repeat(39)}`)['errorCode']).toBe(`E${'X'.repeat(39)}`);
    for (const code of ['eCONNRESET', 'ECONNRESET secret', `E${'X'.repeat(40)}`, 'E', 42, 'econnreset']) {
      expect(withCode(code)).not.toHaveProperty('errorCode');
    }
  });

  it('says "kept the lock too long" only for a lock timeout', () => {
    expect(describeStoreFailure({ operation: 'lock', reason: 'timeout' }).message).toBe(
      'unico-idcloud: another process kept the token lock too long; requesting a token here',
    );
    expect(describeStoreFailure({ operation: 'lock', reason: 'error', error: new Error('x') }).message).toBe(
      'unico-idcloud: token store call failed; using the in-memory token',
    );
    expect(describeStoreFailure({ operation: 'get', reason: 'timeout' }).message).toBe(
      'unico-idcloud: token store call timed out; using the in-memory token',
    );
  });
});

describe('the token cache', () => {
  it('fails a refresh that finishes after close() with ClientClosedError', async () => {
    let finish!: (t: StoredToken) => void;
    const cache = createTokenCache(() => new Promise<StoredToken>((resolve) => (finish = resolve)), {
      ...MARGINS,
      now: () => NOW,
    });
    const got = cache.get();
    cache.close();
    finish(token('LATE', NOW + 3_600_000));
    await expect(got).rejects.toBeInstanceOf(ClientClosedError);
  });

  it('takes a refreshed token that expires at the same time as the current one', async () => {
    const clock = { now: NOW };
    const answers = [token('T1', NOW + 3_600_000), token('T2', NOW + 3_600_000)];
    const cache = createTokenCache(async () => answers.shift()!, { ...MARGINS, now: () => clock.now });
    await expect(cache.get()).resolves.toBe('T1');
    clock.now = NOW + 3_600_000 - 200_000; // due: refreshed in the background
    await expect(cache.get()).resolves.toBe('T1');
    await flush();
    await expect(cache.get()).resolves.toBe('T2');
  });
});

describe('createTokenSource', () => {
  const transport: Transport = {
    request: async () => ({
      status: 200,
      headers: {},
      body: JSON.stringify({ access_token: 'ACCESS', token_type: 'Bearer', expires_in: 3600 }),
    }),
  };
  const config = {
    transport,
    tokenUrl: 'https://idp.example/oauth2/token',
    issuer: 'a@t.iam.acesso.io',
    audience: 'https://idp.example',
    key: { kind: 'external-signer' as const, sign: async () => new Uint8Array(256) },
    maxRetries: 0,
  };

  it('reports the refresh duration in ms, rounded to the microsecond', async () => {
    vi.useRealTimers();
    vi.spyOn(performance, 'now').mockReturnValueOnce(1000).mockReturnValue(1012.3456789);
    const reports: TokenRefreshEvent[] = [];
    const tokens = createTokenSource({ ...config, timeoutMs: 5000, onRefresh: (r) => reports.push(r) });
    await expect(tokens.get()).resolves.toBe('ACCESS');
    tokens.close();
    expect(reports).toEqual([{ durationMs: 12.346, outcome: 'success', expiresInSeconds: 3600 }]);
  });

  it('waits for a held lock for timeoutMs + 3 s, then requests a token itself', async () => {
    let gets = 0;
    const store: TokenStore = {
      get: async () => {
        gets++;
        return undefined;
      },
      set: async () => undefined,
      lock: async () => undefined,
    };
    const problems: string[] = [];
    const tokens = createTokenSource({
      ...config,
      timeoutMs: 1000,
      store: {
        store,
        identity: { environment: 'e', tokenUrl: config.tokenUrl, tenantId: 't', accountName: 'a' },
      },
      onStoreProblem: (fields) => problems.push(`${fields['operation']} ${fields['reason']}`),
    });
    const got = track(tokens.get());
    while (gets === 0) await flush(); // the store key is a digest, computed off the main thread
    await vi.advanceTimersByTimeAsync(3999);
    expect(problems).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(problems).toEqual(['lock timeout']);
    for (let i = 0; i < 20 && !got.settled; i++) await flush();
    expect(got).toEqual({ settled: true, value: 'ACCESS' });
    tokens.close();
  });
});
