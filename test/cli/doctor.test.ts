import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import type { Transport } from '../../src/http/transport.js';
import { createUndiciTransport } from '../../src/http/undici.js';
import { type EmulatorServer, startEmulatorServer } from '../../src/testing/index.js';
import { closeAfterTest } from '../helpers/emulator.js';

type Env = Record<string, string | undefined>;

const dir = mkdtempSync(join(tmpdir(), 'doctor-test-'));
let files = 0;
function file(content: string): string {
  const path = join(dir, `key-${files++}.pem`);
  writeFileSync(path, content);
  return path;
}

async function emulator(): Promise<EmulatorServer> {
  const server = await startEmulatorServer();
  closeAfterTest(server);
  return server;
}

/** The demo's variables for an emulator: a healthy configuration. */
function envFor(server: EmulatorServer): Env {
  const c = server.emulator.credentials;
  return {
    UNICO_ACCOUNT_NAME: c.accountName,
    UNICO_TENANT_ID: c.tenantId,
    UNICO_PRIVATE_KEY_FILE: file(c.privateKey),
    UNICO_API_KEY: c.apiKey,
    UNICO_API_BASE_URL: server.environment.apiBaseUrl,
    UNICO_TOKEN_URL: server.environment.tokenUrl,
  };
}

/** A transport that remembers every response body, to prove no token reaches the output. */
function recording(): Transport & { bodies: string[] } {
  const inner = createUndiciTransport();
  closeAfterTest({ close: async () => inner.close?.() });
  const bodies: string[] = [];
  return {
    bodies,
    async request(req) {
      const res = await inner.request(req);
      bodies.push(res.body);
      return res;
    },
  };
}

interface Run {
  code: number;
  text: string;
  checks: Array<{ name: string; status: string; detail: string; fix?: string }>;
}

async function doctor(env: Env, argv: string[] = [], now?: () => number): Promise<Run> {
  const transport = recording();
  let json = '';
  const code = await runCli(['doctor', '--json', ...argv], env, (t) => (json += t), {
    transport,
    ...(now ? { now } : {}),
  });
  let text = '';
  await runCli(['doctor', ...argv], env, (t) => (text += t), { transport, ...(now ? { now } : {}) });
  const secrets = [
    env['UNICO_API_KEY'],
    ...transport.bodies.flatMap((b) => /"access_token":"([^"]+)"/.exec(b)?.[1] ?? []),
  ];
  for (const secret of secrets) if (secret) expect(json + text).not.toContain(secret);
  expect(json + text).not.toMatch(/PRIVATE KEY-----|MII[A-Za-z0-9+/]{20}/);
  return { code, text, checks: JSON.parse(json).checks };
}

const statusOf = (run: Run) => Object.fromEntries(run.checks.map((c) => [c.name, c.status]));
const check = (run: Run, name: string) => run.checks.find((c) => c.name === name);

describe('unico-idcloud doctor', () => {
  it('passes a healthy configuration: every check ok, exit 0, no secret printed', async () => {
    const server = await emulator();
    const run = await doctor(envFor(server));
    expect(run.code).toBe(0);
    expect(run.checks.map((c) => [c.name, c.status])).toEqual([
      ['variables', 'ok'],
      ['environment', 'ok'],
      ['private key', 'ok'],
      ['assertion', 'ok'],
      ['clock', 'ok'],
      ['token', 'ok'],
      ['API key', 'ok'],
    ]);
    expect(check(run, 'assertion')?.detail).toMatch(
      /iss="emulator@emulator-tenant\.iam\.acesso\.io" aud="http:\/\/127\.0\.0\.1:\d+" scope="\*" iat=\d+ exp=\d+$/,
    );
    expect(check(run, 'token')?.detail).toBe('issued, valid for 3600 s');
    expect(check(run, 'API key')?.detail).toMatch(
      /^token and APIKEY accepted: a made-up process id got HTTP 404.*inference from the API contract/,
    );
    expect(run.text).toMatch(/All checks passed\.\n$/);
    // One token request per run, and no process created.
    expect(server.emulator.stats.tokenRequests).toBe(2);
    expect(server.emulator.stats.processRequests).toBe(0);
  });

  it('lists missing variables by name, checks the key anyway, and sends nothing', async () => {
    const server = await emulator();
    const env = { ...envFor(server), UNICO_TENANT_ID: '', UNICO_API_KEY: undefined };
    const run = await doctor(env);
    expect(run.code).toBe(1);
    expect(check(run, 'variables')).toMatchObject({
      status: 'fail',
      detail: 'missing: UNICO_TENANT_ID, UNICO_API_KEY',
    });
    expect(statusOf(run)).toMatchObject({ 'private key': 'ok', assertion: 'skipped', token: 'skipped' });
    expect(run.text).toMatch(/fix: export each variable/);
    expect(server.emulator.stats.tokenRequests).toBe(0);
  });

  it('rejects an unknown environment name and half a custom environment', async () => {
    const server = await emulator();
    const prod = await doctor({
      ...envFor(server),
      UNICO_ENVIRONMENT: 'prod',
      UNICO_API_BASE_URL: undefined,
      UNICO_TOKEN_URL: undefined,
    });
    expect(check(prod, 'environment')).toMatchObject({
      status: 'fail',
      detail: 'UNICO_ENVIRONMENT is "prod"',
    });
    const half = await doctor({ ...envFor(server), UNICO_API_BASE_URL: undefined });
    expect(check(half, 'environment')).toMatchObject({
      status: 'fail',
      detail: 'only UNICO_TOKEN_URL is set',
    });
    const mixed = await doctor({
      ...envFor(server),
      UNICO_TOKEN_URL: 'https://identityhomolog.acesso.io/oauth2/token',
      UNICO_API_BASE_URL: 'https://api.id.unico.app',
    });
    expect(check(mixed, 'environment')?.detail).toBe("token host is uat's, API host is production's");
    const plain = await doctor({ ...envFor(server), UNICO_TOKEN_URL: 'http://example.com/oauth2/token' });
    expect(check(plain, 'environment')?.detail).toMatch(/not an https URL.*UNICO_TOKEN_URL/);
    expect(server.emulator.stats.tokenRequests).toBe(0);
  });

  it('names what is wrong with the key: public, too short, not RSA, unreadable', async () => {
    const server = await emulator();
    const env = envFor(server);
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cases: Array<[string, RegExp, RegExp]> = [
      [publicKey.export({ type: 'spki', format: 'pem' }).toString(), /is a public key/, /public half/],
      [
        generateKeyPairSync('rsa', { modulusLength: 1024 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        /1024-bit RSA key/,
        /at least 2048 bits/,
      ],
      [
        generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
        /is a ec key/,
        /needs an RSA key/,
      ],
      ['not a key', /is not PEM/, /paste the whole PEM/],
    ];
    for (const [pem, detail, fix] of cases) {
      const run = await doctor({ ...env, UNICO_PRIVATE_KEY_FILE: file(pem) });
      expect(run.code).toBe(1);
      expect(check(run, 'private key')?.detail).toMatch(detail);
      expect(check(run, 'private key')?.fix).toMatch(fix);
      expect(statusOf(run)).toMatchObject({ assertion: 'skipped', token: 'skipped', 'API key': 'skipped' });
    }
    const missing = await doctor({ ...env, UNICO_PRIVATE_KEY_FILE: join(dir, 'nope.pem') });
    expect(check(missing, 'private key')?.detail).toBe('UNICO_PRIVATE_KEY_FILE cannot be read (ENOENT)');
    expect(server.emulator.stats.tokenRequests).toBe(0);
  });

  it('accepts a PKCS#1 key given inline with literal \\n, and says so', async () => {
    const server = await emulator();
    const pkcs1 = createPrivateKey(server.emulator.credentials.privateKey)
      .export({ type: 'pkcs1', format: 'pem' })
      .toString()
      .replace(/\n/g, '\\n');
    const run = await doctor({
      ...envFor(server),
      UNICO_PRIVATE_KEY_FILE: undefined,
      UNICO_PRIVATE_KEY: pkcs1,
    });
    expect(run.code).toBe(0);
    expect(check(run, 'private key')?.detail).toBe(
      'RSA 2048-bit private key, PKCS#1 PEM, literal \\n turned into line breaks (as the SDK does)',
    );
  });

  it('explains each token refusal with its code, meaning, fix and the mixed-environment hint', async () => {
    const server = await emulator();
    const env = envFor(server);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const cases: Array<[Env, string, RegExp]> = [
      [
        { UNICO_AUDIENCE: 'https://identity.acesso.io' },
        '1.2.5',
        /this run sent aud https:\/\/identity\.acesso\.io; the token host is http:\/\/127/,
      ],
      [{ UNICO_TENANT_ID: 'another-tenant' }, '1.0.1', /check UNICO_TENANT_ID/],
      [{ UNICO_ACCOUNT_NAME: 'someone' }, '1.2.21', /check UNICO_ACCOUNT_NAME/],
      [{ UNICO_PRIVATE_KEY_FILE: file(stranger) }, '1.2.21', /the key is the one issued/],
    ];
    for (const [change, code, fix] of cases) {
      const run = await doctor({ ...env, ...change });
      expect(run.code).toBe(1);
      const token = check(run, 'token');
      expect(token?.status).toBe('fail');
      expect(token?.detail).toContain(`(HTTP 401, Unico code ${code}): `);
      expect(token?.fix).toMatch(fix);
      expect(token?.fix).toMatch(/credentials never cross environments/);
      expect(check(run, 'API key')?.status).toBe('skipped');
    }
  });

  it('measures clock skew against the Date header of the token host', async () => {
    const server = await emulator();
    const ahead = await doctor(envFor(server), [], () => Date.now() + 600_000);
    // Date has a resolution of one second.
    expect(check(ahead, 'clock')?.status).toBe('fail');
    expect(check(ahead, 'clock')?.detail).toMatch(/^local clock (599|600|601) s ahead of the token host$/);
    expect(check(ahead, 'clock')?.fix).toMatch(/NTP/);
    expect(ahead.code).toBe(1);
    // Behind by more than the assertion's lifetime: Unico sees it expired.
    const behind = await doctor(envFor(server), [], () => Date.now() - 1_200_000);
    expect(check(behind, 'clock')?.detail).toMatch(/^local clock (1199|1200|1201) s behind the token host$/);
    expect(check(behind, 'token')?.detail).toMatch(/Unico code 1\.2\.4\): the assertion had expired/);
  });

  it('tells an APIKEY of another environment from a token the API refuses', async () => {
    const server = await emulator();
    const other = await emulator();
    const env = envFor(server);
    const apiKey = await doctor({ ...env, UNICO_API_KEY: other.emulator.credentials.apiKey });
    expect(apiKey.code).toBe(1);
    expect(check(apiKey, 'token')?.status).toBe('ok');
    expect(check(apiKey, 'API key')?.detail).toMatch(
      /^the API refused the APIKEY: a made-up process id got HTTP 403, code 10201 \(an inference/,
    );
    expect(check(apiKey, 'API key')?.fix).toMatch(/use the APIKEY of this environment/);
    // Token endpoint of one environment, API of the other.
    const hosts = await doctor({ ...env, UNICO_API_BASE_URL: other.url });
    expect(check(hosts, 'API key')?.detail).toMatch(
      /^the API refused the token: a made-up process id got HTTP 401, code 10501/,
    );
    expect(check(hosts, 'API key')?.fix).toMatch(/different environments/);
    expect(server.emulator.stats.processRequests + other.emulator.stats.processRequests).toBe(0);
  });

  it('reports an unreachable token host without a token check', async () => {
    const server = await emulator();
    const env = envFor(server);
    await server.close();
    const run = await doctor(env);
    expect(check(run, 'clock')).toMatchObject({ status: 'fail' });
    expect(check(run, 'clock')?.detail).toMatch(
      /^token host unreachable \(connection failed \(ECONNREFUSED\)\)/,
    );
    expect(statusOf(run)).toMatchObject({ token: 'skipped', 'API key': 'skipped' });
  });

  it('takes flags over variables, and answers usage errors with exit 2', async () => {
    const server = await emulator();
    const env = envFor(server);
    const run = await doctor({ ...env, UNICO_TENANT_ID: 'wrong' }, [
      '--tenant-id',
      server.emulator.credentials.tenantId,
    ]);
    expect(run.code).toBe(0);
    let out = '';
    const write = (t: string) => {
      out += t;
    };
    expect(await runCli([], env, write)).toBe(2);
    expect(await runCli(['doctor', '--nope'], env, write)).toBe(2);
    expect(await runCli(['--help'], env, write)).toBe(0);
    expect(out).toMatch(/Usage: unico-idcloud doctor/);
  });
});
