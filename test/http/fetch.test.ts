import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFetchTransport } from '../../src/http/fetch.js';
import { TransportError } from '../../src/http/transport.js';
import { AbortedError, IdCloudClient, NetworkError, OutcomeUnknownError } from '../../src/index.js';
import { createSamplePng, SCENARIOS } from '../../src/testing/index.js';
import { closeAfterTest, inputFor, setup } from '../helpers/emulator.js';
import { closedPort, type FaultServer, startFaultServer } from '../helpers/fault-server.js';
import { faults, startScriptedServer } from '../helpers/scripted-server.js';
import { rejection, request } from '../helpers/transport.js';

const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(fault: Parameters<typeof startFaultServer>[0]): Promise<FaultServer> {
  const server = await startFaultServer(fault);
  servers.push(server);
  return server;
}

describe('createFetchTransport', () => {
  it('sends method, headers and body, and returns status, lower-case headers and the whole body', async () => {
    let seen: { method?: string | undefined; headers?: Record<string, unknown>; body?: string } = {};
    const text = `{"name":"açaí ${'日本'.repeat(40_000)}"}`;
    const server = await serve((req, res, body) => {
      seen = { method: req.method, headers: req.headers, body };
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Custom-Header': 'Value' });
      // Multi-byte characters split across writes: the decoder must not break them.
      const bytes = Buffer.from(text);
      res.write(bytes.subarray(0, 100_001));
      res.end(bytes.subarray(100_001));
    });
    const res = await createFetchTransport().request(request(`${server.url}/processes/v1`));
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-custom-header']).toBe('Value');
    expect(res.body).toBe(text);
    expect(seen.method).toBe('POST');
    expect(seen.headers?.['x-request-id']).toBe('req-1');
    expect(seen.body).toBe('{"hello":"world"}');
  });

  it('sends a GET without a body and reads an empty response', async () => {
    const server = await serve((_req, res) => res.writeHead(204).end());
    const res = await createFetchTransport().request(
      request(`${server.url}/processes/v1/x`, { method: 'GET', body: undefined }),
    );
    expect(res).toMatchObject({ status: 204, body: '' });
  });

  it('does not follow redirects: the credentials never reach another host', async () => {
    const target = await serve((_req, res) => res.writeHead(200).end('{}'));
    const server = await serve((_req, res) =>
      res.writeHead(307, { location: `${target.url}/elsewhere` }).end(),
    );
    const res = await createFetchTransport().request(request(`${server.url}/processes/v1`));
    expect(res.status).toBe(307);
    expect(res.headers['location']).toBe(`${target.url}/elsewhere`);
    expect(target.hits).toEqual([]);
  });

  it('cuts off a body over maxResponseBytes while streaming, without buffering it', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const timer = setInterval(() => res.write('x'.repeat(64 * 1024)), 1);
      req.socket.on('close', () => clearInterval(timer));
    });
    const err = await rejection(
      createFetchTransport().request(request(server.url, { maxResponseBytes: 256 * 1024 })),
    );
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ phase: 'exchange', message: 'response body larger than 262144 bytes' });
  });

  it('refuses a body whose Content-Length is over the cap before reading it', async () => {
    const server = await serve((_req, res) => res.writeHead(200).end('x'.repeat(2048)));
    const err = await rejection(
      createFetchTransport().request(request(server.url, { maxResponseBytes: 1024 })),
    );
    expect(err).toMatchObject({ phase: 'exchange', message: 'response body larger than 1024 bytes' });
  });

  it('reports a refused connection as a connect failure (provably unsent)', async () => {
    const err = await rejection(createFetchTransport().request(request(await closedPort())));
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ phase: 'connect', message: 'connection failed (ECONNREFUSED)' });
  });

  it('reports a reset after the request was read as an exchange failure (possibly sent)', async () => {
    const server = await serve((req) => req.socket.destroy());
    const err = await rejection(createFetchTransport().request(request(server.url)));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).phase).toBe('exchange');
  });

  it('reports a body cut short as an exchange failure', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-length': '200' });
      res.write('{"id":"x","status":3');
      setTimeout(() => req.socket.destroy(), 10);
    });
    const err = await rejection(createFetchTransport().request(request(server.url)));
    expect(err).toMatchObject({ phase: 'exchange' });
  });

  it('treats any error it cannot classify as possibly sent, and names only its code or type', async () => {
    const secretish = Object.assign(new TypeError('Network connection lost. token=abc'), { code: 'X_LOST' });
    const transport = createFetchTransport({ fetch: () => Promise.reject(secretish) });
    const err = await rejection(transport.request(request('http://127.0.0.1:1')));
    expect(err).toMatchObject({ phase: 'exchange', message: 'connection lost (X_LOST)' });
    expect((err as Error).cause).toBe(secretish);
    const plain = createFetchTransport({
      fetch: () => Promise.reject(new TypeError('Network connection lost.')),
    });
    expect(await rejection(plain.request(request('http://127.0.0.1:1')))).toMatchObject({
      message: 'connection lost (TypeError)',
    });
  });

  it.each([
    [
      'Bun',
      Object.assign(new Error('Unable to connect'), { code: 'ConnectionRefused' }),
      'ConnectionRefused',
    ],
    [
      'Deno',
      new TypeError('fetch failed', {
        cause: new Error(
          'error sending request for url (http://127.0.0.1:1/): client error (Connect): tcp connect error: Connection refused (os error 111)',
        ),
      }),
      'connect',
    ],
    [
      'Node',
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }),
      }),
      'ENOTFOUND',
    ],
  ])('recognises %s connect failures', async (_runtime, thrown, code) => {
    const transport = createFetchTransport({ fetch: () => Promise.reject(thrown) });
    expect(await rejection(transport.request(request('http://127.0.0.1:1')))).toMatchObject({
      phase: 'connect',
      message: `connection failed (${code})`,
    });
  });

  it('looks for a connect code at most four causes deep, and stops at a cycle or a null cause', async () => {
    const refused = () => Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
    const wrap = (inner: unknown, times: number): unknown =>
      times === 0 ? inner : new TypeError('fetch failed', { cause: wrap(inner, times - 1) });
    const classify = async (thrown: unknown) =>
      rejection(createFetchTransport({ fetch: () => Promise.reject(thrown) }).request(request('http://x')));
    expect(await classify(wrap(refused(), 3))).toMatchObject({ phase: 'connect' }); // the 4th object
    expect(await classify(wrap(refused(), 4))).toMatchObject({ phase: 'exchange' }); // the 5th: not read
    const cyclic = new TypeError('fetch failed');
    Object.assign(cyclic, { cause: cyclic });
    expect(await classify(cyclic)).toMatchObject({
      phase: 'exchange',
      message: 'connection lost (TypeError)',
    });
    expect(await classify(Object.assign(new Error('x'), { cause: null }))).toMatchObject({
      phase: 'exchange',
    });
    // Only a string message names the Deno phase.
    const notText = Object.assign(new Error('x'), { message: ['client error (Connect)'] });
    expect(await classify(notText)).toMatchObject({ phase: 'exchange' });
  });

  it('names an unclassified failure only by a short code or type name, else "unknown"', async () => {
    const classify = async (thrown: unknown) =>
      rejection(createFetchTransport({ fetch: () => Promise.reject(thrown) }).request(request('http://x')));
    const named = (fields: Record<string, unknown>) => Object.assign(Object.create(null), fields);
    expect(await classify(named({ code: 'UND_ERR_SOCKET' }))).toMatchObject({
      message: 'connection lost (UND_ERR_SOCKET)',
    });
    // A code with text around it, or too long, is not echoed: the type name is used instead.
    expect(await classify(named({ code: 'E_X token=abc', name: 'SocketError' }))).toMatchObject({
      message: 'connection lost (SocketError)',
    });
    expect(await classify(named({ code: 'x token=abc', name: 'SocketError' }))).toMatchObject({
      message: 'connection lost (SocketError)',
    });
    expect(await classify(named({ code: 'E'.repeat(65), name: 'SocketError' }))).toMatchObject({
      message: 'connection lost (SocketError)',
    });
    for (const name of ['Bad name', 'x token=abc', ' Name', 'Name ', 'N'.repeat(65), 42, undefined]) {
      expect(await classify(named({ name }))).toMatchObject({ message: 'connection lost (unknown)' });
    }
    expect(await classify(null)).toMatchObject({ message: 'connection lost (unknown)' });
  });

  it('refuses by Content-Length before reading, and accepts exactly the cap', async () => {
    const never = () => new ReadableStream<Uint8Array>({ pull: () => new Promise(() => undefined) });
    const answer = (body: BodyInit | null, length: string) =>
      createFetchTransport({
        fetch: async () => new Response(body, { status: 200, headers: { 'content-length': length } }),
      });
    // A body that never ends: only the header check can answer.
    const early = await rejection(
      answer(never(), '101').request(request('http://x', { maxResponseBytes: 100 })),
    );
    expect(early).toMatchObject({ phase: 'exchange', message: 'response body larger than 100 bytes' });
    const noBody = await rejection(
      answer(null, '101').request(request('http://x', { maxResponseBytes: 100 })),
    );
    expect(noBody).toMatchObject({ message: 'response body larger than 100 bytes' });
    const exact = await answer('x'.repeat(100), '100').request(
      request('http://x', { maxResponseBytes: 100 }),
    );
    expect(exact.body).toHaveLength(100);
    // Streamed without a length: exactly the cap passes, one byte more does not.
    const streamed = (size: number) =>
      createFetchTransport({
        fetch: async () =>
          new Response(
            new ReadableStream<Uint8Array>({
              start(c) {
                c.enqueue(new Uint8Array(size).fill(0x61));
                c.close();
              },
            }),
          ),
      }).request(request('http://x', { maxResponseBytes: 100 }));
    expect((await streamed(100)).body).toHaveLength(100);
    expect(await rejection(streamed(101))).toMatchObject({ message: 'response body larger than 100 bytes' });
  });

  it('leaves no abort listener on the caller’s signal after a request', async () => {
    const controller = new AbortController();
    const transport = createFetchTransport({ fetch: async () => new Response('{"ok":true}') });
    await transport.request(request('http://x', { signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rethrows the signal reason when aborted before, during the wait and while reading the body', async () => {
    const reason = new Error('stop');
    const transport = createFetchTransport();
    const before = AbortSignal.abort(reason);
    const fetchSpy = vi.fn(globalThis.fetch);
    expect(
      await rejection(
        createFetchTransport({ fetch: fetchSpy }).request(request('http://x', { signal: before })),
      ),
    ).toBe(reason);
    expect(fetchSpy).not.toHaveBeenCalled();

    const stalled = await serve(() => {});
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(reason), 50);
    expect(await rejection(transport.request(request(stalled.url, { signal: waiting.signal })))).toBe(reason);

    const halfBody = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"id":');
    });
    const reading = new AbortController();
    setTimeout(() => reading.abort(reason), 100);
    expect(await rejection(transport.request(request(halfBody.url, { signal: reading.signal })))).toBe(
      reason,
    );
  });

  it('never mistakes a stream that ended because of an abort for a complete body', async () => {
    const reason = new Error('stop');
    const controller = new AbortController();
    // A runtime whose body stream ignores the request's signal: the transport cancels it itself.
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"id":'));
        setTimeout(() => controller.abort(reason), 20);
      },
    });
    const transport = createFetchTransport({ fetch: async () => new Response(body, { status: 200 }) });
    expect(await rejection(transport.request(request('http://x', { signal: controller.signal })))).toBe(
      reason,
    );
  });

  it('looks the global fetch up on every request and calls a custom one with the request', async () => {
    const original = globalThis.fetch;
    const replaced = vi.fn(async () => new Response('{"ok":true}', { status: 200 }));
    globalThis.fetch = replaced;
    try {
      const res = await createFetchTransport().request(request('http://127.0.0.1:1/x'));
      expect(res.body).toBe('{"ok":true}');
      expect(replaced).toHaveBeenCalledOnce();
    } finally {
      globalThis.fetch = original;
    }
    const custom = vi.fn(async (_input: string | URL | Request, init?: RequestInit) => {
      expect(init).toMatchObject({ method: 'POST', redirect: 'manual', body: '{"hello":"world"}' });
      return new Response(null, { status: 202 });
    });
    expect((await createFetchTransport({ fetch: custom }).request(request('http://x'))).status).toBe(202);
  });

  it('refuses a fetch option that is not a function, and a runtime without fetch', () => {
    expect(() => createFetchTransport({ fetch: 'nope' as unknown as typeof fetch })).toThrow(
      'no fetch function (pass options.fetch)',
    );
    const original = globalThis.fetch;
    // @ts-expect-error simulating a runtime without fetch
    globalThis.fetch = undefined;
    try {
      expect(() => createFetchTransport()).toThrow('no fetch function (pass options.fetch)');
    } finally {
      globalThis.fetch = original;
    }
  });
});

describe('IdCloudClient with the fetch transport', () => {
  it('gets a verdict from the emulator: token, CreateProcess, decoding', async () => {
    const { client, server } = await setup({}, { transport: createFetchTransport() });
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, createSamplePng()));
    expect(result).toMatchObject({ kind: 'verified', livenessChecked: false });
    expect(server.emulator.received.filter((r) => r.path === '/processes/v1')).toHaveLength(1);
  });

  it('reports a refused connection as ERR_NETWORK: a connect failure provably sent nothing', async () => {
    const scripted = await startScriptedServer();
    closeAfterTest(scripted);
    const { client } = await setup(
      {},
      {
        transport: createFetchTransport(),
        environment: { apiBaseUrl: await closedPort(), tokenUrl: scripted.environment.tokenUrl },
        maxRetries: 1,
      },
    );
    const err = await rejection(client.createProcess(inputFor(SCENARIOS.verified.cpf, createSamplePng())));
    expect(err).toBeInstanceOf(NetworkError);
  });

  it('does not retry a POST whose connection was lost: ERR_OUTCOME_UNKNOWN, one request', async () => {
    const scripted = await startScriptedServer();
    closeAfterTest(scripted);
    scripted.script('api', faults.resetAfterBody);
    const client = new IdCloudClient({
      ...(await setup()).server.clientOptions(),
      environment: scripted.environment,
      transport: createFetchTransport(),
    });
    closeAfterTest(client);
    const err = await rejection(client.createProcess(inputFor(SCENARIOS.verified.cpf, createSamplePng())));
    expect(err).toBeInstanceOf(OutcomeUnknownError);
    expect(err).toMatchObject({ reason: 'connection-lost' });
    expect(scripted.hits.api).toBe(1);
  });

  it('says the request was sent when the caller aborts while waiting for the answer', async () => {
    const scripted = await startScriptedServer();
    closeAfterTest(scripted);
    scripted.script('api', faults.stallHeaders);
    const client = new IdCloudClient({
      ...(await setup()).server.clientOptions(),
      environment: scripted.environment,
      transport: createFetchTransport(),
    });
    closeAfterTest(client);
    await client.warmup();
    const err = await rejection(
      client.createProcess(inputFor(SCENARIOS.verified.cpf, createSamplePng()), {
        signal: AbortSignal.timeout(200),
      }),
    );
    expect(err).toBeInstanceOf(AbortedError);
    expect(err).toMatchObject({ requestSent: true });
  });
});
