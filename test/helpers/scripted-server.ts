import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the server does with one request. `body` is read first unless the fault is marked
 * `early` (then it acts as soon as the headers arrive, before reading the body).
 */
export interface Fault {
  readonly early?: boolean;
  run(req: IncomingMessage, res: ServerResponse, body: string): void;
}

export const PLANTED_TOKEN = 'tok_PLANTED_4f9e2a77c1';

/**
 * Personal data and secrets a test plants in its client and input; the echo faults send them back
 * in error bodies and headers, so a leak check on the outcome has something to find.
 */
export const PLANTED = {
  /** A valid CPF (checksum digits correct). */
  cpf: '52998224725',
  name: 'Quixote Zebedeu Planted',
  email: 'zebedeu.planted@example.com',
  token: PLANTED_TOKEN,
  apiKey: 'apikey_PLANTED_0b1c2d3e4f',
} as const;

/** The planted values as a careless server would write them back: other cases and formats. */
export function plantedEchoes(): string[] {
  const { cpf, name, email, token, apiKey } = PLANTED;
  const dotted = `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`;
  return [
    `CPF ${cpf}`,
    `documento ${dotted}`,
    `NOME ${name.toUpperCase()}`,
    `nome ${name.toLowerCase()}`,
    `e-mail <${email.toUpperCase()}>`,
    `email=${email}`,
    `Bearer ${token}`,
    `APIKEY ${apiKey}`,
    `apikey:${apiKey.toUpperCase()}`,
  ];
}

/** A header value safe to send (latin1): the echoes joined. */
const echoHeader = () =>
  plantedEchoes()
    .join('; ')
    .normalize('NFD')
    .replace(/[^\x20-\x7e]/g, '');

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Fault => ({
  run: (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  },
});

/** The fault library: every way a server or the network can misbehave. */
export const faults = {
  json,
  verdict: (fields: Record<string, unknown> = { status: 3, unicoId: { result: 'yes' } }) =>
    json(200, { id: 'a0acf800-c631-4f93-9597-779553e276e6', ...fields }),
  token: (expiresIn = 3600, value = PLANTED_TOKEN) =>
    json(200, { access_token: value, expires_in: expiresIn, token_type: 'Bearer' }),
  tokenRejected: (code: string, status = 401) =>
    json(status, { error: 'server_error', error_description: `Falha na autenticação ${code}` }),
  /**
   * A token endpoint error whose `error_description` (and headers) echo every planted value in
   * several cases and formats, around the Unico code.
   */
  tokenEcho: (code: string, status = 401, headers: Record<string, string> = {}) =>
    json(
      status,
      {
        error: 'invalid_grant',
        error_description: `Falha na autenticação ${code}: ${plantedEchoes().join(', ')}`,
      },
      { 'x-debug-echo': echoHeader(), 'www-authenticate': `Bearer error="${PLANTED.token}"`, ...headers },
    ),
  /**
   * An API error whose `description` (and `message`, and headers) echo every planted value in
   * several cases and formats, together with what the request itself carried (subject, APIKEY,
   * bearer token).
   */
  apiEcho: (status: number, code = '20507', headers: Record<string, string> = {}): Fault => ({
    run: (req, res, body) => {
      let subject: Record<string, unknown> = {};
      try {
        subject = (JSON.parse(body) as { subject?: Record<string, unknown> }).subject ?? {};
      } catch {
        /* not JSON: echo the planted values only */
      }
      const received = [
        ...Object.values(subject).map((v) => String(v)),
        String(req.headers['apikey'] ?? ''),
        String(req.headers['authorization'] ?? ''),
      ];
      const text = [...plantedEchoes(), ...received, ...received.map((v) => v.toUpperCase())].join(' | ');
      res
        .writeHead(status, {
          'content-type': 'application/json',
          'x-debug-echo': echoHeader(),
          'x-debug-apikey': String(req.headers['apikey'] ?? ''),
          ...headers,
        })
        .end(JSON.stringify({ error: { code, description: text, message: text } }));
    },
  }),
  /** Destroys the connection as soon as the request line and headers arrive. */
  resetBeforeBody: { early: true, run: (req) => req.socket.destroy() } as Fault,
  /** Reads the whole request, then destroys the connection without answering. */
  resetAfterBody: { run: (req) => req.socket.destroy() } as Fault,
  /** Reads the request and never answers. */
  stallHeaders: { run: () => {} } as Fault,
  /** Sends headers and part of the body, then nothing more. */
  stallBody: {
    run: (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"id":"x","sta');
    },
  } as Fault,
  /** Announces 200 bytes, sends 20, closes. */
  truncated: {
    run: (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '200' });
      res.write('{"id":"x","status":3');
      setTimeout(() => req.socket.destroy(), 10);
    },
  } as Fault,
  invalidJson: {
    run: (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "x", "status": 3,'),
  } as Fault,
  garbage: {
    run: (_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('\u0000\u0001 not json at all'),
  } as Fault,
  html502: {
    run: (_req, res) =>
      res
        .writeHead(502, { 'content-type': 'text/html' })
        .end('<html><body><h1>502 Bad Gateway</h1></body></html>'),
  } as Fault,
  /** Streams a body that never ends, until the client goes away. */
  endless: {
    run: (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = 'x'.repeat(64 * 1024);
      const timer = setInterval(() => res.write(chunk), 1);
      req.socket.on('close', () => clearInterval(timer));
    },
  } as Fault,
  delayed: (ms: number, then: Fault): Fault => ({
    run: (req, res, body) => {
      const timer = setTimeout(() => then.run(req, res, body), ms);
      req.socket.on('close', () => clearTimeout(timer));
    },
  }),
};

export interface ScriptedServer {
  readonly url: string;
  readonly environment: { apiBaseUrl: string; tokenUrl: string };
  /** Requests that reached the server, per endpoint. */
  readonly hits: { token: number; api: number };
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  /** Request ids seen on API requests (X-Request-Id), in order. */
  readonly requestIds: string[];
  /** Every request that reached an endpoint, in order, with its arrival time (`performance.now()`). */
  readonly arrivals: Array<{ readonly endpoint: 'token' | 'api'; readonly at: number }>;
  /** Queue faults for the next requests of an endpoint (then the default answers). */
  script(endpoint: 'token' | 'api', ...next: Fault[]): void;
  /** Closes idle keep-alive connections from the server side (FIN). */
  closeIdleConnections(): void;
  /** TCP connections open right now, as the server sees them. */
  readonly openConnections: () => number;
  close(): Promise<void>;
}

/**
 * A real loopback HTTP server whose answers are scripted per request: by default a token
 * endpoint and a CreateProcess endpoint that answer correctly; queued faults replace them.
 */
export async function startScriptedServer(port = 0): Promise<ScriptedServer> {
  const queues = { token: [] as Fault[], api: [] as Fault[] };
  const hits = { token: 0, api: 0 };
  const requestIds: string[] = [];
  const arrivals: Array<{ endpoint: 'token' | 'api'; at: number }> = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    // warmup()'s preconnect (GET /) is neither endpoint: answer it, count nothing.
    if (req.url === '/') {
      res.writeHead(404).end();
      return;
    }
    const endpoint = req.url === '/oauth2/token' ? 'token' : 'api';
    hits[endpoint]++;
    arrivals.push({ endpoint, at: performance.now() });
    if (endpoint === 'api') requestIds.push(String(req.headers['x-request-id']));
    const fault = queues[endpoint].shift() ?? (endpoint === 'token' ? faults.token() : faults.verdict());
    if (fault.early) {
      fault.run(req, res, '');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => fault.run(req, res, body));
  });
  server.keepAliveTimeout = 30_000;
  let connections = 0;
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    environment: { apiBaseUrl: url, tokenUrl: `${url}/oauth2/token` },
    hits,
    connections: () => connections,
    requestIds,
    arrivals,
    script: (endpoint, ...next) => queues[endpoint].push(...next),
    closeIdleConnections: () => server.closeIdleConnections(),
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
