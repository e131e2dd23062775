import type { Dispatcher } from 'undici';
import {
  type AssertionKey,
  type AssertionSigner,
  assertionIssuer,
  externalSigner,
} from '../auth/assertion.js';
import { importPrivateKey, type PrivateKeyInput } from '../auth/private-key.js';
import type { TokenStore } from '../auth/token-store.js';
import { type FieldIssue, InvalidConfigError } from '../errors.js';
import type { Transport } from '../http/transport.js';
import { ENVIRONMENTS, type Environment, type ResolvedEnvironment } from './environment.js';
import type { AppInfo, Hooks, Logger } from './observability.js';

/**
 * The service account issued by Unico for one environment (spec §2.1). Give exactly one of
 * `privateKey` and `signer`.
 */
export interface ServiceAccount {
  /** Account name, as in the issuer `<accountName>@<tenantId>.iam.acesso.io`. */
  readonly accountName: string;
  /** Tenant id. */
  readonly tenantId: string;
  /**
   * RSA private key: PKCS#8 or PKCS#1 PEM (literal `\n` sequences from environment variables are
   * accepted), a `KeyObject`, or a `CryptoKey` for RSASSA-PKCS1-v1_5/SHA-256. Checked at
   * construction; the string is not kept.
   */
  readonly privateKey?: PrivateKeyInput | undefined;
  /**
   * Instead of `privateKey`: signs the assertion with a key that never leaves a KMS or an HSM.
   * Gets the JWS signing input and returns its RS256 (RSASSA-PKCS1-v1_5/SHA-256) signature.
   * A signer that throws or returns anything but a signature fails the call with `ERR_TOKEN`.
   * @example
   * ```ts
   * signer: async (input) => new Uint8Array((await kms.send(new SignCommand({
   *   KeyId, Message: input, MessageType: 'RAW', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
   * }))).Signature!)
   * ```
   */
  readonly signer?: AssertionSigner | undefined;
}

/** Options of {@link IdCloudClient}. */
export interface ClientOptions {
  /** `'uat'`, `'production'`, or explicit URLs. Selects API host, token URL and assertion `aud` together. */
  readonly environment: Environment;
  /** The service account: its names, and the key or signer of its token assertions. */
  readonly serviceAccount: ServiceAccount;
  /** The APIKEY provisioned for this environment (Liveness + Identity Verification). */
  readonly apiKey: string;
  /** Budget of one `createProcess` call, token wait and retries included, in ms. @default 30000 */
  readonly timeoutMs?: number | undefined;
  /** Budget of each HTTP attempt of a call, in ms; `timeoutMs` still bounds the whole call. @default 25000 */
  readonly attemptTimeoutMs?: number | undefined;
  /** Budget of one token refresh (all its attempts), in ms. @default 10000 */
  readonly tokenTimeoutMs?: number | undefined;
  /**
   * Retries of failures that provably did not reach Unico (connection refused, DNS) and of 429.
   * A 401 is always retried once with a new token, outside this count. @default 2
   */
  readonly maxRetries?: number | undefined;
  /**
   * Also retry CreateProcess failures that happened after the request may have reached Unico
   * (5xx, connection lost, attempt timeout), within `maxRetries` and `timeoutMs`. **Risk:** such a
   * retry can create a second (billed) process for the same person; with an SDK capture the retry
   * usually fails with 10508 (capture already used) if the first attempt was processed. Off by
   * default: those failures raise `ERR_OUTCOME_UNKNOWN`. @default false
   */
  readonly retryOutcomeUnknown?: boolean | undefined;
  /** An undici dispatcher of yours (proxy, custom TLS, MockAgent). Not closed by `close()`. */
  readonly dispatcher?: Dispatcher | undefined;
  /** Replaces the HTTP stack entirely (advanced; `dispatcher` is then ignored). */
  readonly transport?: Transport | undefined;
  /** Diagnostics sink. @default none: the SDK logs nothing */
  readonly logger?: Logger | undefined;
  /**
   * Callbacks for request start/end, retries and token refreshes (ids, statuses, durations and
   * codes only). A throwing hook is ignored.
   */
  readonly hooks?: Hooks | undefined;
  /** Your SDK or application, appended to `User-Agent` (`unico-idcloud/x node/y name/version`). */
  readonly appInfo?: AppInfo | undefined;
  /**
   * Where the access token is shared — e.g. `createRedisTokenStore(redis)` from
   * `unico-idcloud/redis`, so a fleet of processes makes one token request instead of one each.
   * Store failures never fail a call: they are reported to `logger.warn` and the client carries on
   * with its in-memory token. See docs/token-store.md. @default none: the token lives in this client's memory
   */
  readonly tokenStore?: TokenStore | undefined;
}

/** Options after validation, with every default applied. */
export interface NormalizedOptions {
  readonly environment: ResolvedEnvironment;
  readonly issuer: string;
  /** The private key, or the caller's signer. */
  readonly key: AssertionKey;
  readonly apiKey: string;
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  readonly tokenTimeoutMs: number;
  readonly maxRetries: number;
  readonly retryOutcomeUnknown: boolean;
  readonly dispatcher: Dispatcher | undefined;
  readonly transport: Transport | undefined;
  readonly logger: Logger | undefined;
  readonly tokenStore: TokenStore | undefined;
  readonly hooks: Hooks | undefined;
  readonly appInfo: AppInfo | undefined;
}

const KNOWN = new Set([
  'environment',
  'serviceAccount',
  'apiKey',
  'timeoutMs',
  'attemptTimeoutMs',
  'tokenTimeoutMs',
  'maxRetries',
  'retryOutcomeUnknown',
  'dispatcher',
  'transport',
  'logger',
  'hooks',
  'appInfo',
  'tokenStore',
]);

/**
 * Validates options once, naming each bad option; never echoes a secret.
 * @param options - what the caller passed
 * @returns fully populated options
 * @throws InvalidConfigError listing every problem
 */
export function normalizeOptions(options: ClientOptions): NormalizedOptions {
  const issues: FieldIssue[] = [];
  const problem = (path: string, message: string) => issues.push({ path, message });
  if (typeof options !== 'object' || options === null)
    throw new InvalidConfigError([{ path: '', message: 'options object is required' }]);
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) problem(key, 'unknown option');

  const environment = resolveEnvironment(options.environment, problem);

  const account = options.serviceAccount as Partial<ServiceAccount> | undefined;
  if (typeof account !== 'object' || account === null) problem('serviceAccount', 'is required');
  const accountName = checkName(account?.accountName, 'serviceAccount.accountName', problem);
  const tenantId = checkName(account?.tenantId, 'serviceAccount.tenantId', problem);
  let key: AssertionKey | undefined;
  if (account?.privateKey !== undefined && account.signer !== undefined) {
    problem('serviceAccount', 'give either privateKey or signer, not both');
  } else if (account?.signer !== undefined) {
    if (typeof account.signer === 'function') key = externalSigner(account.signer);
    else problem('serviceAccount.signer', 'must be a function (signingInput) => Promise<Uint8Array>');
  } else if (account?.privateKey === undefined) {
    if (account) problem('serviceAccount.privateKey', 'is required (or give serviceAccount.signer)');
  } else {
    const imported = importPrivateKey(account.privateKey);
    if (imported.ok) key = imported.key;
    else issues.push(imported.issue);
  }

  const apiKey = options.apiKey;
  if (typeof apiKey !== 'string' || apiKey.length === 0)
    problem('apiKey', 'is required (a non-empty string)');
  // Header injection and copy-paste accidents: a key with whitespace is never valid.
  else if (/\s/.test(apiKey)) problem('apiKey', 'must not contain whitespace or line breaks');

  const int = (
    name: 'timeoutMs' | 'attemptTimeoutMs' | 'tokenTimeoutMs' | 'maxRetries',
    d: number,
    max: number,
  ) => checkInt(options[name], name, d, name === 'maxRetries' ? 0 : 1, max, problem);
  const timeoutMs = int('timeoutMs', 30_000, 600_000);
  const attemptTimeoutMs = int('attemptTimeoutMs', 25_000, 600_000);
  const tokenTimeoutMs = int('tokenTimeoutMs', 10_000, 120_000);
  const maxRetries = int('maxRetries', 2, 10);
  const retryOutcomeUnknown = options.retryOutcomeUnknown ?? false;
  if (typeof retryOutcomeUnknown !== 'boolean') problem('retryOutcomeUnknown', 'must be a boolean');
  const has = (value: unknown, names: string[]) =>
    names.every((m) => typeof (value as Record<string, unknown> | null)?.[m] === 'function');
  if (options.transport !== undefined && !has(options.transport, ['request']))
    problem('transport', 'must have a request() method');
  // dispatch() is what lets the transport see the moment a request is written (proof of "not sent").
  if (options.dispatcher !== undefined && !has(options.dispatcher, ['dispatch']))
    problem('dispatcher', 'must be an undici Dispatcher (with a dispatch() method)');
  const logger = options.logger;
  if (logger !== undefined && !has(logger, ['debug', 'info', 'warn', 'error']))
    problem('logger', 'must have debug, info, warn and error methods');
  const tokenStore = options.tokenStore as unknown as Record<string, unknown> | undefined;
  if (tokenStore !== undefined) {
    if (!has(tokenStore, ['get', 'set']))
      problem('tokenStore', 'must be an object with get() and set() methods');
    else if (['invalidate', 'lock'].some((m) => tokenStore[m] !== undefined && !has(tokenStore, [m])))
      problem('tokenStore', 'invalidate and lock must be methods when present');
  }

  const hooks = options.hooks;
  if (hooks !== undefined && (typeof hooks !== 'object' || hooks === null))
    problem('hooks', 'must be an object');
  const appInfo = options.appInfo;
  if (
    appInfo !== undefined &&
    (typeof appInfo?.name !== 'string' ||
      !/^[\w.-]{1,64}$/.test(appInfo.name) ||
      (appInfo.version !== undefined && !/^[\w.+-]{1,32}$/.test(String(appInfo.version))))
  ) {
    problem(
      'appInfo',
      'must be { name, version? } of letters, digits, ".", "_", "-" (it goes into User-Agent)',
    );
  }
  if (issues.length > 0 || environment === undefined || key === undefined)
    throw new InvalidConfigError(issues);
  return {
    environment,
    issuer: assertionIssuer(accountName, tenantId),
    key,
    apiKey: apiKey as string,
    timeoutMs,
    attemptTimeoutMs,
    tokenTimeoutMs,
    maxRetries,
    retryOutcomeUnknown: retryOutcomeUnknown === true,
    dispatcher: options.dispatcher,
    transport: options.transport,
    logger,
    hooks,
    appInfo,
    tokenStore: options.tokenStore,
  };
}

type Problem = (path: string, message: string) => void;

function resolveEnvironment(env: unknown, problem: Problem): ResolvedEnvironment | undefined {
  if (env === 'uat' || env === 'production') return ENVIRONMENTS[env];
  if (typeof env !== 'object' || env === null) {
    problem('environment', 'must be "uat", "production" or { apiBaseUrl, tokenUrl, audience? }');
    return undefined;
  }
  const custom = env as Record<string, unknown>;
  const apiBaseUrl = checkUrl(custom['apiBaseUrl'], 'environment.apiBaseUrl', problem);
  const tokenUrl = checkUrl(custom['tokenUrl'], 'environment.tokenUrl', problem);
  let audience = custom['audience'];
  if (audience !== undefined) {
    if (typeof audience !== 'string' || audience === '')
      problem('environment.audience', 'must be a non-empty string');
    else if (audience.endsWith('/'))
      problem('environment.audience', 'must not end with "/" (Unico compares it exactly)');
  }
  if (apiBaseUrl === undefined || tokenUrl === undefined) return undefined;
  audience ??= new URL(tokenUrl).origin;
  return {
    name: 'custom',
    apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
    tokenUrl,
    audience: audience as string,
  };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

function checkUrl(value: unknown, path: string, problem: Problem): string | undefined {
  if (typeof value !== 'string') {
    problem(path, 'is required (a URL)');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problem(path, 'is not a valid URL');
    return undefined;
  }
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && LOOPBACK.test(url.hostname)) return value;
  problem(path, 'must use https: (plain http: is only allowed for loopback hosts)');
  return undefined;
}

function checkName(value: unknown, path: string, problem: Problem): string {
  if (typeof value !== 'string' || value.length === 0) problem(path, 'is required (a non-empty string)');
  else if (/[\s@]/.test(value)) problem(path, 'must not contain spaces or "@"');
  return typeof value === 'string' ? value : '';
}

function checkInt(
  value: unknown,
  path: string,
  fallback: number,
  min: number,
  max: number,
  problem: Problem,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problem(path, `must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}
