import type { StoredToken, TokenStore, TokenStoreLock } from '../auth/token-store.js';

/** Which Redis client library a client comes from. */
export type RedisClientKind = 'node-redis' | 'ioredis';

/** The part of a node-redis (`redis` ≥ 4) client the store uses. */
export interface NodeRedisClient {
  /** Sends one command, e.g. `['GET', key]`, and resolves to its reply. */
  sendCommand(args: readonly string[]): Promise<unknown>;
}

/** The part of an ioredis (≥ 5) `Redis` or `Cluster` the store uses. */
export interface IoRedisClient {
  /** Sends one command, e.g. `('GET', key)`, and resolves to its reply. */
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** A node-redis or ioredis client. */
export type RedisClient = NodeRedisClient | IoRedisClient;

/** Options of {@link createRedisTokenStore}, to name the client library explicitly. */
export interface RedisTokenStoreOptions {
  /** Your connected client; the store never connects, closes or configures it. */
  readonly client: RedisClient;
  /** @default detected: `call()` means ioredis, else `sendCommand()` node-redis */
  readonly kind?: RedisClientKind | undefined;
}

type Send = (command: string, ...args: string[]) => Promise<unknown>;

// Keeps a stored token expiring after ARGV[2] (an older refresh must not replace it), else writes ARGV[1].
const SET_SCRIPT = `
local ok, t = pcall(cjson.decode, redis.call('GET', KEYS[1]) or 'null')
if ok and type(t) == 'table' and tonumber(t.expiresAt) and tonumber(t.expiresAt) > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;
// Compare-and-delete: drops the token only if it is still ARGV[1], the one the API refused.
const INVALIDATE_SCRIPT = `
local ok, t = pcall(cjson.decode, redis.call('GET', KEYS[1]) or 'null')
if ok and type(t) == 'table' and t.accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
// Extends the lock by ARGV[2] ms, or without it releases it, only for the holder ARGV[1] that took it.
const LOCK_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return redis.call('DEL', KEYS[1])`;

/**
 * A {@link TokenStore} on your connected node-redis (≥ 4) or ioredis (≥ 5) client, so a fleet
 * shares one access token (see docs/token-store.md). Throws a TypeError for anything else.
 */
export function createRedisTokenStore(client: RedisClient | RedisTokenStoreOptions): TokenStore {
  const raw = adapt(client);
  const send: Send = (command, ...args) =>
    raw(command, ...args).catch((err: unknown) => {
      throw safeError(command, err);
    });
  const evalScript = (script: string, key: string, ...args: string[]) =>
    send('EVAL', script, '1', key, ...args);

  return {
    async get(key: string): Promise<StoredToken | undefined> {
      const value = text(await send('GET', key));
      if (value === undefined) return undefined;
      try {
        return JSON.parse(value) as StoredToken; // the SDK checks the shape
      } catch {
        // V8's SyntaxError would quote the value.
        throw storeError('Redis GET returned a value that is not JSON', 'EINVALIDJSON');
      }
    },

    async set(key: string, token: StoredToken, ttlMs: number): Promise<void> {
      const value = JSON.stringify(token, ['accessToken', 'expiresAt', 'lifetimeSeconds']);
      await evalScript(SET_SCRIPT, key, value, String(token.expiresAt), ttl(ttlMs));
    },

    async invalidate(key: string, accessToken: string): Promise<void> {
      await evalScript(INVALIDATE_SCRIPT, key, accessToken);
    },

    async lock(key: string, ttlMs: number): Promise<TokenStoreLock | undefined> {
      const lockKey = `${key}:lock`;
      const owner = crypto.randomUUID();
      if (text(await send('SET', lockKey, owner, 'NX', 'PX', ttl(ttlMs))) !== 'OK') return undefined;
      return {
        release: async () => void (await evalScript(LOCK_SCRIPT, lockKey, owner)),
        extend: async (ms: number) => Number(await evalScript(LOCK_SCRIPT, lockKey, owner, ttl(ms))) === 1,
      };
    },
  };
}

// The returned function is async: a client that throws synchronously rejects like any other failure.
function adapt(input: RedisClient | RedisTokenStoreOptions): Send {
  const isClient = hasMethod(input, 'call') || hasMethod(input, 'sendCommand');
  const { client, kind } = isClient
    ? { client: input, kind: undefined }
    : { ...(input as RedisTokenStoreOptions) };
  if (kind !== undefined && kind !== 'node-redis' && kind !== 'ioredis') {
    throw new TypeError('createRedisTokenStore: kind must be "node-redis" or "ioredis"');
  }
  // ioredis has both call() and a sendCommand(Command) of its own; node-redis has no call().
  if ((kind ?? 'ioredis') === 'ioredis' && hasMethod(client, 'call')) {
    return async (command, ...args) => (client as IoRedisClient).call(command, ...args);
  }
  if ((kind ?? 'node-redis') === 'node-redis' && hasMethod(client, 'sendCommand')) {
    return async (...args) => (client as NodeRedisClient).sendCommand(args);
  }
  throw new TypeError(
    'createRedisTokenStore: expected a node-redis (v4+) client, an ioredis (v5+) client, or { client, kind }',
  );
}

function hasMethod(value: unknown, name: string): boolean {
  return typeof (value as Record<string, unknown> | null | undefined)?.[name] === 'function';
}

/** A reply as text (strings, or Buffers with some options); nil is `undefined`. */
function text(reply: unknown): string | undefined {
  if (reply === null || reply === undefined) return undefined;
  return reply instanceof Uint8Array ? new TextDecoder().decode(reply) : String(reply);
}

const ttl = (ms: number) => String(Math.max(1, Math.ceil(ms)));

// Of a client's error only its class name, a Node code or a Redis prefix: the rest can carry the token.
const SAFE_CODE = /^[A-Z][A-Z0-9_]{1,39}$/;
const REDIS_ERROR =
  /^(ERR|WRONGTYPE|NOAUTH|WRONGPASS|NOPERM|NOSCRIPT|READONLY|LOADING|BUSY|MASTERDOWN|MISCONF|OOM|CROSSSLOT|CLUSTERDOWN|TRYAGAIN|MOVED|ASK)(?![A-Z])/;

function storeError(message: string, code: string | undefined, name = 'RedisStoreError'): Error {
  return Object.assign(new Error(message), { name, code });
}

function safeError(command: string, err: unknown): Error {
  const name = err instanceof Error && /^[A-Za-z]{1,40}$/.test(err.name) ? err.name : 'RedisStoreError';
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const safe = typeof code === 'string' && SAFE_CODE.test(code) ? code : REDIS_ERROR.exec(`${message}`)?.[1];
  return storeError(`Redis ${command} failed${safe === undefined ? '' : ` (${safe})`}`, safe, name);
}
