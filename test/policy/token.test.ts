// The token path as a table: what one token attempt did, where the refresh stands, what happens
// next. Each row reads as documentation of docs/reliability.md's token section.
import { describe, expect, it } from 'vitest';
import {
  decideTokenStep,
  TOKEN_REJECTION_COOLDOWN_MS,
  type TokenAttempt,
  type TokenRefreshState,
  type TokenStep,
} from '../../src/policy/token.js';

const fresh: TokenRefreshState = {
  retries: 0,
  maxRetries: 2,
  freshAssertionUsed: false,
  remainingMs: 10_000,
};
const state = (overrides: Partial<TokenRefreshState> = {}): TokenRefreshState => ({
  ...fresh,
  // Jitter pinned to its top: backoff is exactly 250 ms × 2^retries.
  random: () => 0.999_999,
  ...overrides,
});
const answer = (status: number, unicoCode?: string, retryAfterMs?: number): TokenAttempt => ({
  kind: 'answer',
  status,
  unicoCode,
  retryAfterMs,
});
const fail = (reason: string, cooldown: boolean): TokenStep =>
  ({ step: 'fail', reason, cooldown }) as TokenStep;
const retry = (reason: string, waitMs: number): TokenStep => ({ step: 'retry', reason, waitMs }) as TokenStep;

const rows: [string, TokenAttempt, TokenRefreshState, TokenStep][] = [
  ['a token ends the refresh', { kind: 'token' }, state(), { step: 'done' }],
  // Unico codes: 1.2.4 (expired) and 1.2.7 (reused) are cured by one fresh assertion.
  ['1.2.4: a fresh assertion at once', answer(401, '1.2.4'), state(), { step: 'fresh-assertion' }],
  ['1.2.7: a fresh assertion at once', answer(401, '1.2.7'), state(), { step: 'fresh-assertion' }],
  [
    '1.2.7 again after the fresh assertion: fail, no cooldown (a collision, not a bad key)',
    answer(401, '1.2.7'),
    state({ freshAssertionUsed: true }),
    fail('rejected', false),
  ],
  [
    '1.2.4 again after the fresh assertion: fail, no cooldown',
    answer(401, '1.2.4'),
    state({ freshAssertionUsed: true }),
    fail('rejected', false),
  ],
  ['1.2.21 (wrong key): fail and cool down', answer(401, '1.2.21'), state(), fail('rejected', true)],
  [
    '1.2.18 (account locked): fail and cool down, even with retries left',
    answer(401, '1.2.18'),
    state(),
    fail('rejected', true),
  ],
  ['1.0.1 (wrong tenant): fail and cool down', answer(400, '1.0.1'), state(), fail('rejected', true)],
  [
    'a Unico code on a 5xx is a rejection too: fail and cool down',
    answer(500, '1.2.22'),
    state(),
    fail('rejected', true),
  ],
  // HTTP answers without a Unico code.
  [
    '400 without a code (e.g. invalid_grant): fail and cool down',
    answer(400),
    state(),
    fail('rejected', true),
  ],
  ['404 (wrong token URL): fail and cool down', answer(404), state(), fail('rejected', true)],
  ['a 3xx: fail, no cooldown', answer(302), state(), fail('rejected', false)],
  ['429: retry after backoff', answer(429), state(), retry('rate-limited', 250)],
  [
    '429 with Retry-After: retry when asked',
    answer(429, undefined, 1_500),
    state(),
    retry('rate-limited', 1_500),
  ],
  [
    '429 asking for longer than the time left: fail, no cooldown',
    answer(429, undefined, 20_000),
    state(),
    fail('rejected', false),
  ],
  ['503: retry after backoff', answer(503), state(), retry('server-error', 250)],
  ['second 503: backoff doubles', answer(503), state({ retries: 1 }), retry('server-error', 500)],
  ['503 with Retry-After: retry when asked', answer(503, undefined, 0), state(), retry('server-error', 0)],
  [
    '502 with no retries left: fail, no cooldown',
    answer(502),
    state({ retries: 2 }),
    fail('rejected', false),
  ],
  [
    'a 2xx without a token: fail, no cooldown',
    { kind: 'unreadable' },
    state(),
    fail('invalid-response', false),
  ],
  // No answer.
  [
    'connection failed: retry after backoff',
    { kind: 'failed', timedOut: false },
    state(),
    retry('network', 250),
  ],
  [
    'connection failed, no retries left: fail as network, no cooldown',
    { kind: 'failed', timedOut: false },
    state({ retries: 2 }),
    fail('network', false),
  ],
  [
    'the attempt timed out: retry after backoff',
    { kind: 'failed', timedOut: true },
    state({ retries: 1 }),
    retry('timeout', 500),
  ],
  [
    'the refresh budget is spent: fail as timeout, no cooldown',
    { kind: 'failed', timedOut: true },
    state({ remainingMs: 0 }),
    fail('timeout', false),
  ],
  [
    'the backoff would outlast the budget: fail now',
    { kind: 'failed', timedOut: false },
    state({ remainingMs: 100 }),
    fail('network', false),
  ],
  ['maxRetries 0: no retry at all', answer(503), state({ maxRetries: 0 }), fail('rejected', false)],
];

describe('decideTokenStep', () => {
  it.each(rows)('%s', (_what, attempt, refresh, step) => {
    expect(decideTokenStep(attempt, refresh)).toEqual(step);
  });

  it('jitters the backoff between half and all of the step', () => {
    const low = decideTokenStep(answer(503), state({ retries: 2, maxRetries: 3, random: () => 0 }));
    expect(low).toEqual(retry('server-error', 500));
  });

  it('documents a one-minute rejection cooldown', () => {
    expect(TOKEN_REJECTION_COOLDOWN_MS).toBe(60_000);
  });
});

// The edges (from the mutation run on src/policy: each case fails on a boundary moved).
describe('token policy: boundaries', () => {
  it('retries exactly 500 as a server error, and a 499 is a rejection', () => {
    expect(decideTokenStep(answer(500, undefined, 100), state())).toEqual(retry('server-error', 100));
    expect(decideTokenStep(answer(499), state())).toEqual(fail('rejected', true));
  });

  it('does not retry when the wait would use up exactly the time left', () => {
    expect(decideTokenStep(answer(503, undefined, 1_000), state({ remainingMs: 1_000 })).step).toBe('fail');
    expect(decideTokenStep(answer(503, undefined, 1_000), state({ remainingMs: 1_001 }))).toEqual(
      retry('server-error', 1_000),
    );
  });
});
