// The token source on real loopback sockets: requests are counted where they arrive.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenSource, type TokenSourceConfig } from '../../src/auth/tokens.js';
import { ClientClosedError, TokenError } from '../../src/errors.js';
import { createUndiciTransport } from '../../src/http/undici.js';
import { MemoryTokenStore } from '../../src/index.js';
import { TOKEN_REJECTION_COOLDOWN_MS } from '../../src/policy/token.js';
import {
  createSamplePng,
  type EmulatorServer,
  SCENARIOS,
  startEmulatorServer,
} from '../../src/testing/index.js';
import { inputFor, setup } from '../helpers/emulator.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const run of cleanup.splice(0)) await run();
});

async function server(options: { tokenDelayMs?: number } = {}): Promise<EmulatorServer> {
  const s = await startEmulatorServer(options);
  cleanup.push(() => s.close());
  return s;
}

/** A token source for the emulator's account; by default with a key it does not know (1.2.21). */
function source(s: EmulatorServer | { tokenUrl: string }, overrides: Partial<TokenSourceConfig> = {}) {
  const transport = createUndiciTransport();
  cleanup.push(() => transport.close?.());
  const tokenUrl = 'emulator' in s ? s.environment.tokenUrl : s.tokenUrl;
  const { accountName, tenantId } =
    'emulator' in s ? s.emulator.credentials : { accountName: 'a', tenantId: 't' };
  const tokens = createTokenSource({
    transport,
    tokenUrl,
    issuer: `${accountName}@${tenantId}.iam.acesso.io`,
    audience: new URL(tokenUrl).origin,
    key: unknownKey,
    timeoutMs: 5_000,
    attemptTimeoutMs: 5_000,
    maxRetries: 2,
    headers: { 'user-agent': 'test' },
    ...overrides,
  });
  cleanup.push(() => tokens.close());
  return tokens;
}
const unknownKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const emulatorKey = (s: EmulatorServer) => createPrivateKey(s.emulator.credentials.privateKey);
const never = () => new AbortController().signal;
const settle = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

/** A token endpoint that answers every request with `status`, counting them. */
async function answering(status: number, body: unknown): Promise<{ url: string; count: () => number }> {
  let requests = 0;
  const http = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)),
    );
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () => new Promise<void>((resolve) => http.close(() => resolve()) && http.closeAllConnections()),
  );
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/oauth2/token`,
    count: () => requests,
  };
}

describe('token rejection cooldown', () => {
  it('1.2.21 on every token request: 6 sequential gets send 1 token request and all fail with it', async () => {
    const s = await server();
    const tokens = source(s); // a key the emulator does not know: 1.2.21
    const errors = [];
    for (let i = 0; i < 6; i++) errors.push(await settle(tokens.get(never())));
    expect(s.emulator.stats.tokenRequests).toBe(1);
    for (const err of errors)
      expect(err).toMatchObject({ code: 'ERR_TOKEN', unicoCode: '1.2.21', reason: 'rejected' });
  });

  it('through the client: 6 calls with a key Unico refuses make at most 2 token requests', async () => {
    const { server: s, client } = await setup(
      {},
      { serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey: otherPem() } },
    );
    const input = inputFor(SCENARIOS.verified.cpf, createSamplePng());
    for (let i = 0; i < 6; i++) {
      await expect(client.createProcess(input)).rejects.toBeInstanceOf(TokenError);
    }
    expect(s.emulator.stats.tokenRequests).toBeLessThanOrEqual(2);
    expect(s.emulator.stats.processRequests).toBe(0);
  });

  it('asks again once the cooldown is over', async () => {
    const s = await server();
    const tokens = source(s);
    vi.useFakeTimers({ toFake: ['Date'] });
    await settle(tokens.get(never()));
    vi.setSystemTime(Date.now() + TOKEN_REJECTION_COOLDOWN_MS - 1_000);
    await settle(tokens.get(never()));
    expect(s.emulator.stats.tokenRequests).toBe(1);
    vi.setSystemTime(Date.now() + 1_001);
    await settle(tokens.get(never()));
    expect(s.emulator.stats.tokenRequests).toBe(2);
  });

  it('a 400 without a Unico code is a rejection too', async () => {
    const endpoint = await answering(400, { error: 'invalid_grant' });
    const tokens = source({ tokenUrl: endpoint.url });
    for (let i = 0; i < 3; i++) expect(await settle(tokens.get(never()))).toMatchObject({ httpStatus: 400 });
    expect(endpoint.count()).toBe(1);
  });

  it('5xx is not a rejection: every later get asks again', async () => {
    const endpoint = await answering(503, {});
    const tokens = source({ tokenUrl: endpoint.url }, { maxRetries: 0 });
    for (let i = 0; i < 3; i++) expect(await settle(tokens.get(never()))).toMatchObject({ httpStatus: 503 });
    expect(endpoint.count()).toBe(3);
  });

  it('a timeout is not a rejection: every later get asks again', async () => {
    const s = await server({ tokenDelayMs: 2_000 });
    const tokens = source(s, { timeoutMs: 100, attemptTimeoutMs: 100, maxRetries: 0 });
    for (let i = 0; i < 3; i++)
      expect(await settle(tokens.get(never()))).toMatchObject({ reason: 'timeout' });
    expect(s.emulator.stats.tokenRequests).toBe(3);
  });
});

describe('close() is final', () => {
  it('after close(), get() rejects at once with ClientClosedError and sends nothing', async () => {
    const s = await server();
    const tokens = source(s, { key: emulatorKey(s) });
    await expect(tokens.get(never())).resolves.toEqual(expect.any(String));
    tokens.close();
    for (let i = 0; i < 3; i++) await expect(tokens.get(never())).rejects.toBeInstanceOf(ClientClosedError);
    expect(s.emulator.stats.tokenRequests).toBe(1);
  });

  it('a refresh in flight when close() is called rejects with ClientClosedError, not a timeout', async () => {
    const s = await server({ tokenDelayMs: 60_000 });
    const tokens = source(s, { key: emulatorKey(s), timeoutMs: 10_000 });
    const waiting = settle(tokens.get(never()));
    await vi.waitFor(() => expect(s.emulator.stats.tokenRequests).toBe(1));
    tokens.close();
    expect(await waiting).toBeInstanceOf(ClientClosedError);
  });
});

describe('createTokenSource with a store', () => {
  it('shares one token between two sources and reports store problems with safe fields only', async () => {
    const s = await server();
    const store = new MemoryTokenStore();
    const identity = {
      environment: 'custom',
      tokenUrl: s.environment.tokenUrl,
      tenantId: 't',
      accountName: 'a',
    };
    const key = emulatorKey(s);
    const a = source(s, { key, store: { store, identity } });
    const b = source(s, { key, store: { store, identity } });
    const [ta, tb] = await Promise.all([a.get(never()), b.get(never())]);
    expect(ta).toBe(tb);
    expect(s.emulator.stats.tokenRequests).toBe(1);

    const problems: unknown[] = [];
    const broken = {
      get: () => Promise.reject(Object.assign(new Error(`leaks ${ta}`), { code: 'ECONNRESET' })),
      set: async () => undefined,
    };
    const c = source(s, {
      key,
      store: { store: broken, identity },
      onStoreProblem: (fields, message) => problems.push({ fields, message }),
    });
    await expect(c.get(never())).resolves.toEqual(expect.any(String));
    expect(problems).toEqual([
      {
        fields: { operation: 'get', reason: 'error', errorName: 'Error', errorCode: 'ECONNRESET' },
        message: 'unico-idcloud: token store call failed; using the in-memory token',
      },
    ]);
  });

  it('reports every refresh to onRefresh', async () => {
    const s = await server();
    const reports: unknown[] = [];
    const tokens = source(s, { onRefresh: (r) => reports.push(r) });
    await settle(tokens.get(never()));
    expect(reports).toEqual([
      { durationMs: expect.any(Number), outcome: 'failure', errorCode: 'ERR_TOKEN', unicoCode: '1.2.21' },
    ]);
    const good = source(s, {
      key: emulatorKey(s),
      onRefresh: (r) => reports.push(r),
    });
    await good.get(never());
    expect(reports[1]).toEqual({
      durationMs: expect.any(Number),
      outcome: 'success',
      expiresInSeconds: 3600,
    });
  });
});

function otherPem(): string {
  return unknownKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
