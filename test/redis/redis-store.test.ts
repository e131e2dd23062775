// createRedisTokenStore against a real redis-server, through both client libraries (no mocks).

import { inspect } from 'node:util';
import { Redis as IoRedis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeStoreFailure } from '../../src/auth/fleet.js';
import { tokenStoreKey } from '../../src/auth/token-store.js';
import { IdCloudClient, type Logger, type StoredToken, type TokenStore } from '../../src/index.js';
import { createRedisTokenStore, type RedisClient } from '../../src/redis/index.js';
import { createSamplePng, SCENARIOS, startEmulatorServer } from '../../src/testing/index.js';
import { announceMissingServer, type RedisServer, startRedisServer } from './helpers/redis-server.js';

announceMissingServer('test/redis/redis-store.test.ts');

type Lib = 'node-redis' | 'ioredis';
type NodeRedis = ReturnType<typeof createClient>;

describe('createRedisTokenStore on a real Redis', () => {
  let server: RedisServer;
  let inspector: NodeRedis;
  const clients: Array<() => Promise<void>> = [];

  async function connect(lib: Lib, port = server.port): Promise<RedisClient> {
    if (lib === 'node-redis') {
      const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: () => 100 } });
      client.on('error', () => undefined);
      await client.connect();
      clients.push(async () => {
        client.destroy();
      });
      return client;
    }
    const client = new IoRedis({ host: '127.0.0.1', port, retryStrategy: () => 100 });
    client.on('error', () => undefined);
    clients.push(async () => {
      client.disconnect();
    });
    return client;
  }

  const token = (accessToken: string, lifetimeSeconds = 3600, from = Date.now()): StoredToken => ({
    accessToken,
    expiresAt: from + lifetimeSeconds * 1000,
    lifetimeSeconds,
  });

  beforeAll(async () => {
    server = await startRedisServer();
    inspector = createClient({ socket: { host: '127.0.0.1', port: server.port } });
    inspector.on('error', () => undefined);
    await inspector.connect();
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((close) => close()));
    inspector?.destroy();
    await server?.stop();
  });

  describe.each(['node-redis', 'ioredis'] as const)('with %s', (lib) => {
    let store: TokenStore;
    let key: string;

    beforeAll(async () => {
      store = createRedisTokenStore(await connect(lib));
    });

    it('returns undefined for a missing key, and exactly what was set otherwise', async () => {
      key = `test:${lib}:${crypto.randomUUID()}`;
      expect(await store.get(key)).toBeUndefined();
      const t = token('T1');
      await store.set(key, t, 60_000);
      expect(await store.get(key)).toEqual(t);
    });

    it('stores only the token and its expiry, as JSON, with the remaining lifetime as TTL', async () => {
      key = `test:${lib}:${crypto.randomUUID()}`;
      const t = { ...token('T1'), apiKey: 'must-not-be-stored' } as StoredToken;
      await store.set(key, t, 60_000);
      const raw = await inspector.get(key);
      expect(JSON.parse(raw ?? '')).toEqual({
        accessToken: 'T1',
        expiresAt: t.expiresAt,
        lifetimeSeconds: 3600,
      });
      const ttl = await inspector.pTTL(key);
      expect(ttl).toBeGreaterThan(55_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('lets Redis expire the token', async () => {
      key = `test:${lib}:${crypto.randomUUID()}`;
      await store.set(key, token('SHORT', 1), 50);
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(await store.get(key)).toBeUndefined();
    });

    it('keeps a stored token that expires later than the one being written', async () => {
      key = `test:${lib}:${crypto.randomUUID()}`;
      const newer = token('NEW');
      await store.set(key, newer, 60_000);
      await store.set(key, token('OLD', 3600, Date.now() - 60_000), 60_000);
      expect((await store.get(key))?.accessToken).toBe('NEW');
      await store.set(key, token('LATER', 3600, Date.now() + 1_000), 60_000);
      expect((await store.get(key))?.accessToken).toBe('LATER');
    });

    it('overwrites a value that is not a stored token', async () => {
      key = `test:${lib}:${crypto.randomUUID()}`;
      await inspector.set(key, 'garbage');
      await expect(store.get(key)).rejects.toMatchObject({ name: 'RedisStoreError', code: 'EINVALIDJSON' });
      await store.set(key, token('T1'), 60_000);
      expect((await store.get(key))?.accessToken).toBe('T1');
    });

    it('invalidate is a compare-and-delete', async () => {
      key = `test:${lib}:${crypto.randomUUID()}`;
      await store.set(key, token('T2'), 60_000);
      await store.invalidate?.(key, 'T1');
      expect((await store.get(key))?.accessToken).toBe('T2');
      await store.invalidate?.(key, 'T2');
      expect(await store.get(key)).toBeUndefined();
      await expect(store.invalidate?.(key, 'T2')).resolves.toBeUndefined();
    });

    it('gives the lock (SET NX PX) to one holder, frees it on release, and lets it expire', async () => {
      key = `test:${lib}:${crypto.randomUUID()}`;
      const first = await store.lock?.(key, 3_000);
      expect(first).toBeDefined();
      expect(await store.lock?.(key, 3_000)).toBeUndefined();
      const ttl = await inspector.pTTL(`${key}:lock`);
      expect(ttl).toBeGreaterThan(2_500);
      expect(ttl).toBeLessThanOrEqual(3_000);
      await first?.release();
      expect(await inspector.exists(`${key}:lock`)).toBe(0);

      const dead = await store.lock?.(key, 50);
      expect(dead).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 80));
      const next = await store.lock?.(key, 3_000);
      expect(next).toBeDefined();
      // The holder whose lock expired can neither extend nor release the new holder's lock.
      expect(await dead?.extend?.(3_000)).toBe(false);
      await dead?.release();
      expect(await inspector.exists(`${key}:lock`)).toBe(1);
      expect(await next?.extend?.(10_000)).toBe(true);
      expect(await inspector.pTTL(`${key}:lock`)).toBeGreaterThan(9_000);
      await next?.release();
    });

    it('shares one token between two clients of the same account (one token request), keyed by a hash', async () => {
      const emulator = await startEmulatorServer();
      const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
      const tokenStore = createRedisTokenStore(await connect(lib));
      const a = new IdCloudClient(emulator.clientOptions({ tokenStore, logger }));
      const b = new IdCloudClient(emulator.clientOptions({ tokenStore, logger }));
      try {
        const input = {
          subject: { code: SCENARIOS.verified.cpf, name: 'Luke Skywalker' },
          useCase: 'Onboarding',
          imageBase64: createSamplePng(),
        };
        const results = await Promise.all([
          ...Array.from({ length: 10 }, () => a.createProcess(input)),
          ...Array.from({ length: 10 }, () => b.createProcess(input)),
        ]);
        expect(new Set(results.map((r) => r.kind))).toEqual(new Set(['verified']));
        expect(emulator.emulator.stats.tokenRequests).toBe(1);
        expect(logger.warn).not.toHaveBeenCalled();

        const { accountName, tenantId, apiKey, privateKey } = emulator.emulator.credentials;
        const expectedKey = await tokenStoreKey({
          environment: 'custom',
          tokenUrl: emulator.environment.tokenUrl,
          tenantId,
          accountName,
        });
        const raw = await inspector.get(expectedKey);
        expect(raw).not.toBeNull();
        expect(Object.keys(JSON.parse(raw ?? '{}')).sort()).toEqual([
          'accessToken',
          'expiresAt',
          'lifetimeSeconds',
        ]);
        for (const secret of [apiKey, privateKey.slice(40, 80), accountName, tenantId]) {
          expect(raw).not.toContain(secret);
          expect(expectedKey).not.toContain(secret);
        }
      } finally {
        await a.close();
        await b.close();
        await emulator.close();
      }
    });

    it('keeps createProcess working when Redis is down, warning without any secret', async () => {
      const doomed = await startRedisServer();
      const emulator = await startEmulatorServer();
      const warn = vi.fn<Logger['warn']>();
      const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() };
      const client = new IdCloudClient(
        emulator.clientOptions({
          tokenStore: createRedisTokenStore(await connect(lib, doomed.port)),
          logger,
        }),
      );
      try {
        const input = {
          subject: { code: SCENARIOS.verified.cpf, name: 'Luke Skywalker' },
          useCase: 'Onboarding',
          imageBase64: createSamplePng(),
        };
        await expect(client.createProcess(input)).resolves.toMatchObject({ kind: 'verified' });
        expect(warn).not.toHaveBeenCalled();

        await doomed.stop();
        emulator.emulator.revokeTokens();
        const results = await Promise.all(Array.from({ length: 10 }, () => client.createProcess(input)));
        expect(new Set(results.map((r) => r.kind))).toEqual(new Set(['verified']));
        expect(emulator.emulator.stats.tokensIssued).toBe(2);

        expect(warn).toHaveBeenCalled();
        for (const [fields, message] of warn.mock.calls) {
          expect(message).toMatch(/^unico-idcloud: token store/);
          for (const name of Object.keys(fields))
            expect(['operation', 'reason', 'errorName', 'errorCode']).toContain(name);
        }
        const logged = JSON.stringify(warn.mock.calls);
        const tokens = emulator.emulator.received
          .map((r) => r.headers['authorization']?.replace(/^Bearer /, ''))
          .filter((t): t is string => t !== undefined);
        const { apiKey, privateKey } = emulator.emulator.credentials;
        for (const secret of [apiKey, privateKey.slice(40, 80), ...new Set(tokens)])
          expect(logged).not.toContain(secret);
      } finally {
        await client.close();
        await emulator.close();
        await doomed.stop();
      }
    });
  });

  describe('client detection', () => {
    it('tells node-redis from ioredis, and takes an explicit { client, kind }', async () => {
      const node = await connect('node-redis');
      const io = await connect('ioredis');
      const key = `test:detect:${crypto.randomUUID()}`;
      await createRedisTokenStore(node).set(key, token('A'), 60_000);
      expect((await createRedisTokenStore(io).get(key))?.accessToken).toBe('A');
      expect((await createRedisTokenStore({ client: node, kind: 'node-redis' }).get(key))?.accessToken).toBe(
        'A',
      );
      expect((await createRedisTokenStore({ client: io }).get(key))?.accessToken).toBe('A');
      // node-redis has no call(): calling it ioredis is refused at once, not at the first command.
      expect(() => createRedisTokenStore({ client: node, kind: 'ioredis' })).toThrow(TypeError);
    });

    it('rejects what is not a Redis client', () => {
      for (const bad of [null, undefined, 'redis://localhost', {}, { client: {} }, { client: null }]) {
        expect(() => createRedisTokenStore(bad as unknown as RedisClient)).toThrow(
          /expected a node-redis \(v4\+\) client, an ioredis \(v5\+\) client/,
        );
      }
      expect(() =>
        createRedisTokenStore({ client: { call: async () => null }, kind: 'memcached' as 'ioredis' }),
      ).toThrow('kind must be "node-redis" or "ioredis"');
    });

    it('throws errors safe to log: the command, the class name and a Redis prefix or Node code, no argument', async () => {
      const replyError = Object.assign(
        new Error("ERR unknown command 'EVAL', with args beginning with: 'SECRET-TOKEN'"),
        { name: 'ReplyError', command: { name: 'eval', args: ['script', '1', 'key', 'SECRET-TOKEN'] } },
      );
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), {
        code: 'ECONNREFUSED',
      });
      const failures = [replyError, refused, new Error('SECRET-TOKEN is odd')];
      const store = createRedisTokenStore({
        call: async () => {
          throw failures.shift();
        },
      });
      const thrown = await Promise.all([
        store.invalidate?.('k', 'SECRET-TOKEN').catch((e: unknown) => e),
        store.get('k').catch((e: unknown) => e),
        store.set('k', token('SECRET-TOKEN'), 1_000).catch((e: unknown) => e),
      ]);
      expect(
        thrown.map((e) => describeStoreFailure({ operation: 'get', reason: 'error', error: e }).fields),
      ).toEqual([
        { operation: 'get', reason: 'error', errorName: 'ReplyError', errorCode: 'ERR' },
        { operation: 'get', reason: 'error', errorName: 'Error', errorCode: 'ECONNREFUSED' },
        { operation: 'get', reason: 'error', errorName: 'Error' },
      ]);
      for (const e of thrown) {
        expect(e).toBeInstanceOf(Error);
        expect(inspect(e, { showHidden: true, depth: 5 })).not.toContain('SECRET');
      }
    });

    it('reports a stored value that is not JSON without quoting it', async () => {
      const store = createRedisTokenStore({ call: async () => 'SECRET-TOKEN' });
      const err = await store.get('k').catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'RedisStoreError', code: 'EINVALIDJSON' });
      expect(inspect(err, { showHidden: true })).not.toContain('SECRET');
    });

    it('reads Buffer replies and non-string replies as text', async () => {
      const replies: unknown[] = [Buffer.from('OK'), 1];
      const store = createRedisTokenStore({ sendCommand: async () => replies.shift() ?? null });
      const lock = await store.lock?.('k', 1_000);
      expect(lock).toBeDefined();
      expect(await lock?.extend?.(1_000)).toBe(true);
    });
  });
});
