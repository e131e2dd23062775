import * as z from 'zod/mini';

/** What a {@link TokenStore} keeps: the access token and its expiry, never a key or an assertion. */
export interface StoredToken {
  /** The bearer token. */
  readonly accessToken: string;
  /** Epoch ms, by the clock of the process that minted it. */
  readonly expiresAt: number;
  /** As granted (`expires_in`): every process scales its refresh margins by it. */
  readonly lifetimeSeconds: number;
}

/** A minting lock from {@link TokenStore.lock}: one holder at a time, until released or expired. */
export interface TokenStoreLock {
  /** Releases the lock if it is still this holder's. */
  release(): Promise<void>;
  /** Optional: extends the lock to `ttlMs` from now if still this holder's; `false` if it was lost. */
  extend?(ttlMs: number): Promise<boolean>;
}

/**
 * Where clients, in one process or a fleet, share one access token. Methods may throw: the client
 * bounds every call, logs a failure and carries on in memory. See docs/token-store.md.
 */
export interface TokenStore {
  /** @returns the token stored under `key`, or `undefined` when there is none (or it expired) */
  get(key: string): Promise<StoredToken | undefined>;
  /** Stores `token` for `ttlMs` (≥ 1ms), unless the stored one expires later. */
  set(key: string, token: StoredToken, ttlMs: number): Promise<void>;
  /** Optional, atomic across processes: deletes the token under `key` only if it is still `accessToken`. */
  invalidate?(key: string, accessToken: string): Promise<void>;
  /** Optional: takes the minting lock of `key` for `ttlMs`, or `undefined` when another holder has it. */
  lock?(key: string, ttlMs: number): Promise<TokenStoreLock | undefined>;
}

export type TokenIdentity = Readonly<Record<'environment' | 'tokenUrl' | 'tenantId' | 'accountName', string>>;

// A contract with every process of a fleet: never change it. JSON keeps ('ab', 'c') from ('a', 'bc').
export async function tokenStoreKey(parts: TokenIdentity): Promise<string> {
  const material = JSON.stringify([parts.environment, parts.tokenUrl, parts.tenantId, parts.accountName]);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(material));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
  return `unico-idcloud:token:${hex}`;
}

const storedTokenSchema = z.object({
  accessToken: z.string().check(z.minLength(1)),
  expiresAt: z.number(),
  lifetimeSeconds: z.number().check(z.positive()),
});

// Stores hold bytes written by anything.
export const isStoredToken = (value: unknown): value is StoredToken =>
  storedTokenSchema.safeParse(value).success;

/**
 * A {@link TokenStore} in this process's memory, with the full contract. Pass one instance to
 * several clients to share one token in a process; across processes use `unico-idcloud/redis`.
 */
export class MemoryTokenStore implements TokenStore {
  readonly #tokens = new Map<string, { readonly token: StoredToken; readonly until: number }>();
  readonly #locks = new Map<string, { readonly owner: symbol; readonly until: number }>();
  readonly #now: () => number;

  /** `now`: the clock of time-to-live (epoch ms), for tests. */
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
