import { generateKeyPairSync } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { IdCloudClient } from '../../src/index.js';
import { createSamplePng } from '../../src/testing/index.js';
import { type Fault, faults, PLANTED, startScriptedServer } from '../helpers/scripted-server.js';

/**
 * A caller often passes one long-lived signal (a server's shutdown signal) to every call. Whatever
 * a call went through — a verdict, a retry after a wait, a token refresh, a timeout, an error — it
 * must leave no listener on that signal, or they pile up call after call.
 */

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const INPUT = {
  subject: { code: PLANTED.cpf, name: PLANTED.name },
  useCase: 'Onboarding',
  imageBase64: createSamplePng(),
};

const PATHS: Array<{ name: string; api?: Fault[]; token?: Fault[]; timeoutMs?: number }> = [
  { name: 'a verdict, the token fetched first' },
  { name: 'a verdict after a 429 and a wait', api: [faults.json(429, {}, { 'retry-after': '0.2' })] },
  { name: 'a verdict after a 401 and a new token', api: [faults.json(401, {})] },
  {
    name: 'a 401, the token endpoint 503 and a wait, then a verdict',
    api: [faults.json(401, {})],
    token: [faults.json(503, {})],
  },
  { name: 'an API error', api: [faults.apiEcho(400)] },
  { name: 'the call deadline while waiting', api: [faults.stallHeaders], timeoutMs: 300 },
];

describe("the caller's signal", () => {
  it('carries no SDK listener after each call, whatever happened in it', async () => {
    const server = await startScriptedServer();
    const client = new IdCloudClient({
      environment: server.environment,
      serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey },
      apiKey: PLANTED.apiKey,
    });
    const shutdown = new AbortController();
    try {
      for (const path of PATHS) {
        server.script('token', ...(path.token ?? []));
        server.script('api', ...(path.api ?? []));
        await client
          .createProcess(INPUT, {
            signal: shutdown.signal,
            ...(path.timeoutMs ? { timeoutMs: path.timeoutMs } : {}),
          })
          .catch(() => undefined);
        expect(getEventListeners(shutdown.signal, 'abort'), path.name).toHaveLength(0);
      }
      expect(server.hits.api).toBeGreaterThanOrEqual(PATHS.length);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
