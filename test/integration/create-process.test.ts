import { describe, expect, it } from 'vitest';
import { IdCloudClient, type ProcessResult } from '../../src/index.js';
import { createSamplePng, SCENARIOS } from '../../src/testing/index.js';
import { inputFor, setup } from '../helpers/emulator.js';

const PNG = createSamplePng();

describe('createProcess against the loopback emulator', () => {
  const sdkCases: Array<[keyof typeof SCENARIOS, Partial<ProcessResult> & Record<string, unknown>]> = [
    ['verified', { kind: 'verified', status: 3, livenessChecked: true }],
    ['not-verified', { kind: 'not-verified', status: 3, livenessChecked: true }],
    [
      'inconclusive-liveness-passed',
      { kind: 'inconclusive', status: 3, liveness: 'passed', livenessChecked: true },
    ],
    [
      'inconclusive-liveness-failed',
      { kind: 'inconclusive', status: 3, liveness: 'failed', livenessChecked: true },
    ],
    ['process-error', { kind: 'process-error', status: 5 }],
    ['processing', { kind: 'not-final', status: 1 }],
    ['canceled', { kind: 'not-final', status: 4 }],
  ];

  it.each(sdkCases)('decodes the %s scenario sent with an SDK capture', async (name, expected) => {
    const { server, client } = await setup();
    const result = await client.createProcess(inputFor(SCENARIOS[name].cpf, server.emulator.createCapture()));
    expect(result).toMatchObject(expected);
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.raw['id']).toBe(result.id);
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('omits liveness on verified and on not-verified without a liveness field', async () => {
    const { server, client } = await setup();
    const yes = await client.createProcess(inputFor(SCENARIOS.verified.cpf, server.emulator.createCapture()));
    const no = await client.createProcess(
      inputFor(SCENARIOS['not-verified'].cpf, server.emulator.createCapture()),
    );
    expect('liveness' in yes).toBe(false);
    expect('liveness' in no).toBe(false);
    expect(yes.raw).toEqual({ id: yes.id, status: 3, unicoId: { result: 'yes' } });
  });

  it('reports liveness as not-checked when a plain image was sent', async () => {
    const { client } = await setup();
    const passed = await client.createProcess(inputFor(SCENARIOS['inconclusive-liveness-passed'].cpf, PNG));
    const verified = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(passed).toMatchObject({ kind: 'inconclusive', liveness: 'not-checked', livenessChecked: false });
    expect(passed.raw['liveness']).toBe(1);
    expect(verified).toMatchObject({ kind: 'verified', livenessChecked: false });
  });

  it('sends Bearer token, APIKEY, JSON, a request id and the user agent', async () => {
    const { server, client } = await setup();
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG), {
      requestId: 'order-42',
    });
    const post = server.emulator.received.find((r) => r.path === '/processes/v1');
    expect(post?.headers['authorization']).toMatch(/^Bearer [\w-]+$/);
    expect(post?.headers['apikey']).toBe(server.emulator.credentials.apiKey);
    expect(post?.headers['content-type']).toBe('application/json');
    expect(post?.headers['x-request-id']).toBe('order-42');
    expect(post?.headers['user-agent']).toMatch(/^unico-idcloud\/\d+\.\d+\.\d+/);
    expect(result.requestId).toBe('order-42');
  });

  it('sends the subject with a formatted CPF normalised to digits and everything else unchanged', async () => {
    const { server, client } = await setup();
    await client.createProcess({
      subject: {
        code: '529.982.247-25',
        name: 'Leia Organa',
        gender: 'F',
        birthDate: '1990-05-20',
        email: 'leia@example.com',
        phone: '5511974749090',
      },
      useCase: 'Onboarding',
      subsidiaryId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      imageBase64: PNG,
    });
    const post = server.emulator.received.find((r) => r.path === '/processes/v1');
    expect(JSON.parse(post?.body ?? '')).toEqual({
      subject: {
        code: '52998224725',
        name: 'Leia Organa',
        gender: 'F',
        birthDate: '1990-05-20',
        email: 'leia@example.com',
        phone: '5511974749090',
      },
      useCase: 'Onboarding',
      subsidiaryId: '0f8fad5b-d9cb-469f-a165-70867728950e',
      imageBase64: PNG,
    });
  });

  it('makes exactly one token request for 200 concurrent calls on a cold client', async () => {
    const { server, client } = await setup();
    const captures = Array.from({ length: 200 }, () => server.emulator.createCapture());
    const results = await Promise.all(
      captures.map((c) => client.createProcess(inputFor(SCENARIOS.verified.cpf, c))),
    );
    expect(results.every((r) => r.kind === 'verified')).toBe(true);
    expect(server.emulator.stats.tokenRequests).toBe(1);
    expect(server.emulator.stats.processRequests).toBe(200);
  });

  it('reuses the cached token across sequential calls', async () => {
    const { server, client } = await setup();
    for (let i = 0; i < 5; i++) await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(server.emulator.stats.tokenRequests).toBe(1);
  });

  it('fetches a new token once the cached one nears expiry', async () => {
    const { server, client } = await setup({ tokenTtlSeconds: 1 });
    await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    await new Promise((r) => setTimeout(r, 1_100));
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(result.kind).toBe('verified');
    expect(server.emulator.stats.tokenRequests).toBe(2);
  });

  it('warmup() obtains the token so the first call does not', async () => {
    const { server, client } = await setup();
    await client.warmup();
    expect(server.emulator.stats.tokenRequests).toBe(1);
    await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(server.emulator.stats.tokenRequests).toBe(1);
  });

  it('on a 401 drops the token, fetches a new one and retries the call once', async () => {
    const { server, client } = await setup();
    await client.warmup();
    server.emulator.revokeTokens();
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(result.kind).toBe('verified');
    expect(server.emulator.stats.tokenRequests).toBe(2);
    expect(server.emulator.stats.processRequests).toBe(2);
  });

  it('treats a 403 with a token code (10501/10502) like a 401', async () => {
    const { server, client } = await setup();
    server.emulator.inject({ status: 403, body: { error: { code: 10502, description: 'token expirado' } } });
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(result.kind).toBe('verified');
    expect(server.emulator.stats.tokenRequests).toBe(2);
  });

  it('retries a 429 after Retry-After and returns the verdict', async () => {
    const { server, client } = await setup();
    server.emulator.inject({
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: { code: '429' } },
    });
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(result.kind).toBe('verified');
    expect(server.emulator.stats.processRequests).toBe(2);
  });

  it('keeps unknown response fields in raw and never throws on them', async () => {
    const { server, client } = await setup();
    const body = {
      id: 'p-1',
      status: 3,
      unicoId: { result: 'yes', confidence: 'high' },
      score: 80,
      government: { serpro: 95 },
      idCloud: { result: 'approved' },
    };
    server.emulator.inject({ status: 200, body });
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(result.kind).toBe('verified');
    expect(result.raw).toEqual(body);
  });

  it('decodes a status 3 with an undocumented unicoId result as unrecognized', async () => {
    const { server, client } = await setup();
    server.emulator.inject({ status: 200, body: { id: 'p-2', status: 3, unicoId: { result: 'maybe' } } });
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(result).toMatchObject({ kind: 'unrecognized', id: 'p-2', status: 3 });
  });

  it('accepts 201 as a success', async () => {
    const { server, client } = await setup();
    server.emulator.inject({ status: 201, body: { id: 'p-3', status: 5 } });
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    expect(result).toMatchObject({ kind: 'process-error', id: 'p-3' });
  });

  it('narrows results by kind at compile time', async () => {
    const { client } = await setup();
    const result = await client.createProcess(inputFor(SCENARIOS['inconclusive-liveness-passed'].cpf, PNG));
    switch (result.kind) {
      case 'inconclusive':
        expect(result.liveness).toBe('not-checked');
        break;
      default:
        throw new Error(`unexpected ${result.kind}`);
    }
  });

  it('accepts a PKCS#1 key and a PEM with literal \\n sequences', async () => {
    const { server } = await setup();
    const { createPrivateKey } = await import('node:crypto');
    const pkcs1 = createPrivateKey(server.emulator.credentials.privateKey)
      .export({ type: 'pkcs1', format: 'pem' })
      .toString();
    for (const privateKey of [pkcs1, pkcs1.replace(/\n/g, '\\n')]) {
      const base = server.clientOptions();
      const client = new IdCloudClient({ ...base, serviceAccount: { ...base.serviceAccount, privateKey } });
      expect((await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG))).kind).toBe('verified');
      await client.close();
    }
  });
});

describe('client lifecycle', () => {
  it('close() can be called twice, and the client can be closed before any call', async () => {
    const { client } = await setup();
    await client.warmup();
    await client.close();
    await expect(client.close()).resolves.toBeUndefined();
    const { server } = await setup();
    const unused = new IdCloudClient(server.clientOptions());
    await expect(unused.close()).resolves.toBeUndefined();
  });
});

describe('client after close()', () => {
  it('is final: every method rejects at once with ERR_CLIENT_CLOSED and nothing is sent', async () => {
    const { server, client } = await setup();
    await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    await client.close();
    const before = { ...server.emulator.stats };
    const calls = [
      client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG), { requestId: 'after-close' }),
      client.getProcess('80371b2a-3ac7-432e-866d-57fe37896ac6', { imageKind: 'sdk-capture' }),
      client.warmup(),
    ];
    for (const call of calls) await expect(call).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    await expect(calls[0]).rejects.toMatchObject({ requestId: 'after-close' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.emulator.stats).toEqual(before);
    await expect(client.close()).resolves.toBeUndefined();
  });
});
