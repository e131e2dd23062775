import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { TransportError } from '../../src/http/transport.js';
import { createUndiciTransport } from '../../src/http/undici.js';
import { closedPort, type FaultServer, startFaultServer } from '../helpers/fault-server.js';
import { rejection, request } from '../helpers/transport.js';

// The default transport on its own, against a real loopback server: what it sends, what it returns,
// and which failures it may call "provably unsent" (phase 'connect').

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((close) => close()));
});

async function serve(fault: Parameters<typeof startFaultServer>[0]): Promise<FaultServer> {
  const server = await startFaultServer(fault);
  cleanup.push(() => server.close());
  return server;
}

function transport(dispatcher?: Dispatcher) {
  const t = createUndiciTransport({ dispatcher });
  cleanup.push(async () => t.close?.());
  return t;
}

describe('createUndiciTransport', () => {
  it('sends method, path with query, headers and body; returns status, lower-case headers and the body', async () => {
    let seen: Record<string, string | undefined> = {};
    const server = await serve((req, res, body) => {
      seen = { method: req.method, url: req.url, id: req.headers['x-request-id'] as string, body };
      res.writeHead(201, { 'X-Custom': 'Yes', 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    const res = await transport().request(request(`${server.url}/processes/v1?x=1`));
    expect(seen).toEqual({
      method: 'POST',
      url: '/processes/v1?x=1',
      id: 'req-1',
      body: '{"hello":"world"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-custom']).toBe('Yes');
    expect(res.body).toBe('{"ok":true}');
  });

  it('sends a byte body unchanged and a GET without one', async () => {
    const bodies: string[] = [];
    const server = await serve((_req, res, body) => {
      bodies.push(body);
      res.end('');
    });
    const t = transport();
    await t.request(
      request(server.url, { body: new TextEncoder().encode('{"é":"ü"}') as Uint8Array<ArrayBuffer> }),
    );
    const get = await t.request(request(server.url, { method: 'GET', body: undefined }));
    expect(bodies).toEqual(['{"é":"ü"}', '']);
    expect(get).toMatchObject({ status: 200, body: '' });
  });

  it('joins a body that arrives in several chunks, a character split between two included', async () => {
    const text = `{"name":"${'ção'.repeat(2000)}"}`;
    const bytes = Buffer.from(text);
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Cut inside the two-byte "ç", then in pieces: the client sees several chunks.
      res.write(bytes.subarray(0, 10));
      setTimeout(() => {
        res.write(bytes.subarray(10, 4001));
        setTimeout(() => res.end(bytes.subarray(4001)), 5);
      }, 5);
    });
    expect((await transport().request(request(server.url))).body).toBe(text);
  });

  it('joins a repeated response header with ", " and keeps both values', async () => {
    const server = await serve((_req, res) => {
      res.setHeader('x-multi', ['one', 'two']);
      res.end('');
    });
    expect((await transport().request(request(server.url))).headers['x-multi']).toBe('one, two');
  });

  it('skips an informational 1xx response and returns the final status and headers', async () => {
    const server = await serve((_req, res) => {
      res.writeEarlyHints({ link: '</a.css>; rel=preload' }, () => {
        res.writeHead(200, { 'x-final': 'yes' });
        res.end('done');
      });
    });
    const res = await transport().request(request(server.url));
    expect(res).toMatchObject({ status: 200, body: 'done' });
    expect(res.headers['x-final']).toBe('yes');
    expect(res.headers['link']).toBeUndefined();
  });

  it('accepts a body of exactly maxResponseBytes and refuses one byte more, as possibly sent', async () => {
    const server = await serve((_req, res, body) => res.end('x'.repeat(Number(body))));
    const t = transport();
    const exact = await t.request(request(server.url, { body: '100', maxResponseBytes: 100 }));
    expect(exact.body).toHaveLength(100);
    const err = await rejection(t.request(request(server.url, { body: '101', maxResponseBytes: 100 })));
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ phase: 'exchange', message: 'response body larger than 100 bytes' });
  });

  it('sends nothing for an already aborted signal and says so (phase connect)', async () => {
    const server = await serve((_req, res) => res.end(''));
    const err = await rejection(transport().request(request(server.url, { signal: AbortSignal.abort() })));
    expect(err).toMatchObject({ phase: 'connect', message: 'aborted before sending' });
    expect(server.hits).toEqual([]);
  });

  it('rejects with the caller’s reason when aborted after the request was written (never "unsent")', async () => {
    const server = await serve(() => undefined); // never answers
    const controller = new AbortController();
    const pending = transport().request(request(server.url, { signal: controller.signal }));
    while (server.hits.length === 0) await new Promise((r) => setTimeout(r, 5));
    const why = new Error('caller gave up');
    controller.abort(why);
    expect(await rejection(pending)).toBe(why);
  });

  it('aborts a request still queued behind another one: phase connect, never written', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('slow'), 300);
      else res.end('fast');
    });
    const agent = new Agent({ connections: 1, pipelining: 1 });
    cleanup.push(() => agent.close());
    const t = transport(agent);
    const slow = t.request(request(`${server.url}/slow`));
    const controller = new AbortController();
    const queued = t.request(request(`${server.url}/queued`, { signal: controller.signal }));
    while (server.hits.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(new Error('stop'));
    expect(await rejection(queued)).toMatchObject({ phase: 'connect', message: 'aborted before sending' });
    expect((await slow).body).toBe('slow');
    await new Promise((r) => setTimeout(r, 50));
    expect(server.hits).toEqual(['/slow']);
  });

  it('reports a refused connection as provably unsent, naming the code', async () => {
    const err = await rejection(transport().request(request(await closedPort())));
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ phase: 'connect', message: 'connection failed (ECONNREFUSED)' });
  });

  it('reports a connection lost after the request was read as possibly sent', async () => {
    const server = await serve((req) => req.socket.destroy());
    const err = await rejection(transport().request(request(server.url)));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).phase).toBe('exchange');
    expect((err as TransportError).message).toMatch(/^connection lost \(\w+\)$/);
    expect(server.hits).toHaveLength(1);
  });

  it('treats a dispatcher that throws before connecting as unsent, and an error after it as possibly sent', async () => {
    const throwing = {
      dispatch: () => {
        throw Object.assign(new Error('bad'), { code: 'E_SYNC' });
      },
    };
    const before = await rejection(
      transport(throwing as unknown as Dispatcher).request(request('http://127.0.0.1:1')),
    );
    expect(before).toMatchObject({ phase: 'connect', message: 'connection failed (E_SYNC)' });

    const failing = (connectFirst: boolean, code: unknown) => ({
      dispatch(_opts: unknown, handler: Dispatcher.DispatchHandler) {
        if (connectFirst) handler.onConnect?.(() => undefined);
        handler.onError?.(Object.assign(new Error('x'), { code }));
        return true;
      },
    });
    const send = (d: object) => transport(d as unknown as Dispatcher).request(request('http://127.0.0.1:1'));
    expect(await rejection(send(failing(false, 'ECONNRESET')))).toMatchObject({
      phase: 'connect',
      message: 'connection failed (ECONNRESET)',
    });
    expect(await rejection(send(failing(true, 'ECONNRESET')))).toMatchObject({
      phase: 'exchange',
      message: 'connection lost (ECONNRESET)',
    });
    expect(await rejection(send(failing(true, 'ECONNREFUSED')))).toMatchObject({ phase: 'connect' });
    expect(await rejection(send(failing(true, 42)))).toMatchObject({
      phase: 'exchange',
      message: 'connection lost (unknown)',
    });
  });

  it('closes the agent it created, and never a dispatcher it was given', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const own = createUndiciTransport();
    await own.request(request(server.url));
    const open = new Set<Socket>();
    const probe = createServer((_req, res) => res.end('ok'));
    probe.on('connection', (socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => probe.close(() => resolve())));
    const { port } = probe.address() as AddressInfo;
    await own.request(request(`http://127.0.0.1:${port}`));
    expect(open.size).toBe(1); // kept alive for the next request (4 s)
    await own.close?.();
    for (let i = 0; i < 100 && open.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(open.size).toBe(0);
    await own.close?.(); // twice is fine

    const agent = new Agent();
    cleanup.push(() => agent.close());
    const given = createUndiciTransport({ dispatcher: agent });
    await given.request(request(server.url));
    await given.close?.();
    expect(agent.closed).toBe(false);
    expect((await given.request(request(server.url))).body).toBe('ok');
  });
});
