import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { IdCloudClient } from '../../src/index.js';
import { CAPABILITY_SCENARIOS, type CapabilityScenario, createSamplePng } from '../../src/testing/index.js';
import { inputFor, setup } from '../helpers/emulator.js';
import { type Fault, faults, type ScriptedServer, startScriptedServer } from '../helpers/scripted-server.js';

const ID = 'a0acf800-c631-4f93-9597-779553e276e6';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function scripted(maxRetries?: number): Promise<{ server: ScriptedServer; client: IdCloudClient }> {
  const server = await startScriptedServer();
  const client = new IdCloudClient({
    environment: server.environment,
    serviceAccount: { accountName: 'a', tenantId: 't', privateKey },
    apiKey: 'k',
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });
  open.push(client, server);
  return { server, client };
}

const status = (value: number, fields: Record<string, unknown> = {}) =>
  faults.verdict({ status: value, ...fields });
const apiGaps = (server: ScriptedServer) =>
  server.arrivals
    .filter((a) => a.endpoint === 'api')
    .map((a, i, all) => (i === 0 ? 0 : a.at - (all[i - 1]?.at ?? 0)))
    .slice(1);

describe('waitForResult on a loopback server', () => {
  it('follows status 1 to status 3 and returns the decoded verdict with its blocks', async () => {
    const { server, client } = await scripted();
    server.script(
      'api',
      status(1, { unicoId: { result: 'inconclusive' }, identityFraudsters: { result: 'yes' }, liveness: 1 }),
      status(1),
      status(3, {
        unicoId: { result: 'inconclusive' },
        identityFraudsters: { result: 'yes' },
        liveness: 1,
        score: -45,
      }),
    );
    const result = await client.waitForResult(ID, { imageKind: 'sdk-capture', pollIntervalMs: 40 });
    expect(result).toMatchObject({
      kind: 'inconclusive',
      status: 3,
      liveness: 'passed',
      behaviorAlert: { value: 'fraud-signals' },
      riskScore: { value: 'score', score: -45 },
    });
    expect(server.hits.api).toBe(3);
    // The pause grows: 40 ms, then 60 ms.
    const [first = 0, second = 0] = apiGaps(server);
    expect(first).toBeGreaterThanOrEqual(39);
    expect(second).toBeGreaterThanOrEqual(59);
  });

  it('follows status 1 to status 5 and returns the process error', async () => {
    const { server, client } = await scripted();
    server.script('api', status(1), status(1), status(5));
    const result = await client.waitForResult(ID, { imageKind: 'plain-image', pollIntervalMs: 10 });
    expect(result).toMatchObject({ kind: 'process-error', status: 5, id: ID });
    expect(server.hits.api).toBe(3);
  });

  it('returns at once when the first answer is already final (status 4 included)', async () => {
    const { server, client } = await scripted();
    server.script('api', status(4));
    const result = await client.waitForResult(ID, { imageKind: 'sdk-capture' });
    expect(result).toMatchObject({ kind: 'not-final', status: 4 });
    expect(server.hits.api).toBe(1);
  });

  it('ends with ERR_TIMEOUT carrying the last status at the deadline, and polls no more', async () => {
    const { server, client } = await scripted();
    server.script('api', ...Array.from({ length: 200 }, () => status(2)));
    await client.warmup();
    const started = performance.now();
    const err = await client
      .waitForResult(ID, { imageKind: 'sdk-capture', timeoutMs: 300, pollIntervalMs: 20 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_TIMEOUT', timeoutMs: 300, lastStatus: 2 });
    expect(String((err as Error).message)).toContain('status 2');
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    const polls = server.hits.api;
    expect(polls).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, 150));
    expect(server.hits.api).toBe(polls);
  });

  it('ends with ERR_ABORTED when the caller aborts between polls, and polls no more', async () => {
    const { server, client } = await scripted();
    server.script('api', ...Array.from({ length: 50 }, () => status(1)));
    const controller = new AbortController();
    const waiting = client.waitForResult(ID, {
      imageKind: 'sdk-capture',
      signal: controller.signal,
      pollIntervalMs: 1_000,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(server.hits.api).toBe(1);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ABORTED', requestSent: false });
    await new Promise((r) => setTimeout(r, 100));
    expect(server.hits.api).toBe(1);
  });

  it('waits out a 429 as its Retry-After asks, then goes on polling', async () => {
    const { server, client } = await scripted();
    server.script(
      'api',
      status(1),
      faults.json(429, {}, { 'retry-after': '1' }),
      status(3, { unicoId: { result: 'yes' } }),
    );
    const result = await client.waitForResult(ID, { imageKind: 'sdk-capture', pollIntervalMs: 10 });
    expect(result.kind).toBe('verified');
    expect(server.hits.api).toBe(3);
    expect(apiGaps(server)[1]).toBeGreaterThanOrEqual(990);
  });

  it('waits out a 429 that getProcess gives up on (no retries left) before the next poll', async () => {
    const { server, client } = await scripted(0);
    server.script(
      'api',
      faults.json(429, {}, { 'retry-after': '1' }),
      status(3, { unicoId: { result: 'no' } }),
    );
    const result = await client.waitForResult(ID, { imageKind: 'sdk-capture', pollIntervalMs: 10 });
    expect(result.kind).toBe('not-verified');
    expect(server.hits.api).toBe(2);
    expect(apiGaps(server)[0]).toBeGreaterThanOrEqual(990);
  });

  it('keeps one GET in flight per process id for concurrent waits on the same client', async () => {
    const { server, client } = await scripted();
    let inFlight = 0;
    let most = 0;
    const slow = (value: number): Fault => ({
      run: (_req, res) => {
        inFlight++;
        most = Math.max(most, inFlight);
        setTimeout(() => {
          inFlight--;
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ id: ID, status: value }));
        }, 80);
      },
    });
    server.script('api', slow(1), slow(1), slow(5), slow(5), slow(5));
    const options = { imageKind: 'sdk-capture', pollIntervalMs: 10 } as const;
    const results = await Promise.all([
      client.waitForResult(ID, options),
      client.waitForResult(ID, options),
      client.waitForResult(ID, { ...options, imageKind: 'plain-image' }),
    ]);
    expect(results.map((r) => r.kind)).toEqual(['process-error', 'process-error', 'process-error']);
    expect(most).toBe(1);
    expect(server.hits.api).toBe(3);
  });

  it('goes on for the other waiters when the waiter whose GET they share aborts', async () => {
    const { server, client } = await scripted();
    const slow: Fault = {
      run: (_req, res) => {
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x","status":1}'),
          150,
        );
      },
    };
    server.script('api', slow, status(5));
    await client.warmup();
    const controller = new AbortController();
    const first = client.waitForResult(ID, { imageKind: 'sdk-capture', signal: controller.signal });
    const second = client.waitForResult(ID, { imageKind: 'sdk-capture', pollIntervalMs: 10 });
    setTimeout(() => controller.abort(), 50);
    await expect(first).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    await expect(second).resolves.toMatchObject({ kind: 'process-error' });
  });

  it('gives each waiter the decoding of its own image kind when they share a GET', async () => {
    const { server, client } = await scripted();
    const body = JSON.stringify({ id: ID, status: 3, unicoId: { result: 'inconclusive' }, liveness: 1 });
    server.script('api', {
      run: (_req, res) => {
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), 50);
      },
    });
    const [capture, plain] = await Promise.all([
      client.waitForResult(ID, { imageKind: 'sdk-capture' }),
      client.waitForResult(ID, { imageKind: 'plain-image' }),
    ]);
    expect(capture).toMatchObject({ kind: 'inconclusive', liveness: 'passed', livenessChecked: true });
    expect(plain).toMatchObject({ kind: 'inconclusive', liveness: 'not-checked', livenessChecked: false });
    expect(server.hits.api).toBe(1);
  });

  it('stops at an API error such as 404 instead of polling on', async () => {
    const { server, client } = await scripted();
    server.script('api', faults.json(404, { error: { code: '40400', description: 'not found' } }));
    await expect(client.waitForResult(ID, { imageKind: 'sdk-capture' })).rejects.toMatchObject({
      code: 'ERR_API',
      httpStatus: 404,
    });
    expect(server.hits.api).toBe(1);
  });

  it('refuses bad options before any request', async () => {
    const { server, client } = await scripted();
    for (const options of [
      { imageKind: 'sdk-capture', pollIntervalMs: 0 },
      { imageKind: 'sdk-capture', pollIntervalMs: 1.5 },
      { imageKind: 'sdk-capture', timeoutMs: -1 },
      { imageKind: 'sdk-capture', interval: 10 },
      {},
    ]) {
      await expect(client.waitForResult(ID, options as never)).rejects.toMatchObject({
        code: 'ERR_INVALID_INPUT',
      });
    }
    expect(server.hits.api + server.hits.token).toBe(0);
  });
});

describe('emulator scenarios of richer keys, decoded by the client', () => {
  const expected: Record<CapabilityScenario, Record<string, unknown>> = {
    'behavior-alert': {
      kind: 'inconclusive',
      liveness: 'passed',
      behaviorAlert: { value: 'fraud-signals' },
      riskScore: { value: 'score', score: -45 },
    },
    'serpro-similarity': {
      kind: 'verified',
      behaviorAlert: { value: 'no-fraud-signals' },
      serpro: { value: 'score', score: 87 },
    },
    'serpro-no-face': { kind: 'verified', serpro: { value: 'no-face-on-file' } },
    'risk-score': { kind: 'inconclusive', liveness: 'passed', riskScore: { value: 'score', score: 28 } },
    'flow-result': { kind: 'unrecognized', flowResult: { value: 'reproved' } },
    'processing-then-completed': {
      kind: 'not-final',
      status: 1,
      behaviorAlert: { value: 'no-fraud-signals' },
      serpro: { value: 'score', score: 50 },
    },
    'processing-then-error': {
      kind: 'not-final',
      status: 1,
      behaviorAlert: { value: 'no-fraud-signals' },
      serpro: { value: 'score', score: 50 },
    },
  };

  it('has an expectation for every scenario', () => {
    expect(Object.keys(CAPABILITY_SCENARIOS).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.values(CAPABILITY_SCENARIOS).map((s) => [s.name, s] as const))(
    '%s answers its blocks to an SDK capture',
    async (name, scenario) => {
      const { server, client } = await setup();
      const result = await client.createProcess(inputFor(scenario.cpf, server.emulator.createCapture()));
      expect(result).toMatchObject(expected[name]);
      const blocks = ['behaviorAlert', 'serpro', 'riskScore', 'flowResult'];
      for (const block of blocks) if (!(block in expected[name])) expect(result).not.toHaveProperty(block);
    },
  );

  it('reports liveness 1 for a plain image, as Unico does', async () => {
    const { client } = await setup();
    const result = await client.createProcess(
      inputFor(CAPABILITY_SCENARIOS['risk-score'].cpf, createSamplePng()),
    );
    expect(result.raw['liveness']).toBe(1);
    expect(result).toMatchObject({ liveness: 'not-checked', riskScore: { value: 'score', score: 28 } });
  });
});

describe('waitForResult on the emulator', () => {
  it('follows a process created with status 1 to its verdict', async () => {
    const { server, client } = await setup({ pollsBeforeFinal: 2 });
    const created = await client.createProcess(
      inputFor(CAPABILITY_SCENARIOS['processing-then-completed'].cpf, server.emulator.createCapture()),
    );
    expect(created).toMatchObject({
      kind: 'not-final',
      status: 1,
      behaviorAlert: { value: 'no-fraud-signals' },
    });
    const result = await client.waitForResult(created.id, { imageKind: 'sdk-capture', pollIntervalMs: 10 });
    expect(result).toMatchObject({ id: created.id, kind: 'inconclusive', status: 3 });
    expect(result.riskScore).toEqual({ value: 'score', score: expect.any(Number) });
    expect(server.emulator.stats.getRequests).toBe(3);
  });

  it('follows a process that goes from status 1 to status 5', async () => {
    const { server, client } = await setup({ pollsBeforeFinal: 1 });
    const created = await client.createProcess(
      inputFor(CAPABILITY_SCENARIOS['processing-then-error'].cpf, server.emulator.createCapture()),
    );
    expect(created.status).toBe(1);
    const result = await client.waitForResult(created.id, { imageKind: 'sdk-capture', pollIntervalMs: 10 });
    expect(result).toMatchObject({ id: created.id, kind: 'process-error', status: 5 });
    expect(server.emulator.stats.getRequests).toBe(2);
  });
});
