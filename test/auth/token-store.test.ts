import { describe, expect, it, vi } from 'vitest';
import {
  isStoredToken,
  MemoryTokenStore,
  type StoredToken,
  tokenStoreKey,
} from '../../src/auth/token-store.js';

function setup() {
  const clock = { now: 1_000_000 };
  const store = new MemoryTokenStore({ now: () => clock.now });
  const token = (accessToken: string, lifetimeSeconds = 3600, from = clock.now): StoredToken => ({
    accessToken,
    expiresAt: from + lifetimeSeconds * 1000,
    lifetimeSeconds,
  });
  return { clock, store, token };
}

const VECTOR_UNICODE = 'unico-idcloud:token:bb79f14e39489b49ac78e5481406932a682b60026ab6dbf0d6aed0467f51450a';

describe('tokenStoreKey', () => {
  const parts = {
    environment: 'uat',
    tokenUrl: 'https://identityhomolog.acesso.io/oauth2/token',
    tenantId: 'tenant-1',
    accountName: 'acct',
  };

  // The format is a contract with every process of a fleet (old and new SDK versions): never change it.
  it('is the SHA-256 of the JSON array of the four parts, namespaced (fixed vectors)', async () => {
    expect(await tokenStoreKey(parts)).toBe(
      'unico-idcloud:token:5e123ea3debbb12da34f2cac6e0c5683cc120f3be833bfacce0c5bc4410a33aa',
    );
    expect(await tokenStoreKey({ ...parts, accountName: 'conta-ção' })).toBe(VECTOR_UNICODE);
  });

  it('gives the same key on runtimes without node:crypto', async () => {
    const hide = vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    try {
      expect(await tokenStoreKey(parts)).toBe(
        'unico-idcloud:token:5e123ea3debbb12da34f2cac6e0c5683cc120f3be833bfacce0c5bc4410a33aa',
      );
      expect(await tokenStoreKey({ ...parts, accountName: 'conta-ção' })).toBe(VECTOR_UNICODE);
    } finally {
      hide.mockRestore();
    }
  });

  it('differs when any of environment, token URL, tenant or account name differs', async () => {
    const key = await tokenStoreKey(parts);
    const others = await Promise.all([
      tokenStoreKey({ ...parts, environment: 'production' }),
      tokenStoreKey({ ...parts, tokenUrl: 'https://identity.acesso.io/oauth2/token' }),
      tokenStoreKey({ ...parts, tenantId: 'tenant-2' }),
      tokenStoreKey({ ...parts, accountName: 'other' }),
    ]);
    expect(new Set([key, ...others]).size).toBe(5);
  });

  it('keeps the parts apart, so shifting characters between them gives another key', async () => {
    expect(await tokenStoreKey({ ...parts, tenantId: 'ab', accountName: 'c' })).not.toBe(
      await tokenStoreKey({ ...parts, tenantId: 'a', accountName: 'bc' }),
    );
  });

  it('does not reveal the names it is made of', async () => {
    const key = await tokenStoreKey(parts);
    for (const part of Object.values(parts)) expect(key).not.toContain(part);
  });
});

describe('isStoredToken', () => {
  it('accepts the three fields and rejects anything else', () => {
    expect(isStoredToken({ accessToken: 't', expiresAt: 1, lifetimeSeconds: 60 })).toBe(true);
    for (const bad of [
      undefined,
      null,
      'token',
      {},
      { accessToken: '', expiresAt: 1, lifetimeSeconds: 60 },
      { accessToken: 't', expiresAt: '1', lifetimeSeconds: 60 },
      { accessToken: 't', expiresAt: Number.NaN, lifetimeSeconds: 60 },
      { accessToken: 't', expiresAt: 1, lifetimeSeconds: 0 },
      { accessToken: 't', expiresAt: 1 },
    ]) {
      expect(isStoredToken(bad)).toBe(false);
    }
  });
});

describe('MemoryTokenStore', () => {
  it('returns what was set until its time-to-live runs out', async () => {
    const { clock, store, token } = setup();
    expect(await store.get('k')).toBeUndefined();
    const t = token('T1');
    await store.set('k', t, 5_000);
    expect(await store.get('k')).toEqual(t);
    expect(await store.get('other')).toBeUndefined();
    clock.now += 4_999;
    expect(await store.get('k')).toEqual(t);
    clock.now += 1;
    expect(await store.get('k')).toBeUndefined();
  });

  it('hands out copies, so a caller cannot change what is stored', async () => {
    const { store, token } = setup();
    await store.set('k', token('T1'), 5_000);
    const got = (await store.get('k')) as { accessToken: string };
    got.accessToken = 'tampered';
    expect((await store.get('k'))?.accessToken).toBe('T1');
  });

  it('keeps the stored token when the one being written expires earlier', async () => {
    const { clock, store, token } = setup();
    const newer = token('NEW');
    const older = token('OLD', 3600, clock.now - 60_000);
    await store.set('k', newer, 60_000);
    await store.set('k', older, 60_000);
    expect((await store.get('k'))?.accessToken).toBe('NEW');
    const later = token('LATER', 3600, clock.now + 1_000);
    await store.set('k', later, 60_000);
    expect((await store.get('k'))?.accessToken).toBe('LATER');
  });

  it('invalidate deletes the token only if it is still the refused one', async () => {
    const { store, token } = setup();
    await store.set('k', token('T2'), 60_000);
    await store.invalidate('k', 'T1');
    expect((await store.get('k'))?.accessToken).toBe('T2');
    await store.invalidate('k', 'T2');
    expect(await store.get('k')).toBeUndefined();
    await expect(store.invalidate('missing', 'T2')).resolves.toBeUndefined();
  });

  it('gives the lock to one holder at a time, until it is released', async () => {
    const { store } = setup();
    const first = await store.lock('k', 3_000);
    expect(first).toBeDefined();
    expect(await store.lock('k', 3_000)).toBeUndefined();
    expect(await store.lock('other', 3_000)).toBeDefined();
    await first?.release();
    expect(await store.lock('k', 3_000)).toBeDefined();
  });

  it('frees a lock whose holder never released it once its time-to-live runs out', async () => {
    const { clock, store } = setup();
    const dead = await store.lock('k', 3_000);
    clock.now += 2_999;
    expect(await store.lock('k', 3_000)).toBeUndefined();
    clock.now += 1;
    const next = await store.lock('k', 3_000);
    expect(next).toBeDefined();
    // The late holder can neither extend nor release the lock it lost.
    expect(await dead?.extend?.(3_000)).toBe(false);
    await dead?.release();
    expect(await store.lock('k', 3_000)).toBeUndefined();
  });

  it('extends a held lock from now', async () => {
    const { clock, store } = setup();
    const lock = await store.lock('k', 1_000);
    clock.now += 900;
    expect(await lock?.extend?.(1_000)).toBe(true);
    clock.now += 900;
    expect(await store.lock('k', 1_000)).toBeUndefined();
    clock.now += 100;
    expect(await store.lock('k', 1_000)).toBeDefined();
  });

  it('uses Date.now when no clock is given', async () => {
    const store = new MemoryTokenStore();
    await store.set('k', { accessToken: 'T', expiresAt: Date.now() + 60_000, lifetimeSeconds: 60 }, 60_000);
    expect((await store.get('k'))?.accessToken).toBe('T');
  });
});

describe('MemoryTokenStore: boundaries', () => {
  const NOW = 1_000_000;
  const token = (accessToken: string, expiresAt: number): StoredToken => ({
    accessToken,
    expiresAt,
    lifetimeSeconds: 3600,
  });

  it('replaces a stored token by one that expires at the same time', async () => {
    const store = new MemoryTokenStore({ now: () => NOW });
    await store.set('k', token('A', NOW + 1000), 1000);
    await store.set('k', token('B', NOW + 1000), 1000);
    expect((await store.get('k'))?.accessToken).toBe('B');
  });

  it('lets a released lock be released again and not extended', async () => {
    const store = new MemoryTokenStore({ now: () => NOW });
    const lock = await store.lock('k', 1000);
    await lock!.release();
    await expect(lock!.release()).resolves.toBeUndefined();
    await expect(lock!.extend!(1000)).resolves.toBe(false);
  });

  it('refuses to extend a lock from the moment it expires', async () => {
    const clock = { now: NOW };
    const store = new MemoryTokenStore({ now: () => clock.now });
    const lock = await store.lock('k', 1000);
    clock.now = NOW + 999;
    await expect(lock!.extend!(1000)).resolves.toBe(true); // now until NOW + 1999
    clock.now = NOW + 1999;
    await expect(lock!.extend!(1000)).resolves.toBe(false);
    await expect(store.lock('k', 1000)).resolves.toBeDefined();
  });
});
