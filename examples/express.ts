/**
 * Express 5 recipe (docs/recipes/express-fastify.md): one client for the whole app, a
 * `POST /verifications` route that maps verdicts and SDK errors to HTTP answers, and a shutdown
 * that drains requests before closing the client.
 *
 * Run directly, it starts the emulator, serves the app on an ephemeral port, posts one
 * verification to its own route with `fetch`, prints the answer and exits:
 *
 *   npx tsx examples/express.ts
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express, { type Express, type Response } from 'express';
import { IdCloudClient } from 'unico-idcloud';
import {
  answerForError,
  answerForResult,
  type HttpAnswer,
  incomingRequestId,
  toCreateProcessInput,
} from './shared/verification.js';

/**
 * Builds the app around a client you created once, at startup.
 * @param client - the shared client
 * @returns the Express app
 */
export function createApp(client: IdCloudClient): Express {
  const app = express();
  // A plain image is up to 800 KB (≈1.1 MB as base64); the capture SDK's `encrypted` string is
  // opaque and has no documented cap. Leave room.
  app.use(express.json({ limit: '4mb' }));

  app.post('/verifications', async (req, res) => {
    try {
      const result = await client.createProcess(toCreateProcessInput(req.body), {
        requestId: incomingRequestId(req.get('x-request-id')),
        timeoutMs: 20_000,
        // No `signal` tied to the client's connection: once sent, the process is created and
        // billed anyway; finishing the call keeps its verdict (and id) for your records.
      });
      send(res, answerForResult(result));
    } catch (err) {
      // answerForError rethrows non-SDK errors: Express 5 passes a rejected handler to `next(err)`.
      const answer = answerForError(err);
      if (answer.alert) console.error('unico-idcloud needs attention:', String(err));
      send(res, answer);
    }
  });
  return app;
}

function send(res: Response, answer: HttpAnswer): void {
  res.status(answer.status).set(answer.headers).json(answer.body);
}

/**
 * Stops accepting connections, lets in-flight verifications finish, then closes the client.
 * @param server - the listening server
 * @param client - the shared client
 */
export async function shutdown(server: Server, client: IdCloudClient): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await client.close();
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (runDirectly) {
  const { SCENARIOS, startEmulatorServer } = await import('unico-idcloud/testing');
  const emulator = await startEmulatorServer();
  const client = new IdCloudClient(
    emulator.clientOptions({ appInfo: { name: 'kyc-express', version: '1.0.0' } }),
  );
  const server = createApp(client).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  // In production: process.once('SIGTERM', () => shutdown(server, client));

  const { port } = server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'express-demo-1' },
    body: JSON.stringify({
      cpf: SCENARIOS['inconclusive-liveness-failed'].cpf,
      name: 'Luke Skywalker',
      capture: emulator.emulator.createCapture(),
    }),
  });
  console.log(`POST /verifications → ${response.status} ${await response.text()}`);

  await shutdown(server, client);
  await emulator.close();
}
