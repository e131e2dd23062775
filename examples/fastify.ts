/**
 * Fastify 5 recipe (docs/recipes/express-fastify.md): the client is created once and closed by
 * Fastify's `onClose` hook, after `app.close()` has drained in-flight requests.
 *
 * Run directly, it starts the emulator, listens on an ephemeral port, posts one verification to
 * its own route with `fetch`, prints the answer and exits:
 *
 *   npx tsx examples/fastify.ts
 */
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { IdCloudClient } from 'unico-idcloud';
import {
  answerForError,
  answerForResult,
  type HttpAnswer,
  incomingRequestId,
  toCreateProcessInput,
} from './shared/verification.js';

/**
 * Builds the app around a client you created once, at startup. The app owns it from here on:
 * `app.close()` closes it.
 * @param client - the shared client
 * @returns the Fastify app
 */
export function createApp(client: IdCloudClient): FastifyInstance {
  // Fastify's default body limit is 1 MiB; a plain image as base64 can exceed it, and the capture
  // SDK's `encrypted` string has no documented cap.
  const app = Fastify({ bodyLimit: 4 * 1024 * 1024 });
  app.addHook('onClose', async () => {
    await client.close();
  });

  app.post('/verifications', async (request, reply) => {
    let answer: HttpAnswer;
    try {
      const result = await client.createProcess(toCreateProcessInput(request.body), {
        requestId: incomingRequestId(request.headers['x-request-id'] as string | undefined),
        timeoutMs: 20_000,
      });
      answer = answerForResult(result);
    } catch (err) {
      // answerForError rethrows non-SDK errors: Fastify answers those with its error handler.
      const failure = answerForError(err);
      if (failure.alert) request.log.error({ code: failure.body['error'] }, 'unico-idcloud needs attention');
      answer = failure;
    }
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });
  return app;
}

const runDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;

if (runDirectly) {
  const { SCENARIOS, startEmulatorServer } = await import('unico-idcloud/testing');
  const emulator = await startEmulatorServer();
  const client = new IdCloudClient(
    emulator.clientOptions({ appInfo: { name: 'kyc-fastify', version: '1.0.0' } }),
  );
  const app = createApp(client);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  // In production: process.once('SIGTERM', () => app.close());

  const response = await fetch(`${url}/verifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      cpf: SCENARIOS.verified.cpf,
      name: 'Luke Skywalker',
      capture: emulator.emulator.createCapture(),
    }),
  });
  console.log(`POST /verifications → ${response.status} ${await response.text()}`);

  await app.close(); // drains, then the onClose hook closes the client
  await emulator.close();
}
