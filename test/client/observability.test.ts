import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type {
  Hooks,
  Logger,
  RequestEndEvent,
  RequestStartEvent,
  RetryEvent,
  TokenRefreshEvent,
} from '../../src/index.js';
import { createSamplePng, SCENARIOS } from '../../src/testing/index.js';
import { inputFor, setup } from '../helpers/emulator.js';
import { leakedSecrets } from '../helpers/leaks.js';

const PNG = createSamplePng();
const NAME = 'Luke Skywalker';

function recordingHooks() {
  const events: Array<[string, RequestStartEvent | RequestEndEvent | RetryEvent | TokenRefreshEvent]> = [];
  const hooks: Hooks = {
    onRequestStart: (e) => events.push(['start', e]),
    onRequestEnd: (e) => events.push(['end', e]),
    onRetry: (e) => events.push(['retry', e]),
    onTokenRefresh: (e) => events.push(['token', e]),
  };
  return { hooks, events };
}

describe('observability', () => {
  it('reports token refresh, request start/end and retries with ids, statuses and codes', async () => {
    const { hooks, events } = recordingHooks();
    const { server, client } = await setup({}, { hooks });
    server.emulator.inject(
      { status: 429, headers: { 'retry-after': '0' }, body: { error: { code: '42900' } } },
      { status: 401, body: { error: { code: '10501', description: 'token inválido' } } },
    );
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG), { requestId: 'req-1' });
    expect(result.kind).toBe('verified');
    expect(events.map(([type]) => type)).toEqual([
      'token',
      'start',
      'end',
      'retry',
      'start',
      'end',
      'retry',
      'token',
      'start',
      'end',
    ]);
    const [, firstToken] = events[0]!;
    expect(firstToken).toMatchObject({ outcome: 'success', expiresInSeconds: 3600 });
    expect(events[1]?.[1]).toEqual({
      requestId: 'req-1',
      operation: 'createProcess',
      attempt: 1,
      method: 'POST',
      path: '/processes/v1',
    });
    expect(events[2]?.[1]).toMatchObject({ attempt: 1, httpStatus: 429, unicoCode: '42900' });
    expect((events[2]![1] as RequestEndEvent).durationMs).toBeGreaterThanOrEqual(0);
    expect(events[3]?.[1]).toEqual({
      requestId: 'req-1',
      operation: 'createProcess',
      attempt: 2,
      reason: 'rate-limited',
      delayMs: 0,
    });
    expect(events[6]?.[1]).toMatchObject({ reason: 'token-rejected', attempt: 3 });
    expect(events[9]?.[1]).toMatchObject({ attempt: 3, httpStatus: 200 });
    expect(leakedSecrets(events, [server.emulator.credentials.apiKey, NAME, SCENARIOS.verified.cpf])).toEqual(
      [],
    );
  });

  it('reports a failed attempt with its error code and a failed token refresh', async () => {
    const { hooks, events } = recordingHooks();
    const { server } = await setup();
    const options = server.clientOptions({ hooks });
    const { IdCloudClient } = await import('../../src/index.js');
    const client = new IdCloudClient({
      ...options,
      serviceAccount: { ...options.serviceAccount, tenantId: 'x' },
    });
    await expect(client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG))).rejects.toMatchObject({
      code: 'ERR_TOKEN',
    });
    expect(events).toEqual([
      ['token', expect.objectContaining({ outcome: 'failure', errorCode: 'ERR_TOKEN', unicoCode: '1.0.1' })],
    ]);
    await client.close();

    const second = recordingHooks();
    const { server: s2, client: c2 } = await setup({}, { hooks: second.hooks });
    s2.emulator.inject({ status: 503, body: {} });
    await expect(c2.createProcess(inputFor(SCENARIOS.verified.cpf, PNG))).rejects.toMatchObject({
      code: 'ERR_OUTCOME_UNKNOWN',
    });
    expect(second.events.at(-1)).toEqual(['end', expect.objectContaining({ httpStatus: 503, attempt: 1 })]);
  });

  it('ignores a hook that throws', async () => {
    const { client } = await setup(
      {},
      {
        hooks: {
          onRequestStart: () => {
            throw new Error('broken hook');
          },
          onTokenRefresh: () => {
            throw new Error('broken hook');
          },
        },
      },
    );
    await expect(client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG))).resolves.toMatchObject({
      kind: 'verified',
    });
  });

  it('logs only allow-listed headers and never bodies or secrets, with a console-shaped logger', async () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug: (f, m) => lines.push(`debug ${m} ${JSON.stringify(f)}`),
      info: (f, m) => lines.push(`info ${m} ${JSON.stringify(f)}`),
      warn: (f, m) => lines.push(`warn ${m} ${JSON.stringify(f)}`),
      error: (f, m) => lines.push(`error ${m} ${JSON.stringify(f)}`),
    };
    const { server, client } = await setup({}, { logger });
    server.emulator.inject({ status: 429, headers: { 'retry-after': '0' }, body: {} });
    await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    const text = lines.join('\n');
    expect(text).toContain('"x-request-id"');
    expect(text).toContain('"retry-after":"0"');
    expect(text).toContain('info unico-idcloud: retrying');
    expect(text.toLowerCase()).not.toContain('authorization');
    expect(text.toLowerCase()).not.toContain('apikey');
    const tokens = server.emulator.received
      .map((r) => r.headers['authorization']?.slice(7) ?? '')
      .filter(Boolean);
    expect(
      leakedSecrets(
        [text],
        [server.emulator.credentials.apiKey, NAME, SCENARIOS.verified.cpf, PNG.slice(100, 150), ...tokens],
      ),
    ).toEqual([]);
  });

  it('works with pino', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'debug' }, stream);
    const { client } = await setup({}, { logger });
    await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    const records = chunks.map((c) => JSON.parse(c) as { msg: string; requestId?: string });
    expect(records.map((r) => r.msg)).toContain('unico-idcloud: request finished');
    expect(records.find((r) => r.msg === 'unico-idcloud: sending request')?.requestId).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it('sends User-Agent with the SDK, the runtime and the wrapping app', async () => {
    const { server, client } = await setup({}, { appInfo: { name: 'acme-kyc', version: '2.3.1' } });
    await client.createProcess(inputFor(SCENARIOS.verified.cpf, PNG));
    const agents = server.emulator.received.map((r) => r.headers['user-agent']);
    const expected = `unico-idcloud/0.1.0 node/${process.versions.node} acme-kyc/2.3.1`;
    expect(agents).toEqual([expected, expected]);
  });

  it('rejects an appInfo that would corrupt the User-Agent', async () => {
    const { server } = await setup();
    const { IdCloudClient } = await import('../../src/index.js');
    expect(() => new IdCloudClient(server.clientOptions({ appInfo: { name: 'bad name\r\nx' } }))).toThrow(
      /appInfo/,
    );
  });
});
