// A fleet of real processes sharing one token through a real redis-server: each worker is a child
// process (`node --import tsx test/redis/fixtures/fleet-worker.ts`) with its own IdCloudClient and
// Redis client, all pointed at one emulator served from this test process, which counts token
// requests. Measurements go to .tmp/redis-fleet.json and to stdout. FLEET_LIBS=ioredis (or
// node-redis) runs one library only, when working on it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_TTL_MS } from '../../src/auth/fleet.js';
import { type EmulatorServer, SCENARIOS, startEmulatorServer } from '../../src/testing/index.js';
import {
  announceMissingServer,
  type RedisServer,
  rawCommand,
  startRedisServer,
} from './helpers/redis-server.js';

announceMissingServer('test/redis/fleet.test.ts');

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./fixtures/fleet-worker.ts', import.meta.url));
const FLEET_SIZE = 8;
const CPF = SCENARIOS.verified.cpf;
const LIBS = ['node-redis', 'ioredis'] as const;
const ONLY = process.env['FLEET_LIBS']?.split(',');
type Lib = (typeof LIBS)[number];

interface RunReply {
  readonly ok: number;
  readonly failed: string[];
  readonly kinds: string[];
  readonly startedAt: number;
  readonly doneAt: number;
  readonly warnings: Array<{ message: string; fields?: Record<string, unknown> }>;
}

/** One fleet instance: a child process driven over stdin/stdout. */
class Worker {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  #nextId = 1;
  #stderr = '';
  #exit: string | undefined;

  constructor() {
    this.#child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stderr?.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => {
      let message: { id: number; error?: string };
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      const waiter = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`worker: ${message.error}`));
      else waiter?.resolve(message);
    });
    this.#child.once('exit', (code, signal) => {
      this.#exit = `exited (code ${code}, signal ${signal})`;
      for (const waiter of this.#pending.values())
        waiter.reject(new Error(`worker ${this.#exit}\n${this.#stderr}`));
      this.#pending.clear();
    });
    this.ready = this.#await(0);
  }

  /** Resolves when the worker has loaded and is listening. */
  readonly ready: Promise<unknown>;

  get alive(): boolean {
    return this.#exit === undefined;
  }

  send<T>(command: Record<string, unknown>): Promise<T> {
    if (!this.alive) return Promise.reject(new Error(`worker ${this.#exit}`));
    const id = this.#nextId++;
    const answer = this.#await(id) as Promise<T>;
    this.#child.stdin?.write(`${JSON.stringify({ id, ...command })}\n`);
    return answer;
  }

  configure(lib: Lib, redisPort: number, server: EmulatorServer): Promise<unknown> {
    return this.send({ cmd: 'configure', lib, redisPort, clientOptions: server.clientOptions() });
  }

  run(calls: number): Promise<RunReply> {
    return this.send<RunReply>({ cmd: 'run', calls, cpf: CPF });
  }

  warmup(): Promise<{ startedAt: number; doneAt: number }> {
    return this.send({ cmd: 'warmup' });
  }

  kill(): void {
    this.#child.kill('SIGKILL');
  }

  async exit(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    await this.send({ cmd: 'exit' }).catch(() => undefined);
    await Promise.race([exited, sleep(2_000).then(() => this.kill())]);
  }

  #await(id: number): Promise<unknown> {
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const measurements: Record<string, unknown> = { lockTtlMs: LOCK_TTL_MS, fleetSize: FLEET_SIZE };

describe('a fleet of processes sharing one token through a real Redis', () => {
  let redis: RedisServer;
  let pool: Worker[] = [];
  const servers: EmulatorServer[] = [];

  /** Replaces dead workers (the killed lock holder) so every scenario has a full fleet. */
  async function fleet(): Promise<Worker[]> {
    pool = pool.map((w) => (w.alive ? w : new Worker()));
    await Promise.all(pool.map((w) => w.ready));
    return pool;
  }

  async function emulator(options: Parameters<typeof startEmulatorServer>[0] = {}): Promise<EmulatorServer> {
    const server = await startEmulatorServer(options);
    servers.push(server);
    return server;
  }

  async function configureFleet(lib: Lib, redisPort: number, server: EmulatorServer): Promise<Worker[]> {
    const workers = await fleet();
    await rawCommand(redisPort, ['FLUSHALL']);
    await Promise.all(workers.map((w) => w.configure(lib, redisPort, server)));
    return workers;
  }

  function expectAllSucceeded(replies: RunReply[], calls: number): void {
    expect(replies.map((r) => r.failed)).toEqual(replies.map(() => []));
    expect(replies.map((r) => r.ok)).toEqual(replies.map(() => calls));
    expect(new Set(replies.flatMap((r) => r.kinds))).toEqual(new Set(['verified']));
  }

  beforeAll(async () => {
    redis = await startRedisServer();
    pool = Array.from({ length: FLEET_SIZE }, () => new Worker());
    await Promise.all(pool.map((w) => w.ready));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(pool.map((w) => w.exit()));
    await Promise.all(servers.map((s) => s.close()));
    await redis?.stop();
    mkdirSync(new URL('../../.tmp/', import.meta.url), { recursive: true });
    const record = { at: new Date().toISOString(), pid: process.pid, ...measurements };
    writeFileSync(
      new URL('../../.tmp/redis-fleet.json', import.meta.url),
      `${JSON.stringify(record, null, 2)}\n`,
    );
    process.stdout.write(`\n[redis fleet measurements] ${JSON.stringify(measurements)}\n`);
  }, 60_000);

  describe.each(LIBS.filter((l) => !ONLY || ONLY.includes(l)))('with %s', (lib) => {
    it(`makes exactly one token request for ${FLEET_SIZE} processes × 50 concurrent calls on a cold shared store`, async () => {
      const server = await emulator();
      const workers = await configureFleet(lib, redis.port, server);

      const replies = await Promise.all(workers.map((w) => w.run(50)));

      expectAllSucceeded(replies, 50);
      expect(replies.flatMap((r) => r.warnings)).toEqual([]);
      expect(server.emulator.stats.processRequests).toBe(FLEET_SIZE * 50);
      expect(server.emulator.stats.tokenRequests).toBe(1);
      // The lock was released; only the token is left.
      expect(await rawCommand(redis.port, ['DBSIZE'])).toBe(':1');
      measurements[`${lib}.fleetTokenRequests`] = server.emulator.stats.tokenRequests;
      measurements[`${lib}.fleetCalls`] = server.emulator.stats.processRequests;
    }, 60_000);

    it('after a 401 (revoked token) the whole fleet makes one more token request, not one per process', async () => {
      const server = await emulator();
      const workers = await configureFleet(lib, redis.port, server);
      expectAllSucceeded(await Promise.all(workers.map((w) => w.run(5))), 5);
      expect(server.emulator.stats.tokenRequests).toBe(1);

      server.emulator.revokeTokens();
      const replies = await Promise.all(workers.map((w) => w.run(20)));

      expectAllSucceeded(replies, 20);
      expect(replies.flatMap((r) => r.warnings)).toEqual([]);
      // Every process got 401s; the shared token was replaced once and the others picked it up.
      expect(server.emulator.stats.tokenRequests).toBe(2);
      measurements[`${lib}.tokenRequestsAfter401`] = server.emulator.stats.tokenRequests - 1;
    }, 60_000);

    it('when the shared token expires, the fleet makes one token request for the next one', async () => {
      const ttlSeconds = 3;
      const server = await emulator({ tokenTtlSeconds: ttlSeconds });
      const workers = await configureFleet(lib, redis.port, server);
      const first = await Promise.all(workers.map((w) => w.run(10)));
      expectAllSucceeded(first, 10);
      expect(server.emulator.stats.tokenRequests).toBe(1);

      // Past the token's lifetime: Redis has dropped it (PX = its remaining lifetime).
      await sleep(ttlSeconds * 1000 + 300);
      expect(await rawCommand(redis.port, ['DBSIZE'])).toBe(':0');
      const second = await Promise.all(workers.map((w) => w.run(10)));

      expectAllSucceeded(second, 10);
      expect([...first, ...second].flatMap((r) => r.warnings)).toEqual([]);
      expect(server.emulator.stats.tokenRequests).toBe(2);
    }, 60_000);

    it('keeps every call succeeding when Redis is stopped mid-run, reporting the store errors without secrets', async () => {
      const doomed = await startRedisServer();
      try {
        const server = await emulator();
        const workers = await configureFleet(lib, doomed.port, server);
        expectAllSucceeded(await Promise.all(workers.map((w) => w.run(5))), 5);
        expect(server.emulator.stats.tokenRequests).toBe(1);

        await doomed.stop();
        // Force every process to need a new token while Redis is gone.
        server.emulator.revokeTokens();
        const startedAt = Date.now();
        const replies = await Promise.all(workers.map((w) => w.run(20)));
        const tookMs = Date.now() - startedAt;

        expectAllSucceeded(replies, 20);
        // No store to share through: each process got its own token, once. (Processes minting in
        // the same second can sign byte-identical assertions — RS256 is deterministic and `jti` is
        // forbidden — and the SDK retries a 1.2.7 refusal once with a fresh one: requests ≥ tokens.)
        expect(server.emulator.stats.tokensIssued).toBe(1 + FLEET_SIZE);
        expect(server.emulator.stats.tokenRequests).toBeLessThanOrEqual(1 + 2 * FLEET_SIZE);
        for (const reply of replies) {
          expect(reply.warnings.length).toBeGreaterThan(0);
          for (const warning of reply.warnings) {
            expect(warning.message).toMatch(/^unico-idcloud: token store/);
            expect(Object.keys(warning.fields ?? {}).sort()).toEqual(
              expect.arrayContaining(['operation', 'reason']),
            );
            for (const key of Object.keys(warning.fields ?? {}))
              expect(['operation', 'reason', 'errorName', 'errorCode']).toContain(key);
          }
        }
        const logged = JSON.stringify(replies.map((r) => r.warnings));
        const { apiKey, privateKey } = server.emulator.credentials;
        const tokens = server.emulator.received
          .map((r) => r.headers['authorization']?.replace(/^Bearer /, ''))
          .filter((t): t is string => t !== undefined);
        expect(tokens.length).toBeGreaterThan(0);
        for (const secret of [apiKey, privateKey.slice(40, 80), ...new Set(tokens)])
          expect(logged).not.toContain(secret);
        measurements[`${lib}.redisDownWaveMs`] = tookMs;
      } finally {
        await doomed.stop();
      }
    }, 60_000);

    it('recovers within the lock bound when the lock holder is killed mid-mint, with one more token request', async () => {
      // The token endpoint stalls, so the first process is inside its token request holding the lock.
      const server = await emulator({ tokenDelayMs: 30_000 });
      const [holder, ...others] = await configureFleet(lib, redis.port, server);
      if (holder === undefined) throw new Error('no fleet');
      const holderWarmup = holder.warmup().catch(() => 'killed');
      const until = Date.now() + 10_000;
      while (server.emulator.stats.tokenRequests < 1 && Date.now() < until) await sleep(10);
      expect(server.emulator.stats.tokenRequests).toBe(1);
      expect(await rawCommand(redis.port, ['EXISTS', await lockKey(redis.port)])).toBe(':1');

      // The others need a token too (warmup(): token acquisition only, no API call to time).
      const waiting = others.map((w) => w.warmup());
      await sleep(400); // they found the lock taken and are polling the store
      expect(server.emulator.stats.tokenRequests).toBe(1);

      holder.kill();
      const killedAt = Date.now();
      server.emulator.tokenDelayMs = 0;
      const warmed = await Promise.all(waiting);
      const recoveryMs = Math.max(...warmed.map((w) => w.doneAt)) - killedAt;

      expect(await holderWarmup).toBe('killed');
      // The killed one's request, then exactly one by whoever took the expired lock over (no
      // process fell back to minting on its own).
      expect(server.emulator.stats.tokenRequests).toBe(2);
      // Bound: what was left of the lock's time-to-live (at most 3 s: the holder extends it every
      // second while alive), a poll step (≤ 200 ms) and one token request — plus slack for a loaded
      // CI machine. Far below the local-fallback bound (tokenTimeoutMs + 3 s).
      expect(recoveryMs, `recovery took ${recoveryMs} ms`).toBeLessThan(LOCK_TTL_MS + 2_500);

      // And they all work on the recovered token.
      const replies = await Promise.all(others.map((w) => w.run(20)));
      expectAllSucceeded(replies, 20);
      // No process gave up waiting and minted on its own, and no store call failed.
      expect(replies.flatMap((r) => r.warnings)).toEqual([]);
      expect(server.emulator.stats.tokenRequests).toBe(2);
      measurements[`${lib}.recoveryAfterKilledHolderMs`] = recoveryMs;
      measurements[`${lib}.tokenRequestsWithKilledHolder`] = server.emulator.stats.tokenRequests;
    }, 60_000);
  });
});

/** The one lock key in Redis (its name is derived from the hashed token key). */
async function lockKey(port: number): Promise<string> {
  const { createClient } = await import('redis');
  const client = createClient({ socket: { host: '127.0.0.1', port } });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const keys = await client.keys('unico-idcloud:token:*:lock');
    expect(keys).toHaveLength(1);
    return keys[0] as string;
  } finally {
    client.destroy();
  }
}
