import type { TokenError } from '../errors.js';
import { backoffMs } from '../http/retry.js';

/**
 * After a token rejection (see {@link decideTokenStep}), token refreshes fail at once with the same
 * error for this long, in ms, sending nothing: a key Unico refused is refused again, and repeated
 * bad attempts lock the service account (1.2.18).
 */
export const TOKEN_REJECTION_COOLDOWN_MS = 60_000;

// Cured by one fresh assertion: expired (clock skew, corrected from the Date header) or reused.
const FRESH_ASSERTION_CODES: ReadonlySet<string> = new Set(['1.2.4', '1.2.7']);
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 4_000;

/** What one token endpoint attempt provably did. */
export type TokenAttempt =
  | { readonly kind: 'token' }
  /** The endpoint answered with an error status; `retryAfterMs` as the server asked. */
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly unicoCode?: string | undefined;
      readonly retryAfterMs?: number | undefined;
    }
  /** A 2xx whose body is not a token. */
  | { readonly kind: 'unreadable' }
  /** No answer: the connection failed, or the attempt's own timer fired (`timedOut`). */
  | { readonly kind: 'failed'; readonly timedOut: boolean };

/** Where the refresh stands when an attempt ends. */
export interface TokenRefreshState {
  /** Retries already made (the fresh-assertion retry is not counted). */
  readonly retries: number;
  readonly maxRetries: number;
  readonly freshAssertionUsed: boolean;
  /** Time left in the refresh's budget, in ms (0: spent). */
  readonly remainingMs: number;
  /** Source of backoff jitter in [0, 1). @default Math.random */
  readonly random?: (() => number) | undefined;
}

/** What the refresh does next. */
export type TokenStep =
  | { readonly step: 'done' }
  | {
      readonly step: 'retry';
      readonly waitMs: number;
      readonly reason: 'rate-limited' | 'server-error' | 'network' | 'timeout';
    }
  /** Sign a new assertion and send it now (once per refresh). */
  | { readonly step: 'fresh-assertion' }
  /** Give up with a {@link TokenError} of this reason; `cooldown`: start the rejection cooldown. */
  | { readonly step: 'fail'; readonly reason: TokenError['reason']; readonly cooldown: boolean };

/**
 * Decides the next step of a token refresh. A token request creates nothing, so every failure is
 * retryable within the budget except an answer that says the request itself is wrong.
 * @param attempt - what the attempt did
 * @param state - retries used and time left
 * @returns the next step
 */
export function decideTokenStep(attempt: TokenAttempt, state: TokenRefreshState): TokenStep {
  const backoff = () => backoffMs(state.retries, BACKOFF_BASE_MS, BACKOFF_CAP_MS, state.random);
  const retryOr = (reason: 'rate-limited' | 'server-error' | 'network' | 'timeout', waitMs: number) => {
    const fails = reason === 'network' || reason === 'timeout' ? reason : 'rejected';
    return state.retries < state.maxRetries && waitMs < state.remainingMs
      ? ({ step: 'retry', waitMs, reason } as const)
      : ({ step: 'fail', reason: fails, cooldown: false } as const);
  };
  switch (attempt.kind) {
    case 'token':
      return { step: 'done' };
    case 'unreadable':
      return { step: 'fail', reason: 'invalid-response', cooldown: false };
    case 'failed':
      return retryOr(attempt.timedOut ? 'timeout' : 'network', backoff());
  }
  const { status, unicoCode } = attempt;
  if (unicoCode !== undefined) {
    const cured = FRESH_ASSERTION_CODES.has(unicoCode);
    if (cured && !state.freshAssertionUsed) return { step: 'fresh-assertion' };
    return { step: 'fail', reason: 'rejected', cooldown: !cured };
  }
  if (status === 429) return retryOr('rate-limited', attempt.retryAfterMs ?? backoff());
  if (status >= 500) return retryOr('server-error', attempt.retryAfterMs ?? backoff());
  return { step: 'fail', reason: 'rejected', cooldown: status >= 400 };
}

/** Start a background refresh this long before expiry, in ms (scaled down for short tokens). */
export const REFRESH_AHEAD_MS = 5 * 60_000;
/** Below this validity a token is not served, in ms (scaled down for short tokens). */
export const MIN_VALIDITY_MS = 30_000;

/** When to refresh: the margins before expiry, in ms. */
export interface RefreshMargins {
  readonly refreshAheadMs: number;
  readonly minValidityMs: number;
}

/**
 * How usable a token is now. Margins scale down for short-lived tokens (a quarter and a tenth of
 * the lifetime) so a 60 s token is not stale on arrival.
 * @param token - its expiry (epoch ms) and granted lifetime (s)
 * @param now - epoch ms
 * @param margins - the refresh margins
 * @returns `'fresh'`; `'due'`: serve it and refresh in the background; `'stale'`: do not serve it
 */
export function tokenFreshness(
  token: { readonly expiresAt: number; readonly lifetimeSeconds: number },
  now: number,
  margins: RefreshMargins = { refreshAheadMs: REFRESH_AHEAD_MS, minValidityMs: MIN_VALIDITY_MS },
): 'fresh' | 'due' | 'stale' {
  const leftMs = token.expiresAt - now;
  if (leftMs <= Math.min(margins.minValidityMs, token.lifetimeSeconds * 100)) return 'stale';
  return leftMs <= Math.min(margins.refreshAheadMs, token.lifetimeSeconds * 250) ? 'due' : 'fresh';
}
