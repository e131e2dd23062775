import { createPrivateKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createEmulator,
  createHandlers,
  createSamplePng,
  type Emulator,
  type EmulatorServer,
  SCENARIOS,
  startEmulatorServer,
} from '../../src/testing/index.js';

const API_BASE = 'https://api.example.test';
const TOKEN_URL = 'https://id.example.test/oauth2/token';
const UAT_TOKEN_URL = 'https://identityhomolog.acesso.io/oauth2/token';
const UAT_API_BASE = 'https://api.id.uat.unico.app';
const UAT_AUDIENCE = 'https://identityhomolog.acesso.io';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Json = Record<string, unknown>;

let seq = 0;

/** A fresh RS256 assertion for `emulator` with the given `aud`. */
async function assertionFor(emulator: Emulator, aud: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const { accountName, tenantId } = emulator.credentials;
  // exp varies so that two assertions signed within one second differ (RS256 is deterministic).
  return new SignJWT({
    iss: `${accountName}@${tenantId}.iam.acesso.io`,
    aud,
    scope: '*',
    iat,
    exp: iat + 600 + seq++,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .sign(createPrivateKey(emulator.credentials.privateKey));
}

/** POSTs an assertion to a token URL through the global fetch. */
async function fetchToken(tokenUrl: string, assertion: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
  return { status: res.status, body: (await res.json()) as Json };
}

/** POSTs a CreateProcess body through the global fetch. */
async function fetchCreate(
  apiBase: string,
  emulator: Emulator,
  token: string,
  body: Json,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${apiBase}/processes/v1`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      APIKEY: emulator.credentials.apiKey,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: (await res.json()) as Json };
}

function processBody(code: string, imageBase64: string): Json {
  return { subject: { code, name: 'Luke Skywalker', gender: 'M' }, useCase: 'Onboarding', imageBase64 };
}

describe('createHandlers with msw setupServer', () => {
  const emulator = createEmulator();
  const server = setupServer(...createHandlers(emulator, { apiBaseUrl: API_BASE, tokenUrl: TOKEN_URL }));

  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it('issues a token and creates a process end to end through fetch', async () => {
    const token = await fetchToken(TOKEN_URL, await assertionFor(emulator, 'https://id.example.test'));
    expect(token.status).toBe(200);
    expect(token.body).toEqual({ access_token: expect.any(String), expires_in: 3600, token_type: 'Bearer' });

    const accessToken = token.body['access_token'] as string;
    const created = await fetchCreate(
      API_BASE,
      emulator,
      accessToken,
      processBody(SCENARIOS['inconclusive-liveness-failed'].cpf, emulator.createCapture()),
    );
    expect(created).toEqual({
      status: 200,
      body: { id: expect.stringMatching(UUID), status: 3, unicoId: { result: 'inconclusive' }, liveness: 2 },
    });

    const res = await fetch(`${API_BASE}/processes/v1/${created.body['id'] as string}`, {
      headers: { authorization: `Bearer ${accessToken}`, apikey: emulator.credentials.apiKey },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(created.body);
  });

  it('takes the audience from the origin of tokenUrl', async () => {
    const wrong = await fetchToken(TOKEN_URL, await assertionFor(emulator, TOKEN_URL));
    expect(wrong).toEqual({
      status: 401,
      body: { error: 'server_error', error_description: 'Falha na autenticação 1.2.5' },
    });
  });

  it('answers API errors through fetch', async () => {
    const token = await fetchToken(TOKEN_URL, await assertionFor(emulator, 'https://id.example.test'));
    const res = await fetchCreate(
      API_BASE,
      emulator,
      token.body['access_token'] as string,
      processBody(SCENARIOS['rate-limited'].cpf, createSamplePng()),
    );
    expect(res).toEqual({ status: 429, body: { error: { code: '42900', description: expect.any(String) } } });
  });

  it('answers 404 through fetch for an unknown process id', async () => {
    const token = await fetchToken(TOKEN_URL, await assertionFor(emulator, 'https://id.example.test'));
    const res = await fetch(`${API_BASE}/processes/v1/unknown-id`, {
      headers: {
        authorization: `Bearer ${token.body['access_token'] as string}`,
        apikey: emulator.credentials.apiKey,
      },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: '40400', description: expect.any(String) } });
  });

  it('mounts on the UAT hosts by default, with the UAT token host as audience', async () => {
    const uat = createEmulator();
    server.use(...createHandlers(uat));
    const rejected = await fetchToken(UAT_TOKEN_URL, await assertionFor(uat, `${UAT_AUDIENCE}/`));
    expect(rejected.body).toEqual({
      error: 'server_error',
      error_description: 'Falha na autenticação 1.2.5',
    });

    const token = await fetchToken(UAT_TOKEN_URL, await assertionFor(uat, UAT_AUDIENCE));
    expect(token.status).toBe(200);
    const created = await fetchCreate(
      UAT_API_BASE,
      uat,
      token.body['access_token'] as string,
      processBody('52998224725', createSamplePng()),
    );
    expect(created).toEqual({
      status: 200,
      body: { id: expect.stringMatching(UUID), status: 3, unicoId: { result: 'yes' } },
    });
    expect(uat.stats).toMatchObject({ tokenRequests: 2, tokensIssued: 1, processRequests: 1 });
    expect(uat.received.map((r) => r.path)).toEqual(['/oauth2/token', '/oauth2/token', '/processes/v1']);
  });

  it('accepts an explicit audience and an API base URL with a trailing slash', async () => {
    const custom = createEmulator();
    server.use(
      ...createHandlers(custom, {
        apiBaseUrl: 'https://custom.example.test/',
        tokenUrl: 'https://auth.example.test/oauth2/token',
        audience: 'https://auth.example.test/tenant',
      }),
    );
    const origin = await fetchToken(
      'https://auth.example.test/oauth2/token',
      await assertionFor(custom, 'https://auth.example.test'),
    );
    expect(origin.status).toBe(401);
    const token = await fetchToken(
      'https://auth.example.test/oauth2/token',
      await assertionFor(custom, 'https://auth.example.test/tenant'),
    );
    expect(token.status).toBe(200);
    const created = await fetchCreate(
      'https://custom.example.test',
      custom,
      token.body['access_token'] as string,
      processBody('52998224725', createSamplePng()),
    );
    expect(created.status).toBe(200);
  });
});

describe('startEmulatorServer', () => {
  let server: EmulatorServer;
  beforeAll(async () => {
    server = await startEmulatorServer({ tokenTtlSeconds: 900 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 and derives its environment from its URL', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(server.url).port)).toBeGreaterThan(0);
    expect(server.environment).toEqual({ apiBaseUrl: server.url, tokenUrl: `${server.url}/oauth2/token` });
    expect(server.handlers).toHaveLength(3);
  });

  it("returns the emulator's credentials from clientOptions(), with overrides on top", () => {
    const { accountName, tenantId, privateKey, apiKey } = server.emulator.credentials;
    expect(server.clientOptions()).toEqual({
      environment: server.environment,
      serviceAccount: { accountName, tenantId, privateKey },
      apiKey,
    });
    expect(server.clientOptions({ apiKey: 'other-key' })).toMatchObject({
      apiKey: 'other-key',
      serviceAccount: { accountName, tenantId, privateKey },
    });
  });

  it('serves the token endpoint and /processes/v1 over HTTP, with its own URL as audience', async () => {
    const token = await fetchToken(
      server.environment.tokenUrl,
      await assertionFor(server.emulator, server.url),
    );
    expect(token).toEqual({
      status: 200,
      body: { access_token: expect.any(String), expires_in: 900, token_type: 'Bearer' },
    });
    const capture = server.emulator.createCapture();
    const created = await fetchCreate(
      server.url,
      server.emulator,
      token.body['access_token'] as string,
      processBody(SCENARIOS['not-verified'].cpf, capture),
    );
    expect(created).toEqual({
      status: 200,
      body: { id: expect.stringMatching(UUID), status: 3, unicoId: { result: 'no' } },
    });
    const reused = await fetchCreate(
      server.url,
      server.emulator,
      token.body['access_token'] as string,
      processBody(SCENARIOS['not-verified'].cpf, capture),
    );
    expect(reused).toEqual({
      status: 400,
      body: { error: { code: '10508', description: expect.any(String) } },
    });
  });

  it('passes response headers through, such as Retry-After', async () => {
    const token = await fetchToken(
      server.environment.tokenUrl,
      await assertionFor(server.emulator, server.url),
    );
    const res = await fetch(`${server.url}/processes/v1`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token.body['access_token'] as string}`,
        apikey: server.emulator.credentials.apiKey,
        'content-type': 'application/json',
      },
      body: JSON.stringify(processBody(SCENARIOS['rate-limited'].cpf, createSamplePng())),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    await res.arrayBuffer();
  });

  it('answers 404 JSON to an unknown path', async () => {
    const res = await fetch(`${server.url}/nothing/here`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: { code: '404', description: expect.any(String) } });
  });

  it('answers 404 JSON to a known path with the wrong method', async () => {
    const res = await fetch(`${server.url}/oauth2/token`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: '404' } });
  });

  it('serves an emulator passed in', async () => {
    const emulator = createEmulator();
    const own = await startEmulatorServer({ emulator });
    try {
      expect(own.emulator).toBe(emulator);
      expect(own.url).not.toBe(server.url);
      await fetch(`${own.url}/processes/v1`, { method: 'POST', body: '{}' }).then((r) => r.arrayBuffer());
      expect(emulator.stats.processRequests).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('frees its port on close(): a fetch afterwards fails and the port can be bound again', async () => {
    const temporary = await startEmulatorServer();
    const port = Number(new URL(temporary.url).port);
    const before = await fetch(`${temporary.url}/nothing`);
    expect(before.status).toBe(404);
    await before.arrayBuffer();

    await temporary.close();
    await expect(fetch(`${temporary.url}/nothing`)).rejects.toThrow(TypeError);

    const rebound = createServer();
    await new Promise<void>((resolve, reject) => {
      rebound.once('error', reject);
      rebound.listen(port, '127.0.0.1', () => resolve());
    });
    expect((rebound.address() as AddressInfo).port).toBe(port);
    await new Promise<void>((resolve) => rebound.close(() => resolve()));
  });

  it('listens on the requested port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const fixed = await startEmulatorServer({ port });
    try {
      expect(fixed.url).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await fixed.close();
    }
  });
});
