// IdCloudClient's own code, on a scripted transport: the closed guard comes before any input check,
// getProcess's checks, warmup's budget, close() and the store and background-refresh warnings.
import { getEventListeners } from 'node:events';
import { inspect } from 'node:util';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { tokenStoreKey } from '../../src/auth/token-store.js';
import { IdCloudClient } from '../../src/index.js';
import { recordingLogger } from '../helpers/recording-logger.js';
import {
  json,
  scriptedOptions as options,
  type Route,
  scripted,
  TOKEN_URL,
  tokenOk,
} from '../helpers/scripted-transport.js';
import { rejection } from '../helpers/transport.js';

const BAD_INPUT = { subject: { code: '1', name: '' }, useCase: '', imageBase64: '' };

describe('IdCloudClient', () => {
  it('shows only its environment in String(), JSON and util.inspect', () => {
    const client = new IdCloudClient(options({ transport: scripted().transport }));
    expect(String(client)).toBe('IdCloudClient(custom)');
    expect(JSON.stringify(client)).toBe('{"environment":"custom"}');
    expect(inspect(client)).toBe('IdCloudClient(custom)');
  });

  it('refuses every call once closed, before looking at the input, keeping the request id', async () => {
    const { transport, sent } = scripted();
    const client = new IdCloudClient(options({ transport }));
    await client.close();
    const closed = { code: 'ERR_CLIENT_CLOSED', requestId: 'rid-1' };
    await expect(client.createProcess(BAD_INPUT as never, { requestId: 'rid-1' })).rejects.toMatchObject(
      closed,
    );
    await expect(
      client.getProcess('bad id', { imageKind: 'x' as never, requestId: 'rid-1' }),
    ).rejects.toMatchObject(closed);
    await expect(client.warmup()).rejects.toMatchObject({ code: 'ERR_CLIENT_CLOSED' });
    expect(sent).toEqual([]);
  });

  it('close() leaves a transport the caller passed open', async () => {
    const { transport } = scripted();
    await new IdCloudClient(options({ transport })).close();
    expect(transport.close).not.toHaveBeenCalled();
  });

  it('sends through the dispatcher it was given', async () => {
    const dispatch = vi.fn((_opts: unknown, handler: { onError(err: Error): void }) => {
      handler.onError(new Error('dispatcher says no'));
      return true;
    });
    const client = new IdCloudClient(options({ dispatcher: { dispatch } as never, maxRetries: 0 }));
    await rejection(client.warmup());
    expect(dispatch).toHaveBeenCalled();
    await client.close();
  });

  it('names the request id of a refused input', async () => {
    const client = new IdCloudClient(options({ transport: scripted().transport }));
    await expect(client.createProcess(BAD_INPUT as never, { requestId: 'rid-2' })).rejects.toMatchObject({
      code: 'ERR_INVALID_INPUT',
      requestId: 'rid-2',
    });
  });

  describe('getProcess checks its arguments before sending', () => {
    const idIssue = { path: 'id', message: 'must be a process id (letters, digits, "-", "_")' };
    const kindIssue = { path: 'options.imageKind', message: 'must be "sdk-capture" or "plain-image"' };

    it.each([
      ['', [idIssue]],
      ['a/../b', [idIssue]],
      ['a'.repeat(129), [idIssue]],
      [7, [idIssue]],
    ])('id %j', async (id, issues) => {
      const { transport, sent } = scripted();
      const client = new IdCloudClient(options({ transport }));
      const err = await rejection(
        client.getProcess(id as never, { imageKind: 'sdk-capture', requestId: 'rid-3' }),
      );
      expect(err).toMatchObject({ code: 'ERR_INVALID_INPUT', requestId: 'rid-3', issues });
      expect(sent).toEqual([]);
    });

    it('image kind, also without options', async () => {
      const client = new IdCloudClient(options({ transport: scripted().transport }));
      expect(await rejection(client.getProcess('p-1', undefined as never))).toMatchObject({
        issues: [kindIssue],
      });
      expect(await rejection(client.getProcess('p-1', { imageKind: 'jpeg' as never }))).toMatchObject({
        issues: [kindIssue],
      });
    });

    it('accepts an id of 128 letters, digits, "-" and "_", reported as a getProcess', async () => {
      const { transport, sent } = scripted();
      const onRequestStart = vi.fn();
      const client = new IdCloudClient(options({ transport, hooks: { onRequestStart } }));
      const id = `A-_9${'x'.repeat(124)}`;
      await client.getProcess(id, { imageKind: 'sdk-capture' });
      expect(sent.at(-1)?.url).toBe(`https://api.test/processes/v1/${id}`);
      expect(onRequestStart).toHaveBeenCalledWith(
        expect.objectContaining({ operation: 'getProcess', method: 'GET' }),
      );
    });
  });

  describe('warmup', () => {
    it('ends with ERR_TIMEOUT naming its budget when the token endpoint does not answer', async () => {
      const client = new IdCloudClient(options({ transport: scripted(() => 'hang').transport }));
      const err = await rejection(client.warmup({ timeoutMs: 50 }));
      expect(err).toMatchObject({ code: 'ERR_TIMEOUT' });
      expect((err as Error).message).toContain('50 ms');
      expect((err as Error).cause).toMatchObject({ name: 'TimeoutError' });
    });

    it('ends with ERR_ABORTED, nothing sent to the API, when the caller aborts', async () => {
      const client = new IdCloudClient(options({ transport: scripted(() => 'hang').transport }));
      const controller = new AbortController();
      const pending = rejection(client.warmup({ signal: controller.signal }));
      const reason = new Error('caller gave up');
      controller.abort(reason);
      const err = await pending;
      expect(err).toMatchObject({ code: 'ERR_ABORTED', requestSent: false });
      expect((err as Error).cause).toBe(reason);
    });

    it("leaves no listener on the caller's signal", async () => {
      const client = new IdCloudClient(options({ transport: scripted().transport }));
      const { signal } = new AbortController();
      await client.warmup({ signal });
      expect(getEventListeners(signal, 'abort')).toEqual([]);
    });
  });

  it('warns through the logger when the token store fails', async () => {
    const { logger, warnings } = recordingLogger();
    const keys: string[] = [];
    const tokenStore = {
      get: async (key: string) => {
        keys.push(key);
        throw new Error('store down');
      },
      set: async () => undefined,
    };
    const client = new IdCloudClient(options({ transport: scripted().transport, logger, tokenStore }));
    await client.warmup();
    const key = await tokenStoreKey({
      environment: 'custom',
      tokenUrl: TOKEN_URL,
      tenantId: 'tenant',
      accountName: 'acct',
    });
    expect(keys).toEqual([key]);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.[1]).toMatch(/^unico-idcloud: /);
    expect(JSON.stringify(warnings())).toContain('get');
  });

  it('warns through the logger when a background refresh fails, and keeps serving the current token', async () => {
    const { logger, warnings } = recordingLogger();
    // Less than 5 min left of an hour: due for a refresh, still served.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => void vi.useRealTimers());
    const token: Route = (_req, n) => (n === 1 ? tokenOk() : json(400, { error: 'invalid_grant' }));
    const { transport } = scripted(token);
    const client = new IdCloudClient(options({ transport, logger }));
    await client.warmup();
    vi.setSystemTime(Date.now() + 3_400_000);
    await client.getProcess('p-1', { imageKind: 'sdk-capture' });
    await vi.waitFor(() => expect(warnings()).toHaveLength(2));
    expect(warnings()).toContainEqual([
      { code: 'ERR_TOKEN', unicoCode: undefined },
      'unico-idcloud: background token refresh failed; the current token is still valid',
    ]);
  });
});
