// runCall and readCallOptions on a scripted transport: per-call options, what "sent" means when a
// wait is aborted, the error code each failed attempt reports, the remembered refused token, and a
// success body that is not JSON.
import { describe, expect, it, vi } from 'vitest';
import { TransportError } from '../../src/http/transport.js';
import { IdCloudClient } from '../../src/index.js';
import { createSamplePng } from '../../src/testing/index.js';
import {
  json,
  scriptedOptions as options,
  PROCESS,
  scripted,
  tokenOk,
} from '../helpers/scripted-transport.js';
import { rejection } from '../helpers/transport.js';

const INPUT = {
  subject: { code: '52998224725', name: 'Luke' },
  useCase: 'onboarding',
  imageBase64: createSamplePng(),
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('per-call options', () => {
  const client = new IdCloudClient(options({ transport: scripted().transport }));

  it.each([
    ['fast', [{ path: 'options', message: 'must be an object' }]],
    [{ signal: 'stop' }, [{ path: 'options.signal', message: 'must be an AbortSignal' }]],
    [{ requestId: 7 }, [{ path: 'options.requestId', message: 'must be 1-128 visible ASCII characters' }]],
    [{ requestId: 'é' }, [{ path: 'options.requestId', message: 'must be 1-128 visible ASCII characters' }]],
  ])('refuses %j', async (given, issues) => {
    const err = await rejection(client.createProcess(INPUT, given as never));
    expect(err).toMatchObject({ code: 'ERR_INVALID_INPUT', issues });
  });

  it('gives a refused option a request id of its own', async () => {
    const err = await rejection(client.createProcess(INPUT, { requestId: ' ' }));
    expect((err as { requestId: string }).requestId).toMatch(UUID);
  });
});

describe('an abort during a wait between attempts', () => {
  it('says the request was sent when an earlier attempt got an answer (429)', async () => {
    const { transport } = scripted(undefined, () => json(429, {}, { 'retry-after': '5' }));
    const controller = new AbortController();
    const onRetry = () => controller.abort(new Error('caller gave up'));
    const client = new IdCloudClient(options({ transport, hooks: { onRetry } }));
    const err = await rejection(client.createProcess(INPUT, { signal: controller.signal }));
    expect(err).toMatchObject({ code: 'ERR_ABORTED', requestSent: true });
    expect((err as Error).cause).toMatchObject({ message: 'caller gave up' });
  });

  it('says it was not sent when every attempt failed to connect', async () => {
    const refused = new TransportError('connect', 'connection refused');
    const { transport } = scripted(undefined, () => refused);
    const controller = new AbortController();
    const onRetry = () => controller.abort(new Error('caller gave up'));
    const client = new IdCloudClient(options({ transport, hooks: { onRetry } }));
    const err = await rejection(client.createProcess(INPUT, { signal: controller.signal }));
    expect(err).toMatchObject({ code: 'ERR_ABORTED', requestSent: false });
  });
});

describe('the error code of each failed attempt, as onRequestEnd reports it', () => {
  it('ERR_NETWORK for one provably not sent, then the final error code', async () => {
    const refused = new TransportError('connect', 'connection refused');
    const lost = new TransportError('exchange', 'socket hang up');
    const { transport } = scripted(undefined, (_req, n) => (n === 1 ? refused : lost));
    const onRequestEnd = vi.fn();
    const client = new IdCloudClient(options({ transport, hooks: { onRequestEnd } }));
    await rejection(client.createProcess(INPUT));
    expect(onRequestEnd.mock.calls.map(([e]) => e.errorCode)).toEqual(['ERR_NETWORK', 'ERR_OUTCOME_UNKNOWN']);
  });

  it("the call's own error code for its last attempt (ERR_ABORTED, not ERR_OUTCOME_UNKNOWN)", async () => {
    const { transport } = scripted(undefined, () => 'hang');
    const controller = new AbortController();
    const onRequestEnd = vi.fn();
    const onRequestStart = () => void setTimeout(() => controller.abort(new Error('caller gave up')), 10);
    const client = new IdCloudClient(options({ transport, hooks: { onRequestStart, onRequestEnd } }));
    const err = await rejection(client.createProcess(INPUT, { signal: controller.signal }));
    expect(err).toMatchObject({ code: 'ERR_ABORTED', requestSent: true });
    expect(onRequestEnd.mock.calls.map(([e]) => e.errorCode)).toEqual(['ERR_ABORTED']);
  });

  it('ERR_OUTCOME_UNKNOWN for a retried read that may have been sent', async () => {
    const lost = new TransportError('exchange', 'socket hang up');
    const { transport } = scripted(undefined, (_req, n) => (n === 1 ? lost : json(200, PROCESS)));
    const onRequestEnd = vi.fn();
    const client = new IdCloudClient(options({ transport, hooks: { onRequestEnd } }));
    await client.getProcess('p-1', { imageKind: 'sdk-capture' });
    expect(onRequestEnd.mock.calls.map(([e]) => [e.errorCode, e.httpStatus])).toEqual([
      ['ERR_OUTCOME_UNKNOWN', undefined],
      [undefined, 200],
    ]);
  });
});

describe('responses', () => {
  it('reads the Unico code of a 300 answer', async () => {
    const { transport } = scripted(undefined, () => json(300, { error: { code: 10201, message: 'moved' } }));
    const err = await rejection(new IdCloudClient(options({ transport })).createProcess(INPUT));
    expect(err).toMatchObject({ code: 'ERR_API', httpStatus: 300, unicoCode: '10201' });
  });

  it('refuses a success body that is not JSON, saying so', async () => {
    const { transport } = scripted(undefined, () => json(200, 'OK'));
    const err = await rejection(new IdCloudClient(options({ transport })).createProcess(INPUT));
    expect(err).toMatchObject({
      code: 'ERR_INVALID_RESPONSE',
      httpStatus: 200,
      issues: [{ path: '', message: 'body is not JSON' }],
    });
  });

  it('still refreshes on a 401 after a call failed for another reason (only a refused fresh token is remembered)', async () => {
    const { transport, sent } = scripted(
      () => tokenOk(),
      (_req, n) =>
        n === 1 ? json(400, { error: { code: '20001' } }) : n === 2 ? json(401, {}) : json(200, PROCESS),
    );
    const client = new IdCloudClient(options({ transport }));
    await rejection(client.createProcess(INPUT));
    await expect(client.createProcess(INPUT)).resolves.toMatchObject({ id: 'p-1' });
    expect(sent.filter((r) => r.url.endsWith('/oauth2/token'))).toHaveLength(2);
  });
});
