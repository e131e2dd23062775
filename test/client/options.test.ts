import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ClientOptions, IdCloudClient, InvalidConfigError } from '../../src/index.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const API_KEY = 'apikey-planted-7f3a9c';

const valid: ClientOptions = {
  environment: 'uat',
  serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey: PEM },
  apiKey: API_KEY,
};

function configError(options: unknown): InvalidConfigError {
  try {
    new IdCloudClient(options as ClientOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError);
    return err as InvalidConfigError;
  }
  throw new Error('expected InvalidConfigError');
}

describe('client options', () => {
  it('accepts the minimal options and names the environment', () => {
    expect(new IdCloudClient(valid).environment).toBe('uat');
    expect(new IdCloudClient({ ...valid, environment: 'production' }).environment).toBe('production');
  });

  it('accepts a custom environment and derives the audience from the token URL', () => {
    const client = new IdCloudClient({
      ...valid,
      environment: {
        apiBaseUrl: 'https://proxy.example.com/unico/',
        tokenUrl: 'https://auth.example.com/oauth2/token',
      },
    });
    expect(client.environment).toBe('custom');
  });

  it('reports every bad option at once, by name', () => {
    const err = configError({
      environment: 'staging',
      serviceAccount: { accountName: '', tenantId: 'a b', privateKey: 'nope' },
      apiKey: '',
      timeoutMs: -1,
      maxRetries: 1.5,
    });
    expect(err.code).toBe('ERR_INVALID_CONFIG');
    expect(err.issues.map((i) => i.path).sort()).toEqual([
      'apiKey',
      'environment',
      'maxRetries',
      'serviceAccount.accountName',
      'serviceAccount.privateKey',
      'serviceAccount.tenantId',
      'timeoutMs',
    ]);
  });

  it('rejects unknown options (typos) instead of ignoring them', () => {
    const err = configError({ ...valid, timeoutMS: 5000 });
    expect(err.issues).toEqual([{ path: 'timeoutMS', message: 'unknown option' }]);
  });

  it('requires https for non-loopback hosts', () => {
    const err = configError({
      ...valid,
      environment: { apiBaseUrl: 'http://api.example.com', tokenUrl: 'http://10.0.0.1/oauth2/token' },
    });
    expect(err.issues.map((i) => i.path)).toEqual(['environment.apiBaseUrl', 'environment.tokenUrl']);
    expect(err.message).toContain('https:');
    expect(
      () =>
        new IdCloudClient({
          ...valid,
          environment: {
            apiBaseUrl: 'http://127.0.0.1:8080',
            tokenUrl: 'http://localhost:8080/oauth2/token',
          },
        }),
    ).not.toThrow();
  });

  it('rejects an audience with a trailing slash, which Unico would refuse', () => {
    const err = configError({
      ...valid,
      environment: {
        apiBaseUrl: 'https://api.example.com',
        tokenUrl: 'https://id.example.com/oauth2/token',
        audience: 'https://id.example.com/',
      },
    });
    expect(err.issues.map((i) => i.path)).toEqual(['environment.audience']);
  });

  it('rejects an API key with whitespace without echoing it', () => {
    const err = configError({ ...valid, apiKey: `${API_KEY}\n` });
    expect(err.issues.map((i) => i.path)).toEqual(['apiKey']);
    expect(err.message).not.toContain(API_KEY);
  });

  it('names the key defect and never echoes key material', () => {
    const truncated = PEM.slice(0, PEM.indexOf('-----END'));
    const err = configError({ ...valid, serviceAccount: { ...valid.serviceAccount, privateKey: truncated } });
    expect(err.message).toContain('serviceAccount.privateKey');
    expect(err.message).toContain('truncated');
    const body = PEM.split('\n').slice(1, -2).join('');
    for (let i = 0; i + 20 <= body.length; i += 20) expect(err.message).not.toContain(body.slice(i, i + 20));
  });

  it('does not throw a TypeError for non-object options', () => {
    expect(configError(undefined).issues[0]?.message).toContain('required');
    expect(configError({ ...valid, serviceAccount: null }).issues.map((i) => i.path)).toContain(
      'serviceAccount',
    );
  });

  it('checks the shape of transport, dispatcher and logger', () => {
    const err = configError({ ...valid, transport: {}, dispatcher: 42, logger: { info() {} } });
    expect(err.issues.map((i) => i.path).sort()).toEqual(['dispatcher', 'logger', 'transport']);
  });

  it('rejects per-call timeouts and request ids that are out of range', async () => {
    const client = new IdCloudClient(valid);
    const input = { subject: { code: '52998224725', name: 'L' }, useCase: 'x', imageBase64: 'eyJa.b.c' };
    await expect(client.createProcess(input, { timeoutMs: 0 })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      issues: [{ path: 'options.timeoutMs' }],
    });
    await expect(client.createProcess(input, { requestId: 'has space' })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      issues: [{ path: 'options.requestId' }],
    });
  });
});
