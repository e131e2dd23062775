import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdCloudClient } from '../../src/index.js';
import { createSamplePng, SCENARIOS } from '../../src/testing/index.js';
import { inputFor, setup } from '../helpers/emulator.js';
import { faults, startScriptedServer } from '../helpers/scripted-server.js';

describe('getProcess', () => {
  it('re-reads a process with the same decoding as createProcess', async () => {
    const { server, client } = await setup();
    const created = await client.createProcess(
      inputFor(SCENARIOS['inconclusive-liveness-passed'].cpf, server.emulator.createCapture()),
    );
    const again = await client.getProcess(created.id, { imageKind: 'sdk-capture' });
    expect(again).toMatchObject({ kind: 'inconclusive', liveness: 'passed', id: created.id, status: 3 });
    expect(again.raw).toEqual(created.raw);
    const asPlain = await client.getProcess(created.id, { imageKind: 'plain-image' });
    expect(asPlain).toMatchObject({ kind: 'inconclusive', liveness: 'not-checked', livenessChecked: false });
    const get = server.emulator.received.at(-1);
    expect(get?.method).toBe('GET');
    expect(get?.path).toBe(`/processes/v1/${created.id}`);
    expect(get?.headers['apikey']).toBe(server.emulator.credentials.apiKey);
    expect(get?.headers['content-type']).toBeUndefined();
  });

  it('reports an unknown id as ERR_API 404', async () => {
    const { client } = await setup();
    await expect(
      client.getProcess('0f8fad5b-d9cb-469f-a165-70867728950e', { imageKind: 'sdk-capture' }),
    ).rejects.toMatchObject({ code: 'ERR_API', httpStatus: 404 });
  });

  it('validates the id and requires imageKind before any network call', async () => {
    const { server, client } = await setup();
    await expect(client.getProcess('../../etc', { imageKind: 'sdk-capture' })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      issues: [{ path: 'id' }],
    });
    await expect(client.getProcess('abc', {} as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      issues: [{ path: 'options.imageKind' }],
    });
    expect(server.emulator.received).toHaveLength(0);
  });

  it('retries a read after a 503 or a lost connection (a GET creates nothing)', async () => {
    const server = await startScriptedServer();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const client = new IdCloudClient({
      environment: server.environment,
      serviceAccount: { accountName: 'a', tenantId: 't', privateKey },
      apiKey: 'k',
    });
    try {
      server.script('api', faults.json(503, {}), faults.resetAfterBody);
      const result = await client.getProcess('p-1', { imageKind: 'plain-image' });
      expect(result.kind).toBe('verified');
      expect(server.hits.api).toBe(3);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('does not retry createProcess on the same failures', async () => {
    const { server, client } = await setup();
    server.emulator.inject({ status: 503, body: {} });
    await expect(
      client.createProcess(inputFor(SCENARIOS.verified.cpf, createSamplePng())),
    ).rejects.toMatchObject({
      code: 'ERR_OUTCOME_UNKNOWN',
    });
    expect(server.emulator.stats.processRequests).toBe(1);
  });
});

describe('warmup', () => {
  it('gets the token and sends nothing to the API host, so the first call only sends its request', async () => {
    const tokenHost = await startScriptedServer();
    const apiHost = await startScriptedServer();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const client = new IdCloudClient({
      environment: { apiBaseUrl: apiHost.url, tokenUrl: tokenHost.environment.tokenUrl },
      serviceAccount: { accountName: 'a', tenantId: 't', privateKey },
      apiKey: 'k',
    });
    try {
      await client.warmup();
      expect(tokenHost.hits.token).toBe(1);
      expect(apiHost.connections()).toBe(0);
      expect(apiHost.hits.api).toBe(0);
      const result = await client.createProcess({
        subject: { code: SCENARIOS.verified.cpf, name: 'Luke' },
        useCase: 'Onboarding',
        imageBase64: createSamplePng(),
      });
      expect(result.kind).toBe('verified');
      expect(apiHost.hits.api).toBe(1);
      expect(tokenHost.hits.token).toBe(1);
    } finally {
      await client.close();
      await tokenHost.close();
      await apiHost.close();
    }
  });

  it('does not fail when the API host cannot be reached yet', async () => {
    const tokenHost = await startScriptedServer();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const client = new IdCloudClient({
      environment: { apiBaseUrl: 'http://127.0.0.1:9', tokenUrl: tokenHost.environment.tokenUrl },
      serviceAccount: { accountName: 'a', tenantId: 't', privateKey },
      apiKey: 'k',
    });
    try {
      await expect(client.warmup()).resolves.toBeUndefined();
      expect(tokenHost.hits.token).toBe(1);
    } finally {
      await client.close();
      await tokenHost.close();
    }
  });
});
