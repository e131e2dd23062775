import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CallOptions,
  type ClientOptions,
  IdCloudClient,
  IdCloudError,
  type IdCloudErrorCode,
  type ProcessResult,
} from '../../src/index.js';
import { createSamplePng } from '../../src/testing/index.js';
import { closedPort } from '../helpers/fault-server.js';
import { activeTimers, clientSockets, expectClientGone, leakedSecrets, waitUntil } from '../helpers/leaks.js';
import {
  type Fault,
  faults,
  PLANTED,
  plantedEchoes,
  type ScriptedServer,
  startScriptedServer,
} from '../helpers/scripted-server.js';

/**
 * The fault table of docs/reliability.md, row by row, on real loopback sockets. Each row states
 * what the caller gets and how many requests reached each endpoint; every row also checks that
 * nothing planted leaked into the outcome (error bodies and headers echo it back in other cases
 * and formats) and that none of the client's own sockets or timers outlive `close()`.
 */

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const { apiKey: API_KEY, name: NAME, cpf: CPF, email: EMAIL } = PLANTED;
const IMAGE = createSamplePng();
const SECRETS = [
  ...Object.values(PLANTED),
  ...plantedEchoes(),
  NAME.toUpperCase(),
  EMAIL.toUpperCase(),
  API_KEY.toUpperCase(),
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
  /** Runs right before the measured call is made, in the same tick (to race it). */
  readonly race?: (server: ScriptedServer) => void;
  readonly expect: Expected;
  /** Requests that reached each endpoint during the measured call. */
  readonly reached: { readonly api: number; readonly token: number };
  /** The least time between the last two requests to this endpoint (a Retry-After honoured). */
  readonly waited?: { readonly endpoint: 'api' | 'token'; readonly atLeastMs: number };
}

// The API's own backoff after a 429 can reach 1 s, so the waits asked are longer than that.
/** A 429 whose Retry-After is an HTTP-date 2-3 s ahead of when it is sent (one-second resolution). */
const rateLimitedUntil: Fault = {
  run: (req, res, body) =>
    faults.json(429, {}, { 'retry-after': new Date(Date.now() + 3_000).toUTCString() }).run(req, res, body),
};

const fast: Partial<ClientOptions> = { attemptTimeoutMs: 400, tokenTimeoutMs: 2_000 };

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
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API resets the connection after reading the body',
    warm: true,
    api: [faults.resetAfterBody],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'connection-lost' } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API stalls before sending headers',
    warm: true,
    client: fast,
    api: [faults.stallHeaders],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'timeout' } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API stalls in the middle of the body',
    warm: true,
    client: fast,
    api: [faults.stallBody],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'timeout' } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API sends a truncated body and closes',
    warm: true,
    api: [faults.truncated],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'connection-lost' } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API streams an endless body',
    warm: true,
    api: [faults.endless],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'connection-lost' } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API answers 200 with invalid JSON',
    warm: true,
    api: [faults.invalidJson],
    expect: { code: 'ERR_INVALID_RESPONSE', fields: { httpStatus: 200 } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API answers 200 with a non-JSON body',
    warm: true,
    api: [faults.garbage],
    expect: { code: 'ERR_INVALID_RESPONSE', fields: { httpStatus: 200 } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API answers 200 without id',
    warm: true,
    api: [faults.json(200, { status: 3, unicoId: { result: 'yes' } })],
    expect: { code: 'ERR_INVALID_RESPONSE', fields: { httpStatus: 200 } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'proxy answers an HTML 502 page',
    warm: true,
    api: [faults.html502],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'server-error', httpStatus: 502 } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API answers 503',
    warm: true,
    api: [faults.apiEcho(503, '503')],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'server-error', httpStatus: 503 } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API answers 503, retryOutcomeUnknown opted in',
    warm: true,
    client: { retryOutcomeUnknown: true },
    api: [faults.json(503, {})],
    expect: { kind: 'verified' },
    reached: { api: 2, token: 0 },
  },
  {
    fault: 'API stalls, retryOutcomeUnknown opted in',
    warm: true,
    client: { ...fast, retryOutcomeUnknown: true },
    api: [faults.stallHeaders],
    expect: { kind: 'verified' },
    reached: { api: 2, token: 0 },
  },
  {
    fault: 'caller aborts while waiting for the answer',
    warm: true,
    api: [faults.stallHeaders],
    abortAfterMs: 150,
    expect: { code: 'ERR_ABORTED', fields: { requestSent: true } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'call deadline passes while waiting for the answer',
    warm: true,
    call: { timeoutMs: 300 },
    api: [faults.stallHeaders],
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'timeout' } },
    reached: { api: 1, token: 0 },
  },
  // ---- CreateProcess: answers that are retried safely
  {
    fault: 'API answers 429 with Retry-After in seconds',
    warm: true,
    api: [faults.json(429, {}, { 'retry-after': '2' })],
    expect: { kind: 'verified' },
    reached: { api: 2, token: 0 },
    waited: { endpoint: 'api', atLeastMs: 1_995 },
  },
  {
    fault: 'API answers 429 with Retry-After as an HTTP-date',
    warm: true,
    api: [rateLimitedUntil],
    expect: { kind: 'verified' },
    reached: { api: 2, token: 0 },
    waited: { endpoint: 'api', atLeastMs: 1_950 },
  },
  {
    fault: 'API answers 429 with a Retry-After beyond the deadline',
    warm: true,
    call: { timeoutMs: 2_000 },
    api: [faults.json(429, {}, { 'retry-after': '30' })],
    expect: { code: 'ERR_RATE_LIMITED', fields: { retryAfterMs: 30_000 } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'API answers 429 on every attempt',
    warm: true,
    api: [0, 1, 2].map(() => faults.json(429, {}, { 'retry-after': '0' })),
    expect: { code: 'ERR_RATE_LIMITED', fields: { retryAfterMs: 0 } },
    reached: { api: 3, token: 0 },
  },
  {
    fault: 'API answers 401 once',
    warm: true,
    api: [faults.apiEcho(401, '10501')],
    expect: { kind: 'verified' },
    reached: { api: 2, token: 1 },
  },
  {
    fault: 'API answers 401 twice',
    warm: true,
    api: [faults.apiEcho(401, '10501'), faults.apiEcho(401, '10501')],
    expect: { code: 'ERR_API', fields: { httpStatus: 401, unicoCode: '10501' } },
    reached: { api: 2, token: 1 },
  },
  {
    fault: 'API rejects the request, its error text echoing the subject, token and API key',
    warm: true,
    api: [faults.apiEcho(400, '20507')],
    expect: { code: 'ERR_API', fields: { httpStatus: 400, unicoCode: '20507' } },
    reached: { api: 1, token: 0 },
  },
  {
    fault: 'server closes the idle keep-alive connection as the next request is written',
    warm: true,
    prime: async (client) => {
      await client.createProcess(input());
    },
    race: (server) => server.closeIdleConnections(),
    // The request was written to a socket the server had just closed: it never reached the
    // server, but nothing proves that to the client.
    expect: { code: 'ERR_OUTCOME_UNKNOWN', fields: { reason: 'connection-lost' } },
    reached: { api: 0, token: 0 },
  },
  {
    fault:
      'server closes the idle keep-alive connection as the next request is written, retryOutcomeUnknown opted in',
    warm: true,
    client: { retryOutcomeUnknown: true },
    prime: async (client) => {
      await client.createProcess(input());
    },
    race: (server) => server.closeIdleConnections(),
    expect: { kind: 'verified' },
    reached: { api: 1, token: 0 },
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
    token: [faults.tokenEcho('1.2.18')],
    expect: { code: 'ERR_TOKEN', fields: { unicoCode: '1.2.18', httpStatus: 401, reason: 'rejected' } },
    reached: { api: 0, token: 1 },
  },
  {
    fault: 'token endpoint rejects with 1.2.22 inside a 500',
    token: [faults.tokenEcho('1.2.22', 500)],
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
    token: [faults.json(429, {}, { 'retry-after': '1' })],
    expect: { kind: 'verified' },
    reached: { api: 1, token: 2 },
    waited: { endpoint: 'token', atLeastMs: 995 },
  },
  {
    fault: 'token endpoint stalls on every attempt',
    client: fast,
    token: [faults.stallHeaders, faults.stallHeaders, faults.stallHeaders],
    expect: { code: 'ERR_TOKEN', fields: { reason: 'timeout' } },
    // Each token attempt gets half of tokenTimeoutMs: a stalled endpoint is tried twice.
    reached: { api: 0, token: 2 },
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
  return { subject: { code: CPF, name: NAME, email: EMAIL }, useCase: 'Onboarding', imageBase64: IMAGE };
}

describe('fault table (docs/reliability.md)', () => {
  it.each(ROWS.map((row) => [row.fault, row] as const))('%s', async (_name, row) => {
    // Start from a quiet process: the previous row's client sockets must be gone (its own check
    // proved them closed; the kernel may still be finishing), so every socket counted below is
    // this row's client's.
    expect(await waitUntil(() => clientSockets().length === 0, 2_000), 'sockets left by an earlier row').toBe(
      true,
    );
    const server = await startScriptedServer();
    const timersBefore = activeTimers();
    const apiBaseUrl = row.apiBaseUrl ? await row.apiBaseUrl() : server.environment.apiBaseUrl;
    // Every log line of the row is scanned for leaks too (headers echoing secrets included).
    const logged: string[] = [];
    const log = (fields: Record<string, unknown>, message: string) => {
      logged.push(message, inspect(fields, { depth: null }));
    };
    const client = new IdCloudClient({
      environment: { apiBaseUrl, tokenUrl: server.environment.tokenUrl },
      serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey: PEM },
      apiKey: API_KEY,
      logger: { debug: log, info: log, warn: log, error: log },
      ...row.client,
    });
    let outcome: unknown;
    try {
      if (row.warm) await client.warmup();
      await row.prime?.(client, server);
      const before = { ...server.hits };
      const from = server.arrivals.length;
      server.script('api', ...(row.api ?? []));
      server.script('token', ...(row.token ?? []));
      const controller = new AbortController();
      if (row.abortAfterMs !== undefined) setTimeout(() => controller.abort(), row.abortAfterMs);
      row.race?.(server);
      outcome = await client
        .createProcess(input(), { signal: controller.signal, ...row.call })
        .catch((err: unknown) => err);
      const reached = { api: server.hits.api - before.api, token: server.hits.token - before.token };
      expect(reached, 'requests that reached the server (API, token)').toEqual(row.reached);
      if (row.waited) {
        const { endpoint, atLeastMs } = row.waited;
        const at = server.arrivals.slice(from).filter((a) => a.endpoint === endpoint);
        const gap = (at.at(-1)?.at ?? 0) - (at.at(-2)?.at ?? Number.POSITIVE_INFINITY);
        expect(gap, `ms between the last two ${endpoint} requests`).toBeGreaterThanOrEqual(atLeastMs);
      }
      // Once the client is closed, none of its sockets or timers may remain. The server stays up,
      // so nothing on its side can close a socket the client forgot.
      await client.close();
      await expectClientGone(server, timersBefore);
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
    expect(logged.length, 'log lines').toBeGreaterThan(0);
    expect(leakedSecrets([outcome, ...logged], SECRETS)).toEqual([]);
    // Unico's text stays reachable on `description`: an API error's is scrubbed of the call's values
    // in any case; the token endpoint's of CPF-shaped numbers (it cannot know the call's values).
    const description = String((outcome as { description?: unknown }).description ?? '').toLowerCase();
    const scrubbed = (outcome as { code?: unknown }).code === 'ERR_API' ? Object.values(PLANTED) : [CPF];
    const kept = scrubbed.filter((value) => description.includes(value.toLowerCase()));
    expect(
      kept.map((value) => `${value.slice(0, 6)}…`),
      'planted values kept in description',
    ).toEqual([]);
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
