import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CallOptions,
  type ClientOptions,
  IdCloudClient,
  IdCloudError,
  type IdCloudErrorCode,
  type ProcessResult,
} from '../../src/index.js';
import { createSamplePng, SCENARIOS } from '../../src/testing/index.js';
import { closedPort } from '../helpers/fault-server.js';
import { activeHandles, leakedHandles, leakedSecrets } from '../helpers/leaks.js';
import {
  type Fault,
  faults,
  PLANTED_TOKEN,
  type ScriptedServer,
  startScriptedServer,
} from '../helpers/scripted-server.js';

/**
 * The fault table of docs/reliability.md, row by row, on real loopback sockets. Each row states
 * what the caller gets and how many requests reached the server; every row also checks that
 * nothing planted leaked into the outcome and that no socket or timer outlives the client.
 */

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const API_KEY = 'apikey_PLANTED_0b1c2d3e4f';
const NAME = 'Planted Quixote Zebedeu';
const CPF = SCENARIOS.verified.cpf;
const IMAGE = createSamplePng();
const SECRETS = [
  API_KEY,
  PLANTED_TOKEN,
  NAME,
  CPF,
  IMAGE.slice(200, 260),
  ...PEM.split('\n')
    .slice(1, -2)
    .map((line) => line.slice(0, 40)),
];

interface Expected {
  readonly kind?: ProcessResult['kind'];
  readonly code?: IdCloudErrorCode;
  readonly fields?: Record<string, unknown>;
}

interface Row {
  /** Also the row's name in docs/reliability.md. */
  readonly fault: string;
  readonly api?: Fault[];
  readonly token?: Fault[];
  readonly client?: Partial<ClientOptions>;
  readonly call?: CallOptions;
  /** Get the token before scripting, so only the API faults are exercised. */
  readonly warm?: boolean;
  /** Runs before the measured call (after warm-up), e.g. to prime a keep-alive socket. */
  readonly prime?: (client: IdCloudClient, server: ScriptedServer) => Promise<void>;
  /** Replaces the API URL (e.g. a port nothing listens on). */
  readonly apiBaseUrl?: () => Promise<string>;
  readonly abortAfterMs?: number;
  readonly expect: Expected;
  /** Requests that reached the server during the measured call. */
  readonly reached: { readonly api: number; readonly token?: number };
}

const fast: Partial<ClientOptions> = {
  attemptTimeoutMs: 400,
  tokenAttemptTimeoutMs: 300,
  tokenTimeoutMs: 2_000,
};

const ROWS: Row[] = [
  // ---- CreateProcess: before anything was sent
  {
    fault: 'API connection refused',
    apiBaseUrl: closedPort,
    warm: true,
    expect: { code: 'ERR_NETWORK' },
    reached: { api: 0, token: 0 },
  },
  // ---- CreateProcess: after the request may have reached Unico
  {
    fault: 'API resets the connection before reading the body',
    warm: true,
    api: [faults.resetBeforeBody],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'connection-lost' } },
    reached: { api: 1 },
  },
  {
    fault: 'API resets the connection after reading the body',
    warm: true,
    api: [faults.resetAfterBody],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'connection-lost' } },
    reached: { api: 1 },
  },
  {
    fault: 'API stalls before sending headers',
    warm: true,
    client: fast,
    api: [faults.stallHeaders],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'timeout' } },
    reached: { api: 1 },
  },
  {
    fault: 'API stalls in the middle of the body',
    warm: true,
    client: fast,
    api: [faults.stallBody],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'timeout' } },
    reached: { api: 1 },
  },
  {
    fault: 'API sends a truncated body and closes',
    warm: true,
    api: [faults.truncated],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'connection-lost' } },
    reached: { api: 1 },
  },
  {
    fault: 'API streams an endless body',
    warm: true,
    api: [faults.endless],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'connection-lost' } },
    reached: { api: 1 },
  },
  {
    fault: 'API answers 200 with invalid JSON',
    warm: true,
    api: [faults.invalidJson],
    expect: { code: 'ERR_INVALID_RESPONSE', fields: { httpStatus: 200 } },
    reached: { api: 1 },
  },
  {
    fault: 'API answers 200 with a non-JSON body',
    warm: true,
    api: [faults.garbage],
    expect: { code: 'ERR_INVALID_RESPONSE', fields: { httpStatus: 200 } },
    reached: { api: 1 },
  },
  {
    fault: 'API answers 200 without id',
    warm: true,
    api: [faults.json(200, { status: 3, unicoId: { result: 'yes' } })],
    expect: { code: 'ERR_INVALID_RESPONSE', fields: { httpStatus: 200 } },
    reached: { api: 1 },
  },
  {
    fault: 'proxy answers an HTML 502 page',
    warm: true,
    api: [faults.html502],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'server-error', httpStatus: 502 } },
    reached: { api: 1 },
  },
  {
    fault: 'API answers 503',
    warm: true,
    api: [faults.json(503, { error: { code: '503', description: 'indisponível' } })],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'server-error', httpStatus: 503 } },
    reached: { api: 1 },
  },
  {
    fault: 'API answers 503, retryOutcomeUnknown opted in',
    warm: true,
    client: { retryOutcomeUnknown: true },
    api: [faults.json(503, {})],
    expect: { kind: 'verified' },
    reached: { api: 2 },
  },
  {
    fault: 'API stalls, retryOutcomeUnknown opted in',
    warm: true,
    client: { ...fast, retryOutcomeUnknown: true },
    api: [faults.stallHeaders],
    expect: { kind: 'verified' },
    reached: { api: 2 },
  },
  {
    fault: 'caller aborts while waiting for the answer',
    warm: true,
    api: [faults.stallHeaders],
    abortAfterMs: 150,
    expect: { code: 'ERR_ABORTED', fields: { requestSent: true } },
    reached: { api: 1 },
  },
  {
    fault: 'call deadline passes while waiting for the answer',
    warm: true,
    call: { timeoutMs: 300 },
    api: [faults.stallHeaders],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'timeout' } },
    reached: { api: 1 },
  },
  // ---- CreateProcess: answers that are retried safely
  {
    fault: 'API answers 429 with Retry-After in seconds',
    warm: true,
    api: [faults.json(429, {}, { 'retry-after': '0' })],
    expect: { kind: 'verified' },
    reached: { api: 2 },
  },
  {
    fault: 'API answers 429 with Retry-After as an HTTP-date',
    warm: true,
    api: [faults.json(429, {}, { 'retry-after': new Date(Date.now() - 1000).toUTCString() })],
    expect: { kind: 'verified' },
    reached: { api: 2 },
  },
  {
    fault: 'API answers 429 with a Retry-After beyond the deadline',
    warm: true,
    call: { timeoutMs: 2_000 },
    api: [faults.json(429, {}, { 'retry-after': '30' })],
    expect: { code: 'ERR_RATE_LIMITED', fields: { retryAfterMs: 30_000 } },
    reached: { api: 1 },
  },
  {
    fault: 'API answers 429 on every attempt',
    warm: true,
    api: [0, 1, 2].map(() => faults.json(429, {}, { 'retry-after': '0' })),
    expect: { code: 'ERR_RATE_LIMITED', fields: { retryAfterMs: 0 } },
    reached: { api: 3 },
  },
  {
    fault: 'API answers 401 once',
    warm: true,
    api: [faults.json(401, { error: { code: '10501', description: 'token inválido' } })],
    expect: { kind: 'verified' },
    reached: { api: 2, token: 1 },
  },
  {
    fault: 'API answers 401 twice',
    warm: true,
    api: [0, 1].map(() => faults.json(401, { error: { code: '10501', description: 'token inválido' } })),
    expect: { code: 'ERR_API', fields: { httpStatus: 401, unicoCode: '10501' } },
    reached: { api: 2, token: 1 },
  },
  {
    fault: 'server closed the idle keep-alive connection',
    warm: true,
    prime: async (client, server) => {
      await client.createProcess(input());
      server.closeIdleConnections();
      await new Promise((r) => setTimeout(r, 50));
    },
    expect: { kind: 'verified' },
    reached: { api: 1 },
  },
  // ---- Token endpoint
  {
    fault: 'token endpoint refuses connections',
    client: {
      environment: { apiBaseUrl: 'http://127.0.0.1:9', tokenUrl: 'http://127.0.0.1:9/oauth2/token' },
    },
    expect: { code: 'ERR_TOKEN', fields: { reason: 'network' } },
    reached: { api: 0, token: 0 },
  },
  {
    fault: 'token endpoint rejects with 1.2.18 (account locked)',
    token: [faults.tokenRejected('1.2.18')],
    expect: { code: 'ERR_TOKEN', fields: { unicoCode: '1.2.18', httpStatus: 401, reason: 'rejected' } },
    reached: { api: 0, token: 1 },
  },
  {
    fault: 'token endpoint rejects with 1.2.22 inside a 500',
    token: [faults.tokenRejected('1.2.22', 500)],
    expect: { code: 'ERR_TOKEN', fields: { unicoCode: '1.2.22', httpStatus: 500 } },
    reached: { api: 0, token: 1 },
  },
  {
    fault: 'token endpoint rejects an expired assertion once (1.2.4)',
    token: [faults.tokenRejected('1.2.4')],
    expect: { kind: 'verified' },
    reached: { api: 1, token: 2 },
  },
  {
    fault: 'token endpoint answers 503 twice',
    token: [faults.json(503, {}), faults.json(503, {})],
    expect: { kind: 'verified' },
    reached: { api: 1, token: 3 },
  },
  {
    fault: 'token endpoint answers 429 with Retry-After',
    token: [faults.json(429, {}, { 'retry-after': '0' })],
    expect: { kind: 'verified' },
    reached: { api: 1, token: 2 },
  },
  {
    fault: 'token endpoint stalls on every attempt',
    client: fast,
    token: [faults.stallHeaders, faults.stallHeaders, faults.stallHeaders],
    expect: { code: 'ERR_TOKEN', fields: { reason: 'timeout' } },
    reached: { api: 0, token: 3 },
  },
  {
    fault: 'token endpoint stalls once, then answers',
    client: fast,
    token: [faults.stallHeaders],
    expect: { kind: 'verified' },
    reached: { api: 1, token: 2 },
  },
  {
    fault: 'token endpoint slower than the call deadline',
    call: { timeoutMs: 200 },
    token: [faults.delayed(1_000, faults.token())],
    expect: { code: 'ERR_TIMEOUT' },
    reached: { api: 0, token: 1 },
  },
  {
    fault: 'token endpoint answers garbage',
    token: [faults.garbage],
    expect: { code: 'ERR_TOKEN', fields: { reason: 'invalid-response' } },
    reached: { api: 0, token: 1 },
  },
  {
    fault: 'token endpoint answers 200 without access_token',
    token: [faults.json(200, { expires_in: 3600 })],
    expect: { code: 'ERR_TOKEN', fields: { reason: 'invalid-response' } },
    reached: { api: 0, token: 1 },
  },
];

function input() {
  return { subject: { code: CPF, name: NAME }, useCase: 'Onboarding', imageBase64: IMAGE };
}

describe('fault table (docs/reliability.md)', () => {
  it.each(ROWS.map((row) => [row.fault, row] as const))('%s', async (_name, row) => {
    const server = await startScriptedServer();
    const handlesBefore = activeHandles();
    const apiBaseUrl = row.apiBaseUrl ? await row.apiBaseUrl() : server.environment.apiBaseUrl;
    const client = new IdCloudClient({
      environment: { apiBaseUrl, tokenUrl: server.environment.tokenUrl },
      serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey: PEM },
      apiKey: API_KEY,
      ...row.client,
    });
    let outcome: unknown;
    try {
      if (row.warm) await client.warmup();
      await row.prime?.(client, server);
      const before = { ...server.hits };
      server.script('api', ...(row.api ?? []));
      server.script('token', ...(row.token ?? []));
      const controller = new AbortController();
      if (row.abortAfterMs !== undefined) setTimeout(() => controller.abort(), row.abortAfterMs);
      outcome = await client
        .createProcess(input(), { signal: controller.signal, ...row.call })
        .catch((err: unknown) => err);
      const reached = { api: server.hits.api - before.api, token: server.hits.token - before.token };
      expect(reached.api, 'API requests that reached the server').toBe(row.reached.api);
      if (row.reached.token !== undefined) {
        expect(reached.token, 'token requests that reached the server').toBe(row.reached.token);
      }
      // Once the client is closed, none of its sockets or timers may remain (the server is still
      // up, so nothing on its side can hide a client-side leak).
      await client.close();
      await new Promise((r) => setTimeout(r, 50));
      expect(leakedHandles(handlesBefore), 'sockets or timers left behind').toEqual({});
    } finally {
      await client.close();
      await server.close();
    }

    if (row.expect.code !== undefined) {
      expect(IdCloudError.is(outcome), `expected ${row.expect.code}, got ${String(outcome)}`).toBe(true);
      expect(outcome).toMatchObject({ code: row.expect.code, ...row.expect.fields });
      expect((outcome as IdCloudError).requestId).toMatch(/^[0-9a-f-]{36}$/);
    } else {
      expect(outcome).toMatchObject({ kind: row.expect.kind });
    }
    expect(leakedSecrets([outcome], SECRETS)).toEqual([]);
  });

  it('sends one request id per call, the same on every retry', async () => {
    const server = await startScriptedServer();
    const client = new IdCloudClient({
      environment: server.environment,
      serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey: PEM },
      apiKey: API_KEY,
    });
    try {
      server.script('api', faults.json(429, {}, { 'retry-after': '0' }), faults.json(401, {}));
      const result = await client.createProcess(input());
      expect(server.requestIds).toHaveLength(3);
      expect(new Set(server.requestIds)).toEqual(new Set([result.requestId]));
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('retries a connection that was refused and then accepted, sending the request once', async () => {
    const url = await closedPort();
    const port = Number(new URL(url).port);
    const tokenServer = await startScriptedServer();
    const client = new IdCloudClient({
      environment: { apiBaseUrl: url, tokenUrl: tokenServer.environment.tokenUrl },
      serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey: PEM },
      apiKey: API_KEY,
      maxRetries: 5,
    });
    let late: ScriptedServer | undefined;
    try {
      await client.warmup();
      const pending = client.createProcess(input());
      await new Promise((r) => setTimeout(r, 150));
      late = await startScriptedServer(port);
      const result = await pending;
      expect(result.kind).toBe('verified');
      expect(late.hits.api).toBe(1);
    } finally {
      await client.close();
      await tokenServer.close();
      await late?.close();
    }
  });

  afterAll(() => {
    // The table in the docs lists exactly the rows tested here.
    const doc = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8');
    const missing = ROWS.filter((row) => !doc.includes(`| ${row.fault} |`)).map((row) => row.fault);
    expect(missing, 'rows missing from docs/reliability.md').toEqual([]);
  });
});
