import type { TokenError } from '../errors.js';
import { backoffMs } from '../http/retry.js';

// After a rejection, refreshes fail at once with the same error for this long, sending nothing:
// a refused key is refused again, and repeated bad attempts lock the account (1.2.18).
export const TOKEN_REJECTION_COOLDOWN_MS = 60_000;
// Refresh in the background this long before expiry; below MIN_VALIDITY_MS a token is not served.
export const REFRESH_AHEAD_MS = 5 * 60_000;
export const MIN_VALIDITY_MS = 30_000;

// Cured by one fresh assertion: expired (clock skew, corrected from the Date header) or reused.
const FRESH_ASSERTION_CODES: ReadonlySet<string> = new Set(['1.2.4', '1.2.7']);

// What one token attempt provably did: `answer` is an error status, `failed` got no answer.
export type TokenAttempt =
  | { readonly kind: 'token' | 'unreadable' }
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly unicoCode?: string | undefined;
      readonly retryAfterMs?: number | undefined;
    }
  | { readonly kind: 'failed'; readonly timedOut: boolean };

// `retries` does not count the fresh-assertion retry; `random` (jitter) defaults to Math.random.
export interface TokenRefreshState {
  readonly retries: number;
  readonly maxRetries: number;
  readonly freshAssertionUsed: boolean;
  readonly remainingMs: number;
  readonly random?: (() => number) | undefined;
}

type RetryReason = 'rate-limited' | 'server-error' | 'network' | 'timeout';

// `fail` with `cooldown` starts the rejection cooldown.
export type TokenStep =
  | { readonly step: 'done' | 'fresh-assertion' }
  | { readonly step: 'retry'; readonly waitMs: number; readonly reason: RetryReason }
  | { readonly step: 'fail'; readonly reason: TokenError['reason']; readonly cooldown: boolean };

// A token request creates nothing: every failure is retryable within the budget except an answer
// that says the request itself is wrong.
export function decideTokenStep(attempt: TokenAttempt, state: TokenRefreshState): TokenStep {
  const retryOr = (
    reason: RetryReason,
    waitMs = backoffMs(state.retries, 250, 4_000, state.random),
  ): TokenStep =>
    state.retries < state.maxRetries && waitMs < state.remainingMs
      ? { step: 'retry', waitMs, reason }
      : {
          step: 'fail',
          reason: reason === 'network' || reason === 'timeout' ? reason : 'rejected',
          cooldown: false,
        };
  if (attempt.kind === 'token') return { step: 'done' };
  if (attempt.kind === 'failed') return retryOr(attempt.timedOut ? 'timeout' : 'network');
  if (attempt.kind !== 'answer') return { step: 'fail', reason: 'invalid-response', cooldown: false };
  const { status, unicoCode, retryAfterMs } = attempt;
  if (unicoCode !== undefined) {
    const cured = FRESH_ASSERTION_CODES.has(unicoCode);
    if (cured && !state.freshAssertionUsed) return { step: 'fresh-assertion' };
    return { step: 'fail', reason: 'rejected', cooldown: !cured };
  }
  if (status === 429) return retryOr('rate-limited', retryAfterMs);
  if (status >= 500) return retryOr('server-error', retryAfterMs);
  return { step: 'fail', reason: 'rejected', cooldown: status >= 400 };
}

export type RefreshMargins = Readonly<Record<'refreshAheadMs' | 'minValidityMs', number>>;

// `due`: served while refreshed in the background; `stale`: not served. Margins scale down to a
// quarter and a tenth of the lifetime, so a 60 s token is not stale on arrival.
export function tokenFreshness(
  token: { readonly expiresAt: number; readonly lifetimeSeconds: number },
  now: number,
  margins: RefreshMargins,
): 'fresh' | 'due' | 'stale' {
  const leftMs = token.expiresAt - now;
  if (leftMs <= Math.min(margins.minValidityMs, token.lifetimeSeconds * 100)) return 'stale';
  return leftMs <= Math.min(margins.refreshAheadMs, token.lifetimeSeconds * 250) ? 'due' : 'fresh';
}
