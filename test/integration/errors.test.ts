import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  ApiError,
  type ClientOptions,
  IdCloudClient,
  IdCloudError,
  InvalidInputError,
  InvalidResponseError,
  NetworkError,
  OutcomeUnknownError,
  RateLimitedError,
  TimeoutError,
  TokenError,
} from '../../src/index.js';
import { createSamplePng, SCENARIOS, startEmulatorServer } from '../../src/testing/index.js';
import { closeAfterTest, inputFor, setup } from '../helpers/emulator.js';
import { closedPort, type Fault, startFaultServer } from '../helpers/fault-server.js';

const PNG = createSamplePng();
const VERIFIED = SCENARIOS.verified.cpf;

async function rejectionOf(promise: Promise<unknown>): Promise<IdCloudError> {
  try {
    await promise;
  } catch (err) {
    expect(IdCloudError.is(err)).toBe(true);
    return err as IdCloudError;
  }
  throw new Error('expected a rejection');
}

/** A client whose token endpoint is the emulator and whose API host is a fault server. */
async function withFaultyApi(fault: Fault, overrides: Partial<ClientOptions> = {}) {
  const emulatorServer = await startEmulatorServer();
  closeAfterTest(emulatorServer);
  const faults = await startFaultServer(fault);
  closeAfterTest(faults);
  const client = new IdCloudClient(
    emulatorServer.clientOptions({
      environment: { apiBaseUrl: faults.url, tokenUrl: emulatorServer.environment.tokenUrl },
      ...overrides,
    }),
  );
  closeAfterTest(client);
  return { client, faults, emulator: emulatorServer.emulator };
}

describe('errors raised by createProcess', () => {
  it('ERR_INVALID_INPUT: lists every bad field and sends nothing', async () => {
    const { server, client } = await setup();
    const err = await rejectionOf(
      client.createProcess({
        subject: { code: '123.456.789-00', name: '' },
        useCase: 'Onboarding',
        imageBase64: 'data:image/png;base64,AAAA',
      }),
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.code).toBe('ERR_INVALID_INPUT');
    expect((err as InvalidInputError).issues.map((i) => i.path).sort()).toEqual([
      'imageBase64',
      'subject.code',
      'subject.name',
    ]);
    expect(server.emulator.received).toHaveLength(0);
  });

  it('ERR_TOKEN: carries the OAuth error, the dotted Unico code and the HTTP status', async () => {
    const { server } = await setup();
    const options = server.clientOptions();
    const client = new IdCloudClient({
      ...options,
      serviceAccount: { ...options.serviceAccount, tenantId: 'someone-else' },
    });
    closeAfterTest(client);
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toBeInstanceOf(TokenError);
    expect(err).toMatchObject({
      code: 'ERR_TOKEN',
      httpStatus: 401,
      oauthError: 'server_error',
      unicoCode: '1.0.1',
    });
    expect(err.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.emulator.stats.tokenRequests).toBe(1);
    expect(server.emulator.stats.processRequests).toBe(0);
  });

  it('ERR_TOKEN: a key the tenant does not know (1.2.21) is not retried', async () => {
    const { server } = await setup();
    const other = await startEmulatorServer();
    closeAfterTest(other);
    const options = server.clientOptions();
    const client = new IdCloudClient({
      ...options,
      serviceAccount: { ...options.serviceAccount, privateKey: other.emulator.credentials.privateKey },
    });
    closeAfterTest(client);
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({ code: 'ERR_TOKEN', unicoCode: '1.2.21' });
    expect(server.emulator.stats.tokenRequests).toBe(1);
  });

  it('ERR_TOKEN: an unreachable token endpoint is retried, then reported as network', async () => {
    const { server } = await setup();
    const client = new IdCloudClient(
      server.clientOptions({
        environment: { apiBaseUrl: server.url, tokenUrl: `${await closedPort()}/oauth2/token` },
        maxRetries: 1,
      }),
    );
    closeAfterTest(client);
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({ code: 'ERR_TOKEN', reason: 'network' });
    expect(server.emulator.stats.processRequests).toBe(0);
  });

  it('ERR_API: carries HTTP status, Unico code and description', async () => {
    const { client } = await setup();
    const err = await rejectionOf(client.createProcess(inputFor(SCENARIOS['cpf-not-found'].cpf, PNG)));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'ERR_API', httpStatus: 400, unicoCode: '20507' });
    expect((err as ApiError).description).toContain('subject.code');
  });

  it('ERR_API: a reused SDK capture is refused with 10508', async () => {
    const { server, client } = await setup();
    const capture = server.emulator.createCapture();
    await client.createProcess(inputFor(VERIFIED, capture));
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, capture)));
    expect(err).toMatchObject({ code: 'ERR_API', httpStatus: 400, unicoCode: '10508' });
  });

  it('ERR_API: reads a numeric code and a message field (older envelope)', async () => {
    const { server, client } = await setup();
    server.emulator.inject({
      status: 403,
      body: { error: { code: 30017, message: 'usuário sem permissão' } },
    });
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({
      code: 'ERR_API',
      httpStatus: 403,
      unicoCode: '30017',
      description: 'usuário sem permissão',
    });
  });

  it('ERR_API: a second 401 after the refresh is not retried again', async () => {
    const { server, client } = await setup();
    const unauthorized = { status: 401, body: { error: { code: '10501', description: 'token inválido' } } };
    server.emulator.inject(unauthorized, unauthorized);
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({ code: 'ERR_API', httpStatus: 401, unicoCode: '10501' });
    expect(server.emulator.stats.processRequests).toBe(2);
    expect(server.emulator.stats.tokenRequests).toBe(2);
  });

  it('ERR_API: an invalid APIKEY (403 10201) does not trigger a token refresh', async () => {
    const { server } = await setup();
    const client = new IdCloudClient(server.clientOptions({ apiKey: 'wrong-key' }));
    closeAfterTest(client);
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({ code: 'ERR_API', httpStatus: 403, unicoCode: '10201' });
    expect(server.emulator.stats.tokenRequests).toBe(1);
  });

  it('ERR_RATE_LIMITED: after the retries, carries retryAfterMs from Retry-After', async () => {
    const { server, client } = await setup({}, { maxRetries: 1 });
    const started = Date.now();
    const err = await rejectionOf(client.createProcess(inputFor(SCENARIOS['rate-limited'].cpf, PNG)));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ code: 'ERR_RATE_LIMITED', retryAfterMs: 1000, httpStatus: 429 });
    expect(server.emulator.stats.processRequests).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('ERR_RATE_LIMITED: does not wait past the call deadline', async () => {
    const { server, client } = await setup({}, { maxRetries: 2 });
    await client.warmup();
    server.emulator.inject({ status: 429, headers: { 'retry-after': '30' } });
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG), { timeoutMs: 2_000 }));
    expect(err).toMatchObject({ code: 'ERR_RATE_LIMITED', retryAfterMs: 30_000 });
    expect(server.emulator.stats.processRequests).toBe(1);
  });

  it('ERR_OUTCOME_UNKNOWN: a 5xx is not retried (a process may exist)', async () => {
    const { server, client } = await setup();
    const err = await rejectionOf(client.createProcess(inputFor(SCENARIOS['server-error'].cpf, PNG)));
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ code: 'ERR_OUTCOME_UNKNOWN', reason: 'server-error', httpStatus: 503 });
    expect(server.emulator.stats.processRequests).toBe(1);
  });

  it('ERR_OUTCOME_UNKNOWN: an HTML 502 from a proxy', async () => {
    const { client, faults } = await withFaultyApi((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    });
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({ code: 'ERR_OUTCOME_UNKNOWN', reason: 'server-error', httpStatus: 502 });
    expect(faults.hits.filter((path) => path.startsWith('/processes'))).toHaveLength(1);
  });

  it('ERR_OUTCOME_UNKNOWN: the connection is reset after the request was sent', async () => {
    const { client, faults } = await withFaultyApi((req) => req.socket.destroy());
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({ code: 'ERR_OUTCOME_UNKNOWN', reason: 'connection-lost' });
    expect(faults.hits.filter((path) => path.startsWith('/processes'))).toHaveLength(1);
  });

  it('ERR_OUTCOME_UNKNOWN: the deadline passes while waiting for the answer', async () => {
    const { client, faults } = await withFaultyApi(() => {
      /* never answers */
    });
    await client.warmup();
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG), { timeoutMs: 300 }));
    expect(err).toMatchObject({ code: 'ERR_OUTCOME_UNKNOWN', reason: 'timeout' });
    expect(faults.hits.filter((path) => path.startsWith('/processes'))).toHaveLength(1);
  });

  it('ERR_TIMEOUT: the deadline passes before the request could be sent', async () => {
    const stall = await startFaultServer(() => {
      /* token endpoint never answers */
    });
    closeAfterTest(stall);
    const { server } = await setup();
    const client = new IdCloudClient(
      server.clientOptions({
        environment: { apiBaseUrl: server.url, tokenUrl: `${stall.url}/oauth2/token` },
      }),
    );
    closeAfterTest(client);
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG), { timeoutMs: 200 }));
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toMatchObject({ code: 'ERR_TIMEOUT', timeoutMs: 200 });
    expect(server.emulator.stats.processRequests).toBe(0);
  });

  it('ERR_ABORTED: an already-aborted signal sends nothing', async () => {
    const { server, client } = await setup();
    const err = await rejectionOf(
      client.createProcess(inputFor(VERIFIED, PNG), { signal: AbortSignal.abort(new Error('user left')) }),
    );
    expect(err).toBeInstanceOf(AbortedError);
    expect(err).toMatchObject({ code: 'ERR_ABORTED', requestSent: false });
    // Long enough for a wrongly started token refresh (first undici + jose load included) to land.
    await new Promise((r) => setTimeout(r, 500));
    expect(server.emulator.received).toHaveLength(0);
  });

  it('ERR_ABORTED: an abort while waiting for the answer says the request was sent', async () => {
    const { client, faults } = await withFaultyApi(() => {
      /* never answers */
    });
    await client.warmup();
    const controller = new AbortController();
    const pending = client.createProcess(inputFor(VERIFIED, PNG), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 500));
    const why = new Error('user left');
    controller.abort(why);
    const err = await rejectionOf(pending);
    expect(err).toMatchObject({ code: 'ERR_ABORTED', requestSent: true });
    expect(err.cause).toBe(why); // the caller's own reason, not a transport message
    expect(faults.hits.filter((path) => path.startsWith('/processes'))).toHaveLength(1);
  });

  it('ERR_NETWORK: a refused connection is retried, then reported as never sent', async () => {
    const emulatorServer = await startEmulatorServer();
    closeAfterTest(emulatorServer);
    const client = new IdCloudClient(
      emulatorServer.clientOptions({
        environment: { apiBaseUrl: await closedPort(), tokenUrl: emulatorServer.environment.tokenUrl },
        maxRetries: 1,
      }),
    );
    closeAfterTest(client);
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.code).toBe('ERR_NETWORK');
    expect((err.cause as Error).message).toContain('ECONNREFUSED');
  });

  it('ERR_INVALID_RESPONSE: a 2xx body without id', async () => {
    const { server, client } = await setup();
    server.emulator.inject({ status: 200, body: { status: 3, unicoId: { result: 'yes' } } });
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_RESPONSE', httpStatus: 200 });
    expect((err as InvalidResponseError).issues.map((i) => i.path)).toEqual(['id']);
  });

  it('ERR_INVALID_RESPONSE: a 2xx body that is not JSON', async () => {
    const { server, client } = await setup();
    server.emulator.inject({ status: 200, body: '{"id": "trunc' });
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({ code: 'ERR_INVALID_RESPONSE', httpStatus: 200 });
  });

  it('ERR_OUTCOME_UNKNOWN: a response body over the size cap is cut off, not buffered', async () => {
    const { client } = await withFaultyApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"id":"x","status":3,"pad":"${'a'.repeat(2 * 1024 * 1024)}"}`);
    });
    const err = await rejectionOf(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err).toMatchObject({ code: 'ERR_OUTCOME_UNKNOWN', reason: 'connection-lost' });
    expect((err.cause as Error).message).toContain('larger than');
  });
});
