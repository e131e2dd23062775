// waitForResult's own checks and endings on a scripted transport (the polling itself is in
// test/integration/wait-for-result.test.ts).
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { IdCloudClient } from '../../src/index.js';
import { json, scriptedOptions as options, PROCESS, scripted } from '../helpers/scripted-transport.js';
import { rejection } from '../helpers/transport.js';

describe('waitForResult', () => {
  it.each([0, 15_001, 1.5])(
    'refuses a pollIntervalMs of %d before sending anything',
    async (pollIntervalMs) => {
      const { transport, sent } = scripted();
      const client = new IdCloudClient(options({ transport }));
      const err = await rejection(
        client.waitForResult('p-1', { imageKind: 'sdk-capture', pollIntervalMs, requestId: 'rid-1' }),
      );
      expect(err).toMatchObject({
        code: 'ERR_INVALID_INPUT',
        requestId: 'rid-1',
        issues: [{ path: 'options.pollIntervalMs', message: 'must be an integer from 1 to 15000' }],
      });
      expect(sent).toEqual([]);
    },
  );

  it('accepts the longest budget: each poll gets at most the 10-minute call budget', async () => {
    const client = new IdCloudClient(options({ transport: scripted().transport }));
    await expect(
      client.waitForResult('p-1', { imageKind: 'sdk-capture', timeoutMs: 600_000 }),
    ).resolves.toMatchObject({
      id: 'p-1',
    });
  });

  it("reports an abort during a poll with the request id and the caller's reason as cause", async () => {
    const { transport } = scripted(undefined, () => 'hang');
    const controller = new AbortController();
    const onRequestStart = () => void setTimeout(() => controller.abort(reason), 10);
    const reason = new Error('caller gave up');
    const client = new IdCloudClient(options({ transport, hooks: { onRequestStart } }));
    const err = await rejection(
      client.waitForResult('p-1', {
        imageKind: 'sdk-capture',
        signal: controller.signal,
        requestId: 'rid-2',
      }),
    );
    expect(err).toMatchObject({ code: 'ERR_ABORTED', requestId: 'rid-2' });
    expect((err as Error).cause).toBe(reason);
  });

  it("leaves no listener on the caller's signal", async () => {
    const { transport } = scripted(undefined, (_req, n) =>
      json(200, n === 1 ? { ...PROCESS, status: 1 } : PROCESS),
    );
    const client = new IdCloudClient(options({ transport }));
    const { signal } = new AbortController();
    await client.waitForResult('p-1', { imageKind: 'sdk-capture', signal, pollIntervalMs: 1 });
    expect(getEventListeners(signal, 'abort')).toEqual([]);
  });
});
