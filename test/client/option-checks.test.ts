// Each client option's check, message and bounds, and what normalizeOptions returns: the exact
// issue a user reads, and every default a call relies on.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ClientOptions, normalizeOptions } from '../../src/client/options.js';
import { InvalidConfigError } from '../../src/errors.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const valid: ClientOptions = {
  environment: 'uat',
  serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey: PEM },
  apiKey: 'apikey-123',
};

/** The issues normalizeOptions throws for `options`, or [] when it accepts them. */
function issues(options: unknown) {
  try {
    normalizeOptions(options as ClientOptions);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    return (err as InvalidConfigError).issues.map(({ path, message }) => ({ path, message }));
  }
}

const with_ = (extra: Record<string, unknown>) => issues({ ...valid, ...extra });

describe('defaults and pass-through', () => {
  it('applies every default', () => {
    const n = normalizeOptions(valid);
    expect(n).toMatchObject({
      timeoutMs: 30_000,
      attemptTimeoutMs: 25_000,
      tokenTimeoutMs: 10_000,
      maxRetries: 2,
      retryOutcomeUnknown: false,
      apiKey: 'apikey-123',
      issuer: 'acct@tenant.iam.acesso.io',
    });
    expect(n.environment.name).toBe('uat');
    expect(n).not.toHaveProperty('serviceAccount');
  });

  it('keeps what was given', () => {
    const hooks = {};
    const n = normalizeOptions({
      ...valid,
      timeoutMs: 1,
      attemptTimeoutMs: 600_000,
      tokenTimeoutMs: 120_000,
      maxRetries: 0,
      retryOutcomeUnknown: true,
      hooks,
    });
    expect(n).toMatchObject({
      timeoutMs: 1,
      attemptTimeoutMs: 600_000,
      tokenTimeoutMs: 120_000,
      maxRetries: 0,
      retryOutcomeUnknown: true,
    });
    expect(n.hooks).toBe(hooks);
  });
});

describe('numeric options: integers within bounds', () => {
  it.each([
    ['timeoutMs', 1, 600_000],
    ['attemptTimeoutMs', 1, 600_000],
    ['tokenTimeoutMs', 1, 120_000],
    ['maxRetries', 0, 10],
  ])('%s from %d to %d', (name, min, max) => {
    const message = `must be an integer from ${min} to ${max}`;
    expect(with_({ [name]: min })).toEqual([]);
    expect(with_({ [name]: max })).toEqual([]);
    expect(with_({ [name]: undefined })).toEqual([]);
    for (const bad of [min - 1, max + 1, min + 0.5, String(min), null, Number.NaN])
      expect(with_({ [name]: bad })).toEqual([{ path: name, message }]);
  });
});

describe('other options', () => {
  it('retryOutcomeUnknown is a boolean', () => {
    expect(with_({ retryOutcomeUnknown: false })).toEqual([]);
    expect(normalizeOptions({ ...valid, retryOutcomeUnknown: null as never }).retryOutcomeUnknown).toBe(
      false,
    );
    expect(with_({ retryOutcomeUnknown: 'yes' })).toEqual([
      { path: 'retryOutcomeUnknown', message: 'must be a boolean' },
    ]);
    expect(with_({ retryOutcomeUnknown: 1 })).toEqual([
      { path: 'retryOutcomeUnknown', message: 'must be a boolean' },
    ]);
  });

  it('transport, dispatcher and logger need their methods', () => {
    const fn = () => undefined;
    expect(with_({ transport: { request: fn }, dispatcher: { dispatch: fn } })).toEqual([]);
    expect(with_({ logger: { debug: fn, info: fn, warn: fn, error: fn } })).toEqual([]);
    expect(
      with_({ transport: null, dispatcher: { dispatch: 1 }, logger: { debug: fn, info: fn, warn: fn } }),
    ).toEqual([
      { path: 'transport', message: 'must have a request() method' },
      { path: 'dispatcher', message: 'must be an undici Dispatcher (with a dispatch() method)' },
      { path: 'logger', message: 'must have debug, info, warn and error methods' },
    ]);
  });

  it('tokenStore needs get() and set(); invalidate and lock are methods when present', () => {
    const fn = async () => undefined;
    expect(with_({ tokenStore: { get: fn, set: fn } })).toEqual([]);
    expect(with_({ tokenStore: { get: fn, set: fn, invalidate: fn, lock: fn } })).toEqual([]);
    expect(with_({ tokenStore: { get: fn, set: fn, invalidate: undefined } })).toEqual([]);
    expect(with_({ tokenStore: { get: fn } })).toEqual([
      { path: 'tokenStore', message: 'must be an object with get() and set() methods' },
    ]);
    for (const extra of [{ invalidate: true }, { lock: 'redis' }, { invalidate: fn, lock: null }])
      expect(with_({ tokenStore: { get: fn, set: fn, ...extra } })).toEqual([
        { path: 'tokenStore', message: 'invalidate and lock must be methods when present' },
      ]);
  });

  it('hooks is an object', () => {
    expect(with_({ hooks: { onRetry: () => undefined } })).toEqual([]);
    for (const bad of [null, 'x', () => undefined])
      expect(with_({ hooks: bad })).toEqual([{ path: 'hooks', message: 'must be an object' }]);
  });

  it('appInfo: a name of 1 to 64 and a version of 1 to 32 safe characters', () => {
    const message = 'must be { name, version? } of letters, digits, ".", "_", "-" (it goes into User-Agent)';
    for (const ok of [
      { name: 'a' },
      { name: 'x'.repeat(64) },
      { name: 'acme_kyc.v-2', version: '1.0.0+build-7' },
      { name: 'a', version: 'v'.repeat(32) },
      { name: 'a', version: 2 },
    ])
      expect(with_({ appInfo: ok })).toEqual([]);
    for (const bad of [
      null,
      {},
      { name: '' },
      { name: 'x'.repeat(65) },
      { name: 'a b' },
      { name: 'a/b' },
      { name: 7 },
      { name: 'a', version: '' },
      { name: 'a', version: 'v'.repeat(33) },
      { name: 'a', version: '1 0' },
      { name: 'a', version: '1/0' },
    ])
      expect(with_({ appInfo: bad })).toEqual([{ path: 'appInfo', message }]);
  });

  it('an unknown option is named even when undefined', () => {
    expect(with_({ timeOutMs: undefined, logger: undefined })).toEqual([
      { path: 'timeOutMs', message: 'unknown option' },
    ]);
  });
});

describe('service account and API key', () => {
  const account = (extra: Record<string, unknown>) => ({ ...valid.serviceAccount, ...extra });

  it('names and their messages', () => {
    expect(issues({ ...valid, serviceAccount: account({ accountName: 'a@b', tenantId: 't u' }) })).toEqual([
      { path: 'serviceAccount.accountName', message: 'must not contain spaces or "@"' },
      { path: 'serviceAccount.tenantId', message: 'must not contain spaces or "@"' },
    ]);
    expect(issues({ ...valid, serviceAccount: account({ accountName: 5, tenantId: '' }) })).toEqual([
      { path: 'serviceAccount.accountName', message: 'is required (a non-empty string)' },
      { path: 'serviceAccount.tenantId', message: 'is required (a non-empty string)' },
    ]);
  });

  it('a key or a signer, not both, not neither', () => {
    const signer = async () => new Uint8Array(256);
    expect(
      normalizeOptions({ ...valid, serviceAccount: { accountName: 'a', tenantId: 't', signer } }).issuer,
    ).toBe('a@t.iam.acesso.io');
    expect(issues({ ...valid, serviceAccount: account({ signer }) })).toEqual([
      { path: 'serviceAccount', message: 'give either privateKey or signer, not both' },
    ]);
    expect(issues({ ...valid, serviceAccount: { accountName: 'a', tenantId: 't', signer: 'kms' } })).toEqual([
      { path: 'serviceAccount.signer', message: 'must be a function (signingInput) => Promise<Uint8Array>' },
    ]);
    expect(issues({ ...valid, serviceAccount: { accountName: 'a', tenantId: 't' } })).toEqual([
      { path: 'serviceAccount.privateKey', message: 'is required (or give serviceAccount.signer)' },
    ]);
  });

  it('a missing service account is one issue per missing name, not a TypeError', () => {
    expect(issues({ ...valid, serviceAccount: undefined })).toEqual([
      { path: 'serviceAccount', message: 'is required' },
      { path: 'serviceAccount.accountName', message: 'is required (a non-empty string)' },
      { path: 'serviceAccount.tenantId', message: 'is required (a non-empty string)' },
    ]);
  });

  it('the API key', () => {
    expect(with_({ apiKey: undefined })).toEqual([
      { path: 'apiKey', message: 'is required (a non-empty string)' },
    ]);
    expect(with_({ apiKey: '' })).toEqual([{ path: 'apiKey', message: 'is required (a non-empty string)' }]);
    for (const bad of ['a b', 'ab\t', '\nab'])
      expect(with_({ apiKey: bad })).toEqual([
        { path: 'apiKey', message: 'must not contain whitespace or line breaks' },
      ]);
  });

  it('an options value that is not an object', () => {
    for (const bad of [null, 'uat', 3])
      expect(issues(bad)).toEqual([{ path: '', message: 'options object is required' }]);
  });
});

describe('environment', () => {
  const env = (environment: unknown) => ({ ...valid, environment }) as ClientOptions;

  it('the two named ones', () => {
    expect(normalizeOptions(env('production')).environment).toEqual({
      name: 'production',
      apiBaseUrl: 'https://api.id.unico.app',
      tokenUrl: 'https://identity.acesso.io/oauth2/token',
      audience: 'https://identity.acesso.io',
    });
    for (const bad of ['staging', undefined, null, 42])
      expect(issues(env(bad))).toEqual([
        {
          path: 'environment',
          message: 'must be "uat", "production" or { apiBaseUrl, tokenUrl, audience? }',
        },
      ]);
  });

  it('a custom one: trailing slashes dropped from apiBaseUrl, audience from the token URL origin', () => {
    expect(
      normalizeOptions(
        env({ apiBaseUrl: 'https://p.example.com/unico//', tokenUrl: 'https://a.example.com:8443/t' }),
      ).environment,
    ).toEqual({
      name: 'custom',
      apiBaseUrl: 'https://p.example.com/unico',
      tokenUrl: 'https://a.example.com:8443/t',
      audience: 'https://a.example.com:8443',
    });
    expect(
      normalizeOptions(
        env({ apiBaseUrl: 'https://p.example.com', tokenUrl: 'https://a.example.com/t', audience: 'aud' }),
      ).environment.audience,
    ).toBe('aud');
  });

  it('URL and audience messages', () => {
    expect(issues(env({ tokenUrl: 'not a url', audience: '' }))).toEqual([
      { path: 'environment.apiBaseUrl', message: 'is required (a URL)' },
      { path: 'environment.tokenUrl', message: 'is not a valid URL' },
      { path: 'environment.audience', message: 'must be a non-empty string' },
    ]);
    expect(issues(env({ apiBaseUrl: 'https://a', tokenUrl: 'https://b/t', audience: 7 }))).toEqual([
      { path: 'environment.audience', message: 'must be a non-empty string' },
    ]);
    expect(issues(env({ apiBaseUrl: 'https://a', tokenUrl: 'https://b/t', audience: 'https://b/' }))).toEqual(
      [{ path: 'environment.audience', message: 'must not end with "/" (Unico compares it exactly)' }],
    );
  });

  it('one URL missing or invalid is an issue, never a TypeError', () => {
    expect(issues(env({ tokenUrl: 'https://b/t' }))).toEqual([
      { path: 'environment.apiBaseUrl', message: 'is required (a URL)' },
    ]);
    expect(issues(env({ apiBaseUrl: 'https://a', tokenUrl: '/oauth2/token' }))).toEqual([
      { path: 'environment.tokenUrl', message: 'is not a valid URL' },
    ]);
  });

  it('plain http only for loopback hosts', () => {
    const message = 'must use https: (plain http: is only allowed for loopback hosts)';
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]'])
      expect(issues(env({ apiBaseUrl: `http://${host}:8080`, tokenUrl: `http://${host}/t` }))).toEqual([]);
    for (const host of ['localhost.example.com', 'x.localhost', '127.0.0.1.nip.io', '10.0.0.1', '128.0.0.1'])
      expect(issues(env({ apiBaseUrl: `http://${host}`, tokenUrl: 'https://b/t' }))).toEqual([
        { path: 'environment.apiBaseUrl', message },
      ]);
    expect(issues(env({ apiBaseUrl: 'ftp://localhost', tokenUrl: 'https://b/t' }))).toEqual([
      { path: 'environment.apiBaseUrl', message },
    ]);
  });
});
