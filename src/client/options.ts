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

/** The service account issued by Unico for one environment (spec §2.1): give `privateKey` or `signer`. */
export interface ServiceAccount {
  /** Account name, as in the issuer `<accountName>@<tenantId>.iam.acesso.io`. */
  readonly accountName: string;
  /** Tenant id. */
  readonly tenantId: string;
  /**
   * RSA private key: PKCS#8 or PKCS#1 PEM (literal `\n` from environment variables accepted), a
   * `KeyObject`, or an RSASSA-PKCS1-v1_5/SHA-256 `CryptoKey`. Checked at construction, not kept as text.
   */
  readonly privateKey?: PrivateKeyInput | undefined;
  /**
   * Signs the assertion with a key kept in a KMS or HSM: gets the JWS signing input, returns its RS256
   * signature; a failure fails the call with `ERR_TOKEN`. See docs/recipes/kms-signer.md.
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
  /** Budget of one call, token wait and retries included, in ms. @default 30000 */
  readonly timeoutMs?: number | undefined;
  /** Budget of each HTTP attempt of a call, in ms. @default 25000 */
  readonly attemptTimeoutMs?: number | undefined;
  /** Budget of one token refresh (all its attempts), in ms. @default 10000 */
  readonly tokenTimeoutMs?: number | undefined;
  /** Retries of 429 and of failures that provably never reached Unico (+1 resend after 401). @default 2 */
  readonly maxRetries?: number | undefined;
  /**
   * Also retry CreateProcess failures that may have reached Unico (5xx, lost connection, attempt
   * timeout). **Risk:** a second billed process; see docs/reliability.md. @default false
   */
  readonly retryOutcomeUnknown?: boolean | undefined;
  /** An undici dispatcher of yours (proxy, custom TLS, MockAgent). Not closed by `close()`. */
  readonly dispatcher?: Dispatcher | undefined;
  /** Replaces the HTTP stack entirely (advanced; `dispatcher` is then ignored). */
  readonly transport?: Transport | undefined;
  /** Diagnostics sink. @default none: the SDK logs nothing */
  readonly logger?: Logger | undefined;
  /** Callbacks for requests, retries and token refreshes (ids, statuses, codes); throwing is ignored. */
  readonly hooks?: Hooks | undefined;
  /** Your SDK or application, appended to `User-Agent` (`unico-idcloud/x node/y name/version`). */
  readonly appInfo?: AppInfo | undefined;
  /**
   * Shares the access token across a fleet, e.g. `createRedisTokenStore(redis)` from `unico-idcloud/redis`.
   * Store failures never fail a call: they go to `logger.warn`. See docs/token-store.md. @default none
   */
  readonly tokenStore?: TokenStore | undefined;
}

type Defaulted = 'timeoutMs' | 'attemptTimeoutMs' | 'tokenTimeoutMs' | 'maxRetries' | 'retryOutcomeUnknown';

/** Options after validation, with every default applied. */
export type NormalizedOptions = Omit<ClientOptions, 'environment' | 'serviceAccount' | Defaulted> & {
  readonly [K in Defaulted]-?: NonNullable<ClientOptions[K]>;
} & {
  readonly environment: ResolvedEnvironment;
  readonly issuer: string;
  readonly key: AssertionKey;
};

/** Checks one given option's value: the problem, or `undefined` when it is fine. */
export type Check = (value: unknown) => string | undefined;

export const integer =
  (min: number, max: number): Check =>
  (value) =>
    Number.isInteger(value) && Number(value) >= min && Number(value) <= max
      ? undefined
      : `must be an integer from ${min} to ${max}`;

const methods =
  (names: readonly string[], message: string): Check =>
  (value) =>
    names.every((m) => typeof (value as Record<string, unknown> | null)?.[m] === 'function')
      ? undefined
      : message;

// The options besides environment, serviceAccount and apiKey (checked apart), each checked when given.
const CHECKS: Record<string, Check> = {
  timeoutMs: integer(1, 600_000),
  attemptTimeoutMs: integer(1, 600_000),
  tokenTimeoutMs: integer(1, 120_000),
  maxRetries: integer(0, 10),
  retryOutcomeUnknown: (value) =>
    value === null || typeof value === 'boolean' ? undefined : 'must be a boolean',
  transport: methods(['request'], 'must have a request() method'),
  // dispatch() is what lets the transport see the moment a request is written (proof of "not sent").
  dispatcher: methods(['dispatch'], 'must be an undici Dispatcher (with a dispatch() method)'),
  logger: methods(['debug', 'info', 'warn', 'error'], 'must have debug, info, warn and error methods'),
  tokenStore: (value) => {
    const store = value as Record<string, unknown>;
    return (
      methods(['get', 'set'], 'must be an object with get() and set() methods')(value) ??
      (['invalidate', 'lock'].some((m) => store[m] !== undefined && typeof store[m] !== 'function')
        ? 'invalidate and lock must be methods when present'
        : undefined)
    );
  },
  hooks: (value) => (typeof value === 'object' && value !== null ? undefined : 'must be an object'),
  appInfo: (value) => {
    const app = value as Partial<AppInfo> | null;
    const valid =
      typeof app?.name === 'string' &&
      /^[\w.-]{1,64}$/.test(app.name) &&
      (app.version === undefined || /^[\w.+-]{1,32}$/.test(String(app.version)));
    return valid
      ? undefined
      : 'must be { name, version? } of letters, digits, ".", "_", "-" (it goes into User-Agent)';
  },
};

/** The issues of `given` against `checks` (an option of neither `checks` nor `skip` is unknown). */
export function optionIssues(
  given: Record<string, unknown>,
  checks: Record<string, Check>,
  prefix: string,
  skip: readonly string[],
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const [name, value] of Object.entries(given)) {
    const check = checks[name];
    const message = check ? value !== undefined && check(value) : !skip.includes(name) && 'unknown option';
    if (message) issues.push({ path: `${prefix}${name}`, message });
  }
  return issues;
}

/** Validates options once, naming each bad option; never echoes a secret. */
export function normalizeOptions(options: ClientOptions): NormalizedOptions {
  if (typeof options !== 'object' || options === null)
    throw new InvalidConfigError([{ path: '', message: 'options object is required' }]);
  const issues = optionIssues({ ...options }, CHECKS, '', ['environment', 'serviceAccount', 'apiKey']);
  const problem: Problem = (path, message) => issues.push({ path, message });
  // The rest passes through as given; the account's key material is not kept.
  const { environment: given, serviceAccount: account, ...rest } = options as Partial<ClientOptions>;
  const environment = resolveEnvironment(given, problem);

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

  const { apiKey } = options;
  if (typeof apiKey !== 'string' || apiKey.length === 0)
    problem('apiKey', 'is required (a non-empty string)');
  // Header injection and copy-paste accidents: a key with whitespace is never valid.
  else if (/\s/.test(apiKey)) problem('apiKey', 'must not contain whitespace or line breaks');
  if (issues.length > 0 || environment === undefined || key === undefined)
    throw new InvalidConfigError(issues);
  return {
    ...rest,
    apiKey,
    environment,
    issuer: assertionIssuer(accountName, tenantId),
    key,
    timeoutMs: options.timeoutMs ?? 30_000,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 25_000,
    tokenTimeoutMs: options.tokenTimeoutMs ?? 10_000,
    maxRetries: options.maxRetries ?? 2,
    retryOutcomeUnknown: options.retryOutcomeUnknown ?? false,
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
  const audience = custom['audience'];
  if (audience !== undefined) {
    if (typeof audience !== 'string' || audience === '')
      problem('environment.audience', 'must be a non-empty string');
    else if (audience.endsWith('/'))
      problem('environment.audience', 'must not end with "/" (Unico compares it exactly)');
  }
  if (apiBaseUrl === undefined || tokenUrl === undefined) return undefined;
  return {
    name: 'custom',
    apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
    tokenUrl,
    audience: String(audience ?? new URL(tokenUrl).origin),
  };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

function checkUrl(value: unknown, path: string, problem: Problem): string | undefined {
  if (typeof value !== 'string') problem(path, 'is required (a URL)');
  else if (!URL.canParse(value)) problem(path, 'is not a valid URL');
  else {
    const { protocol, hostname } = new URL(value);
    if (protocol === 'https:' || (protocol === 'http:' && LOOPBACK.test(hostname))) return value;
    problem(path, 'must use https: (plain http: is only allowed for loopback hosts)');
  }
  return undefined;
}

function checkName(value: unknown, path: string, problem: Problem): string {
  if (typeof value !== 'string' || value.length === 0) problem(path, 'is required (a non-empty string)');
  else if (/[\s@]/.test(value)) problem(path, 'must not contain spaces or "@"');
  return typeof value === 'string' ? value : '';
}
