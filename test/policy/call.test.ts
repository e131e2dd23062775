import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  type CallState,
  MAX_WAIT_MS,
  nextStep,
  type Step,
} from '../../src/policy/call.js';

const base: CallState = {
  requestId: 'r-1',
  retries: 0,
  maxRetries: 2,
  tokenRefreshed: false,
  refreshAllowed: true,
  remainingMs: 30_000,
  timeoutMs: 30_000,
  attemptTimeoutMs: 25_000,
  retryMaybeSent: false,
  random: () => 0.5,
};

const response = (
  httpStatus: number,
  extra: Partial<AttemptOutcome & { kind: 'response' }> = {},
): AttemptOutcome => ({
  kind: 'response',
  httpStatus,
  ...extra,
});
const failure = (
  maybeSent: boolean,
  stop?: 'attempt-timeout' | 'call-timeout' | 'aborted',
): AttemptOutcome => ({
  kind: 'failure',
  maybeSent,
  stop,
  cause: new Error('socket'),
});

/** What a step looks like in the table: `return`, `retry <reason> <ms>`, or the error code (+ detail). */
function show(step: Step): string {
  if (step.do === 'return') return 'return';
  if (step.do === 'retry') return `retry ${step.reason} ${step.delayMs}`;
  const e = step.error as unknown as Record<string, unknown>;
  const detail = [e['reason'], e['httpStatus'], e['retryAfterMs'], e['requestSent']].filter(
    (v) => v !== undefined,
  );
  return [step.error.code, ...detail, step.apiRefusesFreshTokens ? 'stop-refreshing' : undefined]
    .filter((v) => v !== undefined)
    .join(' ');
}

type Row = readonly [
  name: string,
  outcome: AttemptOutcome,
  state: Partial<CallState>,
  post: string,
  read: string,
];

/**
 * The decision table. `post`: CreateProcess; `read`: GetProcess, or CreateProcess with
 * `retryOutcomeUnknown: true`. Every name is a row of docs/reliability.md's decision table.
 */
const ROWS: Row[] = [
  ['2xx', response(200), {}, 'return', 'return'],
  ['not sent, retries left', failure(false), {}, 'retry not-sent 150', 'retry not-sent 150'],
  ['not sent, no retries left', failure(false), { retries: 2 }, 'ERR_NETWORK', 'ERR_NETWORK'],
  ['not sent, backoff beyond the budget', failure(false), { remainingMs: 100 }, 'ERR_NETWORK', 'ERR_NETWORK'],
  [
    'maybe sent, connection lost',
    failure(true),
    {},
    'ERR_OUTCOME_UNKNOWN connection-lost',
    'retry outcome-unknown 150',
  ],
  [
    'maybe sent, no retries left',
    failure(true),
    { retries: 2 },
    'ERR_OUTCOME_UNKNOWN connection-lost',
    'ERR_OUTCOME_UNKNOWN connection-lost',
  ],
  ['attempt timer, not sent', failure(false, 'attempt-timeout'), {}, 'ERR_TIMEOUT', 'ERR_TIMEOUT'],
  [
    'attempt timer, maybe sent',
    failure(true, 'attempt-timeout'),
    {},
    'ERR_OUTCOME_UNKNOWN timeout',
    'retry outcome-unknown 150',
  ],
  ['call deadline, not sent', failure(false, 'call-timeout'), {}, 'ERR_TIMEOUT', 'ERR_TIMEOUT'],
  [
    'call deadline, maybe sent',
    failure(true, 'call-timeout'),
    {},
    'ERR_OUTCOME_UNKNOWN timeout',
    'ERR_OUTCOME_UNKNOWN timeout',
  ],
  ['caller abort, not sent', failure(false, 'aborted'), {}, 'ERR_ABORTED false', 'ERR_ABORTED false'],
  ['caller abort, maybe sent', failure(true, 'aborted'), {}, 'ERR_ABORTED true', 'ERR_ABORTED true'],
  ['401, first in the call', response(401), {}, 'retry token-rejected 0', 'retry token-rejected 0'],
  [
    '403 10501 or 10502, first in the call',
    response(403, { unicoCode: '10502' }),
    {},
    'retry token-rejected 0',
    'retry token-rejected 0',
  ],
  [
    '401 after a new token',
    response(401),
    { tokenRefreshed: true },
    'ERR_API 401 stop-refreshing',
    'ERR_API 401 stop-refreshing',
  ],
  [
    '401 with a token already refused fresh',
    response(401),
    { refreshAllowed: false },
    'ERR_API 401',
    'ERR_API 401',
  ],
  ['403 with another code', response(403, { unicoCode: '10201' }), {}, 'ERR_API 403', 'ERR_API 403'],
  [
    '429 with Retry-After that fits',
    response(429, { retryAfterMs: 2_000 }),
    {},
    'retry rate-limited 2000',
    'retry rate-limited 2000',
  ],
  [
    '429 with Retry-After over 60 s',
    response(429, { retryAfterMs: 120_000 }),
    {},
    'ERR_RATE_LIMITED 429 120000',
    'ERR_RATE_LIMITED 429 120000',
  ],
  [
    '429 with Retry-After beyond the budget',
    response(429, { retryAfterMs: 5_000 }),
    { remainingMs: 4_000 },
    'ERR_RATE_LIMITED 429 5000',
    'ERR_RATE_LIMITED 429 5000',
  ],
  [
    '429 without Retry-After',
    response(429),
    { retries: 1 },
    'retry rate-limited 1500',
    'retry rate-limited 1500',
  ],
  [
    '429, no retries left',
    response(429, { retryAfterMs: 1_000 }),
    { retries: 2 },
    'ERR_RATE_LIMITED 429 1000',
    'ERR_RATE_LIMITED 429 1000',
  ],
  ['5xx', response(503), {}, 'ERR_OUTCOME_UNKNOWN server-error 503', 'retry outcome-unknown 375'],
  [
    '5xx, no retries left',
    response(502),
    { retries: 2 },
    'ERR_OUTCOME_UNKNOWN server-error 502',
    'ERR_OUTCOME_UNKNOWN server-error 502',
  ],
  ['other 4xx', response(400, { unicoCode: '20507' }), {}, 'ERR_API 400', 'ERR_API 400'],
  ['3xx (redirects are never followed)', response(307), {}, 'ERR_API 307', 'ERR_API 307'],
];

describe('call policy: the decision table', () => {
  it.each(ROWS)('%s', (_name, outcome, state, post, read) => {
    expect(show(nextStep(outcome, { ...base, ...state }))).toBe(post);
    expect(show(nextStep(outcome, { ...base, ...state, retryMaybeSent: true }))).toBe(read);
  });

  it('puts the call request id and the cause on every error it returns', () => {
    for (const [, outcome, state] of ROWS) {
      const step = nextStep(outcome, { ...base, ...state });
      if (step.do !== 'throw') continue;
      expect(step.error.requestId).toBe('r-1');
      if (outcome.kind === 'failure') expect(step.error.cause).toBe(outcome.cause);
    }
  });

  it('keeps the API text on the error, off its message', () => {
    const step = nextStep(response(400, { unicoCode: '20507', description: 'inválido' }), base);
    expect(step.do === 'throw' && step.error.message).toBe(
      'Unico API rejected the request (HTTP 400 code 20507)',
    );
    expect(step.do === 'throw' && (step.error as { description?: string }).description).toBe('inválido');
  });

  it('never waits longer than MAX_WAIT_MS itself', () => {
    expect(MAX_WAIT_MS).toBe(60_000);
    const step = nextStep(response(429, { retryAfterMs: MAX_WAIT_MS + 1 }), {
      ...base,
      remainingMs: 600_000,
    });
    expect(step.do).toBe('throw');
  });

  it('is the table of docs/reliability.md, row for row', () => {
    const doc = readFileSync(new URL('../../docs/reliability.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Decision table'));
    const documented = [...section.matchAll(/^\| ([^|]+?) \| `([^`]+)` \| `([^`]+)` \|$/gm)].map((m) => [
      m[1],
      m[2],
      m[3],
    ]);
    expect(documented).toEqual(ROWS.map(([name, , , post, read]) => [name, post, read]));
  });
});

// The edges of each rule (from the mutation run on src/policy: each case fails on a boundary moved).
describe('call policy: boundaries', () => {
  it('treats 299 as success and 300 as an API error', () => {
    expect(show(nextStep(response(299), base))).toBe('return');
    expect(show(nextStep(response(300), base))).toBe('ERR_API 300');
  });

  it('treats exactly 500 as a server error', () => {
    expect(show(nextStep(response(500), base))).toBe('ERR_OUTCOME_UNKNOWN server-error 500');
    expect(show(nextStep(response(500), { ...base, retryMaybeSent: true }))).toMatch(
      /^retry outcome-unknown /,
    );
  });

  it('refreshes the token on 403 only with the token codes 10501 and 10502', () => {
    expect(show(nextStep(response(403, { unicoCode: '10501' }), base))).toBe('retry token-rejected 0');
    expect(show(nextStep(response(403, { unicoCode: '10201' }), base))).toBe('ERR_API 403');
    expect(show(nextStep(response(403), base))).toBe('ERR_API 403');
    expect(show(nextStep(response(404, { unicoCode: '10501' }), base))).toBe('ERR_API 404');
  });

  it('waits a Retry-After of exactly MAX_WAIT_MS', () => {
    const state = { ...base, remainingMs: 600_000 };
    expect(show(nextStep(response(429, { retryAfterMs: MAX_WAIT_MS }), state))).toBe(
      `retry rate-limited ${MAX_WAIT_MS}`,
    );
  });

  it('does not retry when the wait would use up exactly the time left', () => {
    const outcome = response(429, { retryAfterMs: 1_000 });
    expect(nextStep(outcome, { ...base, remainingMs: 1_000 }).do).toBe('throw');
    expect(nextStep(outcome, { ...base, remainingMs: 1_001 }).do).toBe('retry');
  });

  it('names the budget that ran out: the attempt timeout or the call timeout', () => {
    const budget = (stop: 'attempt-timeout' | 'call-timeout') => {
      const step = nextStep(failure(false, stop), { ...base, timeoutMs: 30_000, attemptTimeoutMs: 25_000 });
      return step.do === 'throw' ? (step.error as unknown as { timeoutMs: number }).timeoutMs : undefined;
    };
    expect(budget('attempt-timeout')).toBe(25_000);
    expect(budget('call-timeout')).toBe(30_000);
  });

  it('says in the network error what failed', () => {
    const step = nextStep(failure(false), { ...base, maxRetries: 0 });
    expect(step.do === 'throw' && step.error.message).toBe('Could not send the request to Unico: socket');
  });
});
