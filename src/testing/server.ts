import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestHandler } from 'msw';
import type { ClientOptions } from '../client/options.js';
import { createEmulator, type Emulator } from './emulator.js';
import { createHandlers } from './handlers.js';
import { getResponse } from './msw.js';
import type { EmulatorOptions } from './options.js';

/** A running loopback emulator. */
export interface EmulatorServer {
  /** Base URL, e.g. `http://127.0.0.1:53123`. */
  readonly url: string;
  /**
   * Pass as `environment` to `IdCloudClient`: `apiBaseUrl` is {@link EmulatorServer.url}, `tokenUrl`
   * its token endpoint, `<url>/oauth2/token`.
   */
  readonly environment: { readonly apiBaseUrl: string; readonly tokenUrl: string };
  /** The emulator being served: its credentials, counters, received requests and fault injection. */
  readonly emulator: Emulator;
  /** The msw handlers being served. */
  readonly handlers: RequestHandler[];
  /**
   * Ready-to-use client options: environment, service account and API key of this emulator.
   * @param overrides - any other client option
   */
  clientOptions(overrides?: Partial<ClientOptions>): ClientOptions;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** Options of {@link startEmulatorServer}. */
export interface EmulatorServerOptions extends EmulatorOptions {
  /** An emulator of yours; one is created otherwise. */
  readonly emulator?: Emulator;
  /** @default 0 (any free port) */
  readonly port?: number;
}

const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/**
 * Serves the emulator's msw handlers on a real HTTP server on 127.0.0.1, where the SDK's undici
 * requests reach them.
 * @param options - emulator options, or an emulator, and a port
 * @returns the running server
 * @example
 * ```ts
 * const server = await startEmulatorServer();
 * const client = new IdCloudClient(server.clientOptions());
 * // ...
 * await server.close();
 * ```
 */
export async function startEmulatorServer(options: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  const emulator = options.emulator ?? createEmulator(options);
  let handlers: RequestHandler[] = [];
  const server = createServer((req, res) => {
    serve(req, res, handlers).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const environment = { apiBaseUrl: url, tokenUrl: `${url}/oauth2/token` };
  handlers = createHandlers(emulator, environment);
  return {
    url,
    environment,
    emulator,
    handlers,
    clientOptions: (overrides = {}) => ({
      environment,
      serviceAccount: {
        accountName: emulator.credentials.accountName,
        tenantId: emulator.credentials.tenantId,
        privateKey: emulator.credentials.privateKey,
      },
      apiKey: emulator.credentials.apiKey,
      ...overrides,
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, handlers: RequestHandler[]): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) {
      res.writeHead(413).end();
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = req.method ?? 'GET';
  const request = new Request(`http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`, {
    method,
    headers,
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
  });
  const response = await getResponse(handlers, request);
  if (!response) {
    res
      .writeHead(404, { 'content-type': 'application/json' })
      .end('{"error":{"code":"404","description":"not found"}}');
    return;
  }
  const outHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  res.writeHead(response.status, outHeaders);
  res.end(Buffer.from(await response.arrayBuffer()));
}
