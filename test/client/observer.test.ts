// createObserver alone: what reaches hooks and which logger level, without a client around it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createObserver } from '../../src/client/observability.js';
import { recordingLogger } from '../helpers/recording-logger.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const start = {
  requestId: 'r1',
  operation: 'createProcess',
  attempt: 1,
  method: 'POST',
  path: '/processes/v1',
} as const;

describe('createObserver', () => {
  it('is undefined without hooks and logger, so the client builds no event at all', () => {
    expect(createObserver(undefined, undefined)).toBeUndefined();
    expect(createObserver({}, undefined)).toBeDefined();
    expect(createObserver(undefined, recordingLogger().logger)).toBeDefined();
  });

  it('reports an attempt duration in ms, to a tenth', () => {
    const now = vi.spyOn(performance, 'now').mockReturnValue(1_000);
    const onRequestEnd = vi.fn();
    const end = createObserver({ onRequestEnd }, undefined)!.requestStart(start, {});
    now.mockReturnValue(1_012.345);
    end({ httpStatus: 200 });
    expect(onRequestEnd).toHaveBeenCalledWith({ ...start, durationMs: 12.3, httpStatus: 200 });
  });

  it('logs a failed token refresh as a warning and a successful one at debug level', () => {
    const { logger, lines } = recordingLogger();
    const onTokenRefresh = vi.fn();
    const observer = createObserver({ onTokenRefresh }, logger)!;
    const failed = { durationMs: 5, outcome: 'failure', errorCode: 'ERR_TOKEN' } as const;
    const refreshed = { durationMs: 4, outcome: 'success', expiresInSeconds: 3600 } as const;
    observer.tokenRefresh(failed);
    observer.tokenRefresh(refreshed);
    expect(lines).toEqual([
      ['warn', failed, 'unico-idcloud: token refresh failed'],
      ['debug', refreshed, 'unico-idcloud: token refreshed'],
    ]);
    expect(onTokenRefresh.mock.calls).toEqual([[failed], [refreshed]]);
  });

  it('logs only the allow-listed headers that are present', () => {
    const { logger, lines } = recordingLogger();
    const end = createObserver(undefined, logger)!.requestStart(start, {
      'content-type': 'application/json',
      authorization: 'Bearer x',
      'x-request-id': undefined,
    });
    end({ httpStatus: 200 }, { date: 'today', 'set-cookie': 'a=b' });
    expect(Object.keys(lines[0]?.[1]['headers'] as object)).toEqual(['content-type']);
    expect(Object.keys(lines[1]?.[1]['responseHeaders'] as object)).toEqual(['date']);
  });
});
