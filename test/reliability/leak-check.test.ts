import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IdCloudClient } from '../../src/index.js';
import { createSamplePng } from '../../src/testing/index.js';
import { activeTimers, clientSockets, expectClientGone, waitUntil } from '../helpers/leaks.js';
import { PLANTED, startScriptedServer } from '../helpers/scripted-server.js';

/** The fault table's "nothing left after close()" check, shown able to fail. */

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const INPUT = {
  subject: { code: PLANTED.cpf, name: PLANTED.name },
  useCase: 'Onboarding',
  imageBase64: createSamplePng(),
};

async function used() {
  expect(await waitUntil(() => clientSockets().length === 0, 2_000)).toBe(true);
  const server = await startScriptedServer();
  const timersBefore = activeTimers();
  const client = new IdCloudClient({
    environment: server.environment,
    serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey },
    apiKey: PLANTED.apiKey,
  });
  await client.createProcess(INPUT);
  return { server, client, timersBefore };
}

describe('the no-handle-after-close check', () => {
  it('passes for a closed client', async () => {
    const { server, client, timersBefore } = await used();
    try {
      await client.close();
      await expectClientGone(server, timersBefore);
    } finally {
      await server.close();
    }
  });

  it("fails for a client whose close() left the agent open (the keep-alive sockets are the client's)", async () => {
    const { server, client, timersBefore } = await used();
    try {
      // close() skipped, as if it did nothing: the pooled token and API connections stay open.
      await expect(expectClientGone(server, timersBefore)).rejects.toThrow(/sockets after close/);
      expect(clientSockets().length).toBeGreaterThanOrEqual(1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('fails for a timer left running', async () => {
    const { server, client, timersBefore } = await used();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await client.close();
      await expectClientGone(server, timersBefore);
      // Counted again right before the timer is planted: under load, a timer of an earlier test
      // may end during the call and hide one left running from a count taken before it.
      const settled = activeTimers();
      timer = setTimeout(() => {}, 10_000);
      await expect(expectClientGone(server, settled)).rejects.toThrow(/timers after close/);
    } finally {
      clearTimeout(timer);
      await server.close();
    }
  });
});
