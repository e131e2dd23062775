import { describe, expect, it } from 'vitest';
import { IdCloudClient } from '../../src/index.js';
import { createSamplePng, SCENARIOS, startEmulatorServer } from '../../src/testing/index.js';
import { activeTimers, clientSockets, waitUntil } from '../helpers/leaks.js';

describe('load', () => {
  it('2,000 calls at concurrency 200 across a forced token expiry: all succeed, 2 token requests, no leaks', async () => {
    const server = await startEmulatorServer();
    expect(await waitUntil(() => clientSockets().length === 0, 2_000)).toBe(true);
    const timersBefore = activeTimers();
    const client = new IdCloudClient(server.clientOptions());
    const input = {
      subject: { code: SCENARIOS.verified.cpf, name: 'Luke Skywalker' },
      useCase: 'Onboarding',
      imageBase64: createSamplePng(),
    };
    const total = 2_000;
    let started = 0;
    let done = 0;
    let revoked = false;
    const kinds = new Map<string, number>();
    const worker = async () => {
      while (started < total) {
        started++;
        const result = await client.createProcess(input);
        kinds.set(result.kind, (kinds.get(result.kind) ?? 0) + 1);
        done++;
        // Halfway through, every token dies server-side: in-flight calls get 401s.
        if (!revoked && done >= total / 2) {
          revoked = true;
          server.emulator.revokeTokens();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: 200 }, worker));
      expect(done).toBe(total);
      expect(kinds).toEqual(new Map([['verified', total]]));
      expect(server.emulator.stats.tokenRequests).toBe(2);
      // Calls in flight at the revocation were answered 401 and sent once more.
      expect(server.emulator.stats.processRequests).toBeGreaterThan(total);
      expect(server.emulator.stats.processRequests).toBeLessThanOrEqual(total + 200);
      await client.close();
      await waitUntil(() => clientSockets().length === 0, 1_000);
      expect(clientSockets(), "the client's sockets after close()").toEqual([]);
      expect(activeTimers(), 'timers after close()').toBeLessThanOrEqual(timersBefore);
    } finally {
      await client.close();
      await server.close();
    }
  }, 60_000);
});
