import { loadNodeCrypto } from './private-key.js';

/**
 * What a {@link TokenStore} keeps: the access token and its expiry, nothing else (no private key,
 * no API key, no assertion).
 */
export interface StoredToken {
  /** The bearer token, as the token endpoint issued it. */
  readonly accessToken: string;
  /** When it stops being valid, epoch milliseconds (clock of the process that minted it). */
  readonly expiresAt: number;
  /**
   * The lifetime it was granted, in seconds (the token endpoint's `expires_in`). Every process
   * scales its refresh margins by it, so a fleet refreshes at the same point of the token's life.
   */
  readonly lifetimeSeconds: number;
}

/**
 * A lock taken with {@link TokenStore.lock}. Held by one process at a time until released or until
 * its time-to-live runs out (so a holder that dies cannot block the others for longer).
 */
export interface TokenStoreLock {
  /** Releases the lock if it is still this holder's (one taken over after expiry is left alone). */
  release(): Promise<void>;
  /**
   * Optional: extends the lock's time-to-live while the holder is still working, if it is still
   * this holder's. The SDK calls it every third of the time-to-live during a slow token request.
   * @param ttlMs - new time-to-live from now, in ms
   * @returns `false` when the lock was lost (expired, or taken by another process)
   */
  extend?(ttlMs: number): Promise<boolean>;
}

/**
 * Where the SDK keeps the access token so that several clients — in one process or across a fleet
 * of processes — share one token instead of each minting its own (Unico's default rate limit is 10
 * requests per second per tenant, token requests included).
 *
 * Keys are opaque: `unico-idcloud:token:<sha256>` of the environment, token URL, tenant and account
 * name; they never contain the private key or the API key. Values are only {@link StoredToken}s.
 *
 * The SDK never trusts a store to be up: every call is bounded by a short timeout, and an error or a
 * timeout is reported to `logger.warn` and answered from the client's in-memory path, so a store
 * outage never fails a call. Implementations may throw (or reject) freely from every method.
 *
 * `get` and `set` are required; `invalidate` (compare-and-delete) and `lock` are optional but make
 * a fleet cheaper: without `lock`, processes that start together each mint a token; without
 * `invalidate`, a token revoked by Unico stays in the store until a process replaces it.
 *
 * @example
 * ```ts
 * import { createRedisTokenStore } from 'unico-idcloud/redis';
 * const client = new IdCloudClient({ ...options, tokenStore: createRedisTokenStore(redis) });
 * ```
 */
export interface TokenStore {
  /**
   * Reads the token stored under `key`.
   * @param key - the opaque cache key
   * @returns the stored token, or `undefined` when there is none (or it has expired)
   */
  get(key: string): Promise<StoredToken | undefined>;
  /**
   * Stores `token` under `key` for `ttlMs`. Should keep the current value when it expires later
   * than `token` (a slow, older refresh must not replace a newer token).
   * @param key - the opaque cache key
   * @param token - the token and its expiry
   * @param ttlMs - how long to keep it: the time left before it expires, in ms (≥ 1)
   */
  set(key: string, token: StoredToken, ttlMs: number): Promise<void>;
  /**
   * Optional compare-and-delete: removes the token under `key` only if it is still `accessToken`
   * (the one the API just refused with a 401), so a token another process refreshed meanwhile is
   * kept. Must be atomic across processes.
   * @param key - the opaque cache key
   * @param accessToken - the token that was refused
   */
  invalidate?(key: string, accessToken: string): Promise<void>;
  /**
   * Optional: takes the minting lock of `key` if nobody holds it (`SET NX PX` in Redis), so only one
   * process of a fleet requests a token while the others wait and read it.
   * @param key - the opaque cache key (the store derives its own lock key from it)
   * @param ttlMs - the lock's time-to-live in ms; it frees itself after that if never released
   * @returns the lock, or `undefined` when another holder has it
   */
  lock?(key: string, ttlMs: number): Promise<TokenStoreLock | undefined>;
}

/**
 * Builds the store key of one service account in one environment: a SHA-256 of the environment
 * name, token URL, tenant id and account name. Never the private key nor the API key.
 * @param parts - what identifies the token
 * @returns `unico-idcloud:token:<64 hex digits>`
 */
export async function tokenStoreKey(parts: {
  readonly environment: string;
  readonly tokenUrl: string;
  readonly tenantId: string;
  readonly accountName: string;
}): Promise<string> {
  // JSON keeps the parts apart: ('ab', 'c') and ('a', 'bc') must not collide.
  const material = JSON.stringify([parts.environment, parts.tokenUrl, parts.tenantId, parts.accountName]);
  const node = loadNodeCrypto();
  const hex = node
    ? node.createHash('sha256').update(material).digest('hex')
    : Array.from(
        new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(material))),
        (b) => b.toString(16).padStart(2, '0'),
      ).join('');
  return `unico-idcloud:token:${hex}`;
}

/** Whether a value read from a store is a {@link StoredToken} (stores hold bytes written by anything). */
export function isStoredToken(value: unknown): value is StoredToken {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['accessToken'] === 'string' &&
    v['accessToken'].length > 0 &&
    typeof v['expiresAt'] === 'number' &&
    Number.isFinite(v['expiresAt']) &&
    typeof v['lifetimeSeconds'] === 'number' &&
    Number.isFinite(v['lifetimeSeconds']) &&
    v['lifetimeSeconds'] > 0
  );
}

/**
 * A {@link TokenStore} in this process's memory, with the full contract (expiry, keep-the-later
 * write, compare-and-delete, lock with time-to-live). Pass one instance to several clients to make
 * them share one token inside a process; across processes use `unico-idcloud/redis`.
 *
 * @example
 * ```ts
 * const tokenStore = new MemoryTokenStore();
 * const a = new IdCloudClient({ ...options, tokenStore });
 * const b = new IdCloudClient({ ...options, tokenStore }); // reuses a's token
 * ```
 */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, { readonly token: StoredToken; readonly until: number }>();
  readonly #locks = new Map<string, { readonly owner: symbol; readonly until: number }>();
  readonly #now: () => number;

  /** @param options - `now`: the clock of time-to-live (epoch ms), for tests. @default Date.now */
  constructor(options: { readonly now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<StoredToken | undefined> {
    const entry = this.#tokens.get(key);
    if (entry === undefined || entry.until > this.#now()) return entry && { ...entry.token };
    this.#tokens.delete(key);
    return undefined;
  }

  async set(key: string, token: StoredToken, ttlMs: number): Promise<void> {
    const current = await this.get(key);
    if (current !== undefined && current.expiresAt > token.expiresAt) return;
    this.#tokens.set(key, { token: { ...token }, until: this.#now() + ttlMs });
  }

  async invalidate(key: string, accessToken: string): Promise<void> {
    if (this.#tokens.get(key)?.token.accessToken === accessToken) this.#tokens.delete(key);
  }

  async lock(key: string, ttlMs: number): Promise<TokenStoreLock | undefined> {
    if ((this.#locks.get(key)?.until ?? 0) > this.#now()) return undefined;
    const owner = Symbol('lock');
    this.#locks.set(key, { owner, until: this.#now() + ttlMs });
    const held = () => this.#locks.get(key)?.owner === owner;
    return {
      release: async () => {
        if (held()) this.#locks.delete(key);
      },
      extend: async (ms: number) => {
        if (!held() || this.#locks.get(key)!.until <= this.#now()) return false;
        this.#locks.set(key, { owner, until: this.#now() + ms });
        return true;
      },
    };
  }
}
