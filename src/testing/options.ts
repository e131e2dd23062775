/** Credentials the emulator accepts, made for you: pass them to `IdCloudClient`. */
export interface EmulatorCredentials {
  /** Service account name; the assertion's issuer is `<accountName>@<tenantId>.iam.acesso.io`. */
  readonly accountName: string;
  /** Tenant id of the service account. */
  readonly tenantId: string;
  /** PKCS#8 PEM of a throwaway RSA-2048 key generated at start. */
  readonly privateKey: string;
  /** The APIKEY the emulated `/processes/v1` expects. */
  readonly apiKey: string;
}

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /** Lifetime of issued access tokens, in seconds. @default 3600 */
  readonly tokenTtlSeconds?: number;
  /** Delay before the token endpoint answers, in ms (a slow token service; also settable later on `emulator.tokenDelayMs`). @default 0 */
  readonly tokenDelayMs?: number;
  /** `Retry-After` of the `rate-limited` scenario, in seconds (also settable later on `emulator.retryAfterSeconds`). @default 1 */
  readonly retryAfterSeconds?: number;
  /** GET answers of a `processing-then-*` process that still say status 1 (also settable on `emulator.pollsBeforeFinal`). @default 2 */
  readonly pollsBeforeFinal?: number;
  /** Clock used for token, assertion and capture expiry (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** @default 'emulator' */
  readonly accountName?: string;
  /** @default 'emulator-tenant' */
  readonly tenantId?: string;
  /** @default a random key */
  readonly apiKey?: string;
}

/** A canned answer for the next CreateProcess request(s), replacing the scenario. */
export interface InjectedResponse {
  /** HTTP status to answer with. */
  readonly status: number;
  /** JSON-serialised unless a string. */
  readonly body?: unknown;
  /** Extra response headers, e.g. `retry-after`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One request the emulator received (test-only: bodies include what the SDK sent). */
export interface ReceivedRequest {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** URL path, e.g. `/processes/v1`. */
  readonly path: string;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body as received. */
  readonly body: string;
}
