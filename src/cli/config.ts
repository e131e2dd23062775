import { ENVIRONMENTS, type ResolvedEnvironment } from '../client/environment.js';
import { type Check, fail, ok } from './check.js';

/** Where each setting comes from: the demo's `UNICO_*` variable, or a flag that overrides it. */
export const SETTINGS = {
  environment: { variable: 'UNICO_ENVIRONMENT', flag: 'environment' },
  accountName: { variable: 'UNICO_ACCOUNT_NAME', flag: 'account-name' },
  tenantId: { variable: 'UNICO_TENANT_ID', flag: 'tenant-id' },
  privateKey: { variable: 'UNICO_PRIVATE_KEY', flag: undefined },
  privateKeyFile: { variable: 'UNICO_PRIVATE_KEY_FILE', flag: 'private-key-file' },
  apiKey: { variable: 'UNICO_API_KEY', flag: 'api-key' },
  apiBaseUrl: { variable: 'UNICO_API_BASE_URL', flag: 'api-base-url' },
  tokenUrl: { variable: 'UNICO_TOKEN_URL', flag: 'token-url' },
  audience: { variable: 'UNICO_AUDIENCE', flag: 'audience' },
} as const;

export type Settings = { readonly [K in keyof typeof SETTINGS]?: string | undefined };

/** What the remaining checks need, once the variables are there. */
export interface Credentials {
  readonly accountName: string;
  readonly tenantId: string;
  readonly privateKey: {
    readonly from: 'UNICO_PRIVATE_KEY' | 'UNICO_PRIVATE_KEY_FILE';
    readonly value: string;
  };
  readonly apiKey: string;
}

/**
 * Merges flags over variables; empty values count as unset.
 * @param env - the process environment
 * @param flags - parsed flags, by flag name
 * @returns each setting's value
 */
export function readSettings(
  env: Readonly<Record<string, string | undefined>>,
  flags: Readonly<Record<string, string | undefined>>,
): Settings {
  const out: Record<string, string | undefined> = {};
  for (const [key, { variable, flag }] of Object.entries(SETTINGS)) {
    const value = (flag === undefined ? undefined : flags[flag]) || env[variable] || undefined;
    out[key] = value;
  }
  return out;
}

const NAME = 'variables';
const REQUIRED = [
  ['UNICO_ACCOUNT_NAME', (s: Settings) => s.accountName],
  ['UNICO_TENANT_ID', (s: Settings) => s.tenantId],
  ['UNICO_PRIVATE_KEY or UNICO_PRIVATE_KEY_FILE', (s: Settings) => s.privateKeyFile ?? s.privateKey],
  ['UNICO_API_KEY', (s: Settings) => s.apiKey],
] as const;

/**
 * Check 1: every credential is set. Names only: values are never echoed.
 * @param s - the settings
 * @returns the check, and the credentials when all are set
 */
export function checkVariables(s: Settings): { check: Check; credentials?: Credentials } {
  const missing = REQUIRED.filter(([, get]) => get(s) === undefined).map(([name]) => name);
  if (missing.length > 0) {
    return {
      check: fail(
        NAME,
        `missing: ${missing.join(', ')}`,
        'export each variable (the values Unico issued for this environment), or pass the matching flag (--help)',
      ),
    };
  }
  const privateKey = s.privateKeyFile
    ? ({ from: 'UNICO_PRIVATE_KEY_FILE', value: s.privateKeyFile } as const)
    : ({ from: 'UNICO_PRIVATE_KEY', value: s.privateKey ?? '' } as const);
  const [accountName = '', tenantId = '', apiKey = ''] = [s.accountName, s.tenantId, s.apiKey];
  return {
    check: ok(NAME, `UNICO_ACCOUNT_NAME, UNICO_TENANT_ID, ${privateKey.from}, UNICO_API_KEY are set`),
    credentials: { accountName, tenantId, privateKey, apiKey },
  };
}

const ENV_NAME = 'environment';

/**
 * Check 2: the environment name, or custom endpoints (`UNICO_API_BASE_URL` and `UNICO_TOKEN_URL`,
 * as the client's custom environment: `aud` defaults to the token URL's origin).
 * @param s - the settings
 * @returns the check, and the resolved endpoints when valid
 */
export function checkEnvironment(s: Settings): { check: Check; environment?: ResolvedEnvironment } {
  const name = s.environment ?? 'uat';
  if (name !== 'uat' && name !== 'production') {
    return {
      check: fail(
        ENV_NAME,
        `UNICO_ENVIRONMENT is "${name}"`,
        'set UNICO_ENVIRONMENT to uat or production (unset means uat)',
      ),
    };
  }
  if (s.apiBaseUrl === undefined && s.tokenUrl === undefined) {
    const environment = ENVIRONMENTS[name];
    return {
      check: ok(ENV_NAME, `${name}: token ${environment.tokenUrl}, API ${environment.apiBaseUrl}`),
      environment,
    };
  }
  if (s.apiBaseUrl === undefined || s.tokenUrl === undefined) {
    return {
      check: fail(
        ENV_NAME,
        `only ${s.apiBaseUrl === undefined ? 'UNICO_TOKEN_URL' : 'UNICO_API_BASE_URL'} is set`,
        'custom endpoints need both UNICO_API_BASE_URL and UNICO_TOKEN_URL (or neither, for Unico’s hosts)',
      ),
    };
  }
  const api = parseUrl(s.apiBaseUrl);
  const token = parseUrl(s.tokenUrl);
  const audience = s.audience ?? token?.origin;
  const bad = [
    ...(api === undefined ? ['UNICO_API_BASE_URL'] : []),
    ...(token === undefined ? ['UNICO_TOKEN_URL'] : []),
    ...(audience !== undefined && parseUrl(audience) === undefined ? ['UNICO_AUDIENCE'] : []),
  ];
  if (bad.length > 0 || api === undefined || token === undefined || audience === undefined) {
    return {
      check: fail(
        ENV_NAME,
        `not an https URL (http only on loopback): ${bad.join(', ')}`,
        'use absolute https URLs, e.g. UNICO_TOKEN_URL=https://identityhomolog.acesso.io/oauth2/token',
      ),
    };
  }
  const environment = {
    name: 'custom',
    apiBaseUrl: api.href.replace(/\/+$/, ''),
    tokenUrl: token.href,
    audience,
  };
  const hosts = [token.origin, api.origin].map(unicoEnvironmentOf);
  if (hosts[0] !== undefined && hosts[1] !== undefined && hosts[0] !== hosts[1]) {
    return {
      check: fail(
        ENV_NAME,
        `token host is ${hosts[0]}'s, API host is ${hosts[1]}'s`,
        'credentials and hosts never cross environments: take both URLs from the same environment',
      ),
    };
  }
  return {
    check: ok(
      ENV_NAME,
      `custom: token ${environment.tokenUrl}, API ${environment.apiBaseUrl}, aud ${audience}`,
    ),
    environment,
  };
}

function parseUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    return url.protocol === 'https:' || (url.protocol === 'http:' && loopback) ? url : undefined;
  } catch {
    return undefined;
  }
}

function unicoEnvironmentOf(origin: string): 'uat' | 'production' | undefined {
  for (const env of [ENVIRONMENTS.uat, ENVIRONMENTS.production]) {
    if (origin === new URL(env.tokenUrl).origin || origin === new URL(env.apiBaseUrl).origin)
      return env.name as 'uat' | 'production';
  }
  return undefined;
}
