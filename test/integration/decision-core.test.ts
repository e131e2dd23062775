/**
 * The six seams a new maintainer found failing (issue "One decision core"), each on real loopback
 * sockets, counting the requests that reached the server.
 */
import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, type ClientOptions, ENVIRONMENTS, IdCloudClient, TokenError } from '../../src/index.js';
import { createSamplePng } from '../../src/testing/index.js';
import {
  faults,
  PLANTED,
  plantedEchoes,
  type ScriptedServer,
  startScriptedServer,
} from '../helpers/scripted-server.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PNG = createSamplePng();
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

async function start(
  overrides: Partial<ClientOptions> = {},
): Promise<{ server: ScriptedServer; client: IdCloudClient }> {
  const server = await startScriptedServer();
  const client = new IdCloudClient({
    environment: server.environment,
    serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey },
    apiKey: PLANTED.apiKey,
    ...overrides,
  });
  open.push(server, client);
  return { server, client };
}

const input = () => ({
  subject: { code: PLANTED.cpf, name: PLANTED.name, email: PLANTED.email },
  useCase: 'Onboarding',
  imageBase64: PNG,
});

describe('1. a dispatcher without compose()', () => {
  it('is tracked through dispatch(): a reset after the body is one POST and ERR_OUTCOME_UNKNOWN', async () => {
    const agent = new Agent();
    open.push(agent);
    // A thin wrapper: dispatch() forwarded, no compose(), as a wrapper or another undici copy has.
    const wrapper = { dispatch: (opts: never, handler: never) => agent.dispatch(opts, handler) };
    const { server, client } = await start({ dispatcher: wrapper as unknown as Dispatcher, maxRetries: 2 });
    server.script('api', faults.resetAfterBody, faults.resetAfterBody, faults.resetAfterBody);
    await expect(client.createProcess(input())).rejects.toMatchObject({
      code: 'ERR_OUTCOME_UNKNOWN',
      reason: 'connection-lost',
    });
    expect(server.hits.api).toBe(1);
  });

  it('still proves "never sent" through the wrapper: a refused connection is retried as ERR_NETWORK', async () => {
    const agent = new Agent();
    open.push(agent);
    const wrapper = { dispatch: (opts: never, handler: never) => agent.dispatch(opts, handler) };
    const { server } = await start();
    const client = new IdCloudClient({
      environment: { apiBaseUrl: 'http://127.0.0.1:9', tokenUrl: server.environment.tokenUrl },
      serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey },
      apiKey: PLANTED.apiKey,
      dispatcher: wrapper as unknown as Dispatcher,
    });
    open.push(client);
    await expect(client.createProcess(input())).rejects.toMatchObject({ code: 'ERR_NETWORK' });
  });

  it('is refused at construction when it has no dispatch(): its writes could not be seen', () => {
    const agent = new Agent();
    open.push(agent);
    const requestOnly = { request: (opts: never) => agent.request(opts) };
    expect(
      () =>
        new IdCloudClient({
          environment: 'uat',
          serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey },
          apiKey: 'k',
          dispatcher: requestOnly as unknown as Dispatcher,
        }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_CONFIG',
        issues: [expect.objectContaining({ path: 'dispatcher' })],
      }),
    );
  });
});

describe('2. a rejected key is remembered', () => {
  it('6 sequential calls under 1.2.21 make one token request; each fails fast with its own requestId', async () => {
    const { server, client } = await start();
    for (let i = 0; i < 10; i++) server.script('token', faults.tokenRejected('1.2.21'));
    const errors: TokenError[] = [];
    for (let i = 0; i < 6; i++) {
      const err = await client.createProcess(input(), { requestId: `call-${i}` }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TokenError);
      errors.push(err as TokenError);
    }
    expect(server.hits.token).toBeLessThanOrEqual(2);
    expect(server.hits.token).toBe(1);
    expect(server.hits.api).toBe(0);
    expect(errors.map((e) => e.requestId)).toEqual([
      'call-0',
      'call-1',
      'call-2',
      'call-3',
      'call-4',
      'call-5',
    ]);
    expect(errors.every((e) => e.unicoCode === '1.2.21' && e.reason === 'rejected')).toBe(true);
  });

  it('does not remember a 5xx of the token endpoint: the next call asks again and succeeds', async () => {
    const { server, client } = await start({ maxRetries: 0 });
    server.script('token', faults.json(503, { error: 'unavailable' }));
    await expect(client.createProcess(input())).rejects.toMatchObject({ code: 'ERR_TOKEN' });
    await expect(client.createProcess(input())).resolves.toMatchObject({ kind: 'verified' });
    expect(server.hits.token).toBe(2);
  });
});

describe('3. an API that answers 401 to every call', () => {
  it('5 calls make at most 3 token requests: a fresh token refused again is not the problem', async () => {
    const { server, client } = await start();
    for (let i = 0; i < 20; i++)
      server.script('api', faults.json(401, { error: { code: '401', description: 'x' } }));
    for (let i = 0; i < 5; i++) {
      await expect(client.createProcess(input())).rejects.toMatchObject({ code: 'ERR_API', httpStatus: 401 });
    }
    expect(server.hits.token).toBeLessThanOrEqual(3);
    expect(server.hits.token).toBe(2);
    expect(server.hits.api).toBe(6);
  });

  it('still refreshes once when a token really was revoked', async () => {
    const { server, client } = await start();
    server.script('api', faults.json(401, { error: { code: '401' } }));
    await expect(client.createProcess(input())).resolves.toMatchObject({ kind: 'verified' });
    expect(server.hits.token).toBe(2);
  });
});

describe('4. close() is final', () => {
  it('after close(), every method rejects at once with ERR_CLIENT_CLOSED and nothing is sent', async () => {
    const { server, client } = await start();
    await client.close();
    await expect(client.createProcess(input())).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    await expect(client.getProcess('abc', { imageKind: 'plain-image' })).rejects.toMatchObject({
      code: 'ERR_CLIENT_CLOSED',
    });
    await expect(client.warmup()).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    expect(server.hits).toEqual({ token: 0, api: 0 });
    expect(server.connections()).toBe(0);
  });

  it('a call waiting for a token when close() comes rejects with ERR_CLIENT_CLOSED, not a timeout', async () => {
    const { server, client } = await start();
    server.script('token', faults.stallHeaders);
    const call = client.createProcess(input(), { requestId: 'in-flight' });
    const settled = expect(call).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED', requestId: 'in-flight' });
    while (server.hits.token === 0) await new Promise((r) => setTimeout(r, 5));
    await client.close();
    await settled;
    expect(server.hits.api).toBe(0);
  });
});

describe('5. Retry-After is reported as asked', () => {
  it('Retry-After: 120 gives retryAfterMs 120000 at once, without waiting or retrying', async () => {
    const { server, client } = await start();
    server.script('api', faults.json(429, { error: { code: '429' } }, { 'retry-after': '120' }));
    const t0 = performance.now();
    await expect(client.createProcess(input())).rejects.toMatchObject({
      code: 'ERR_RATE_LIMITED',
      retryAfterMs: 120_000,
    });
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(server.hits.api).toBe(1);
  });
});

describe('6. server text echoing the subject', () => {
  it('reaches no rendering, in any case or format; description is reachable and scrubbed', async () => {
    const { server, client } = await start();
    server.script('api', faults.apiEcho(400));
    const err = (await client.createProcess(input()).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    const rendered = [
      err.message,
      String(err),
      JSON.stringify(err),
      inspect(err),
      inspect(err, { depth: 9 }),
    ];
    for (const text of rendered) {
      expect(text).not.toMatch(/luke|quixote|zebedeu|planted|529\.?982/i);
    }
    expect(typeof err.description).toBe('string');
    const lower = (err.description ?? '').toLowerCase();
    for (const value of [PLANTED.name, PLANTED.email, PLANTED.apiKey, PLANTED.cpf]) {
      expect(lower).not.toContain(value.toLowerCase());
    }
    expect(lower).not.toMatch(/zebedeu|quixote/);
    expect(plantedEchoes().length).toBeGreaterThan(0);
  });
});

describe('also found', () => {
  it('ENVIRONMENTS cannot be rewritten to redirect a live client', () => {
    expect(() => {
      (ENVIRONMENTS.production as { apiBaseUrl: string }).apiBaseUrl = 'https://evil.example';
    }).toThrow(TypeError);
    expect(ENVIRONMENTS.production.apiBaseUrl).toBe('https://api.id.unico.app');
  });

  it('an unknown per-call option is refused before anything is sent, naming it', async () => {
    const { server, client } = await start();
    await expect(client.createProcess(input(), { timeout: 1 } as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      issues: [{ path: 'options.timeout', message: 'unknown option' }],
    });
    expect(server.hits).toEqual({ token: 0, api: 0 });
  });

  it('a "yes" that arrives with liveness exposes it', async () => {
    const { server, client } = await start();
    server.script('api', faults.verdict({ status: 3, unicoId: { result: 'yes' }, liveness: 1 }));
    const result = await client.createProcess({ ...input(), imageBase64: PNG });
    expect(result).toMatchObject({ kind: 'verified', liveness: 'not-checked' });
  });
});
