/**
 * 401 troubleshooting recipe (docs/recipes/troubleshooting-401.md): a "doctor" that checks one
 * configuration in three steps and names the likely cause, without creating a process:
 *
 *   1. options   — the constructor validates every option (InvalidConfigError lists each issue)
 *   2. token     — `warmup()` gets an access token (TokenError carries Unico's 1.x.x code)
 *   3. API auth  — `getProcess()` of an id that does not exist: 404 means the token and the APIKEY
 *                  were accepted; 401/403 name what was not
 *
 * With UNICO_ENVIRONMENT, UNICO_ACCOUNT_NAME, UNICO_TENANT_ID, UNICO_PRIVATE_KEY(_FILE) and
 * UNICO_API_KEY set, it checks that configuration against Unico: one token request and one GET.
 * Run it once, not in a loop: repeated rejected assertions lock the account (1.2.18).
 *
 * Without them it runs against the emulator with a healthy configuration and the usual mistakes.
 *
 *   npx tsx examples/troubleshooting-401.ts
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApiError, type ClientOptions, IdCloudClient, IdCloudError, TokenError } from 'unico-idcloud';
import { startEmulatorServer } from 'unico-idcloud/testing';

export interface Diagnosis {
  readonly ok: boolean;
  readonly step: 'options' | 'token' | 'api';
  /** What happened, with Unico's code. */
  readonly finding: string;
  /** What to check. */
  readonly hint: string;
}

const TOKEN_HINTS: Readonly<Record<string, string>> = {
  '1.0.1': 'tenantId is wrong (the tenant inside iss)',
  '1.0.14': 'the application is not active: contact Unico',
  '1.1.1': 'scope claim missing: an SDK bug, report it',
  '1.2.4':
    'assertion expired: check the server clock (NTP); the SDK already retried once with the server time',
  '1.2.5':
    'assertion not accepted (signature, aud, lifetime): credentials of one environment used with the other, or a custom environment whose audience is not the real token host',
  '1.2.6': 'this key is no longer accepted: request new credentials',
  '1.2.7':
    'assertion reused twice in a row: two processes minting in the same second? (the SDK retried once)',
  '1.2.11': 'the account is not active: contact Unico',
  '1.2.14': 'the account lacks permissions: contact Unico',
  '1.2.18': 'account locked after repeated invalid attempts: STOP retrying, fix the cause, wait',
  '1.2.19': 'claim not allowed: an SDK bug, report it',
  '1.2.20': 'assertion not decodable: the key or account does not match',
  '1.2.21':
    'authentication failed: accountName wrong, or the key is not this account’s (or is the other environment’s)',
  '1.2.22': 'claim not allowed: an SDK bug, report it',
  '1.3.1': 'restricted by source IP: your egress IP is not allowed for this account',
  '1.3.2': 'restricted by access date/time',
};

const NOT_A_PROCESS = '00000000-0000-4000-8000-000000000000';

/**
 * Checks one configuration, step by step.
 * @param options - the client options to check
 * @returns the first problem found, or an "ok" diagnosis
 */
export async function diagnose(options: ClientOptions): Promise<Diagnosis> {
  let client: IdCloudClient;
  try {
    client = new IdCloudClient(options);
  } catch (err) {
    if (!IdCloudError.is(err) || err.code !== 'ERR_INVALID_CONFIG') throw err;
    const issues = err.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    return { ok: false, step: 'options', finding: issues, hint: 'fix the options named above' };
  }
  try {
    await client.warmup();
  } catch (err) {
    await client.close();
    if (!(err instanceof TokenError)) throw err;
    return { ok: false, step: 'token', finding: describe(err), hint: tokenHint(err) };
  }
  try {
    await client.getProcess(NOT_A_PROCESS, { imageKind: 'sdk-capture' });
    return { ok: true, step: 'api', finding: 'token and APIKEY accepted', hint: '—' };
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    if (err.httpStatus === 404) {
      return {
        ok: true,
        step: 'api',
        finding: 'token and APIKEY accepted (404 for a made-up id)',
        hint: '—',
      };
    }
    return { ok: false, step: 'api', finding: describe(err), hint: apiHint(err) };
  } finally {
    await client.close();
  }
}

function describe(err: TokenError | ApiError): string {
  const status = err.httpStatus === undefined ? '' : `HTTP ${err.httpStatus} `;
  const code = err.unicoCode === undefined ? '' : `code ${err.unicoCode}`;
  return `${err.code} ${status}${code}`.trim();
}

function tokenHint(err: TokenError): string {
  if (err.reason === 'network' || err.reason === 'timeout')
    return 'token endpoint unreachable: DNS, firewall or proxy (docs/recipes/proxy-ca-mtls.md)';
  if (err.reason === 'invalid-response')
    return 'something other than Unico answered: a proxy or a wrong tokenUrl?';
  return (
    (err.unicoCode && TOKEN_HINTS[err.unicoCode]) ?? `see docs/errors.md (${err.description ?? 'no code'})`
  );
}

function apiHint(err: ApiError): string {
  const code = err.unicoCode;
  if (err.httpStatus === 401 || code === '10501' || code === '10502')
    return 'the API refused a token the token endpoint had just issued, also after one refresh: token URL and API host are of different environments';
  if (code === '10201')
    return 'APIKEY invalid: each environment has its own APIKEY; check it belongs to this one';
  if (code === '20001') return 'Authorization header missing: something between you and Unico strips it';
  if (code === '20002') return 'APIKEY header missing: something between you and Unico strips it';
  if (code === '30017') return 'action not allowed for this account: contact Unico';
  return 'see docs/errors.md';
}

function optionsFromEnvironment(): ClientOptions {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`Set ${name}`);
    return value;
  };
  const keyFile = process.env['UNICO_PRIVATE_KEY_FILE'];
  return {
    environment: process.env['UNICO_ENVIRONMENT'] === 'production' ? 'production' : 'uat',
    serviceAccount: {
      accountName: need('UNICO_ACCOUNT_NAME'),
      tenantId: need('UNICO_TENANT_ID'),
      privateKey: keyFile ? readFileSync(keyFile, 'utf8') : need('UNICO_PRIVATE_KEY'),
    },
    apiKey: need('UNICO_API_KEY'),
  };
}

const print = (label: string, d: Diagnosis) =>
  console.log(
    `${d.ok ? 'ok  ' : 'FAIL'} ${label.padEnd(34)} [${d.step}] ${d.finding}\n${' '.repeat(40)}→ ${d.hint}`,
  );

if (process.env['UNICO_API_KEY']) {
  const options = optionsFromEnvironment();
  print(
    `your configuration (${typeof options.environment === 'string' ? options.environment : 'custom'})`,
    await diagnose(options),
  );
} else {
  const server = await startEmulatorServer();
  // A second emulator plays "the other environment": its own token host, API and APIKEY.
  const other = await startEmulatorServer();
  const good = server.clientOptions();
  const account = good.serviceAccount;
  const { privateKey: someoneElsesKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

  const cases: Array<[string, ClientOptions]> = [
    ['healthy configuration', good],
    ['typo in an option name', { ...good, timeoutMS: 5_000 } as ClientOptions],
    ['wrong tenantId', { ...good, serviceAccount: { ...account, tenantId: 'another-tenant' } }],
    ['wrong accountName', { ...good, serviceAccount: { ...account, accountName: 'someone' } }],
    ['key of another account', { ...good, serviceAccount: { ...account, privateKey: someoneElsesKey } }],
    [
      'aud of the other environment',
      { ...good, environment: { ...server.environment, audience: 'https://identity.acesso.io' } },
    ],
    ['APIKEY of the other environment', { ...good, apiKey: other.emulator.credentials.apiKey }],
    [
      'token host and API host mixed',
      // Credentials and token endpoint of one environment, API host and APIKEY of the other.
      {
        ...good,
        environment: { apiBaseUrl: other.url, tokenUrl: server.environment.tokenUrl },
        apiKey: other.emulator.credentials.apiKey,
      },
    ],
  ];
  for (const [label, options] of cases) print(label, await diagnose(options));
  console.log(
    `\nmixed hosts: ${other.emulator.stats.getRequests} API requests for one GET — the SDK refreshed the token once and resent, then gave up`,
  );
  await other.close();
  await server.close();
}
