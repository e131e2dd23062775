// The decision core of an API call: pure (no I/O, no timers, no clock). Every row of the retry table
// in docs/reliability.md is a row of test/policy/call.test.ts.
import {
  AbortedError,
  ApiError,
  type IdCloudError,
  NetworkError,
  OutcomeUnknownError,
  RateLimitedError,
  TimeoutError,
} from '../errors.js';
import { backoffMs } from '../http/retry.js';
import type { AttemptStop } from '../internal/signal.js';

/** What one attempt provably did. */
export type AttemptOutcome =
  | {
      readonly kind: 'response';
      readonly httpStatus: number;
      readonly unicoCode?: string | undefined;
      /** Already scrubbed of the caller's personal data. */
      readonly description?: string | undefined;
      /** `Retry-After` as asked (uncapped), in ms. */
      readonly retryAfterMs?: number | undefined;
    }
  | {
      readonly kind: 'failure';
      /** `false` only when the transport proved that nothing was written. */
      readonly maybeSent: boolean;
      /** What stopped it, when a timer or the caller did (else a connection failure). */
      readonly stop?: AttemptStop | undefined;
      readonly cause?: unknown;
    };

/** The call's state when the attempt ended; durations in ms. */
export interface CallState {
  readonly requestId: string;
  /** A token refresh after a 401 is not counted. */
  readonly retries: number;
  readonly maxRetries: number;
  /** This call already resent with a new token after a 401. */
  readonly tokenRefreshed: boolean;
  /** False while the API keeps refusing freshly minted tokens. */
  readonly refreshAllowed: boolean;
  readonly remainingMs: number;
  readonly timeoutMs: number;
  readonly attemptTimeoutMs: number;
  /** A retry cannot create anything (GET), or the caller opted in to retrying unknown outcomes. */
  readonly retryMaybeSent: boolean;
  readonly random: () => number;
}

export type RetryReason = 'not-sent' | 'rate-limited' | 'token-rejected' | 'outcome-unknown';

export type Step =
  | { readonly do: 'return' }
  | { readonly do: 'retry'; readonly reason: RetryReason; readonly delayMs: number }
  | {
      readonly do: 'throw';
      readonly error: IdCloudError;
      /** A token minted after a 401 was refused too: the token is not the problem, stop minting. */
      readonly apiRefusesFreshTokens?: true;
    };

// Application codes that mean the access token itself was refused (spec §5.3: 403 on older APIs).
const TOKEN_REFUSED_CODES = new Set(['10501', '10502']);
/** Longest wait the SDK spends on one `Retry-After` itself, in ms; a longer ask is reported. */
export const MAX_WAIT_MS = 60_000;

export function nextStep(outcome: AttemptOutcome, state: CallState): Step {
  if (outcome.kind === 'failure') return afterFailure(outcome, state);
  const { httpStatus: status, unicoCode, retryAfterMs } = outcome;
  const { requestId, retries, random } = state;
  if (status >= 200 && status < 300) return { do: 'return' };
  if (status === 401 || (status === 403 && unicoCode !== undefined && TOKEN_REFUSED_CODES.has(unicoCode))) {
    if (!state.tokenRefreshed && state.refreshAllowed) return retry('token-rejected', 0);
    const error = new ApiError({ ...outcome, requestId });
    return state.tokenRefreshed
      ? { do: 'throw', error, apiRefusesFreshTokens: true }
      : { do: 'throw', error };
  }
  if (status === 429) {
    const waitMs = retryAfterMs ?? backoffMs(retries, 1_000, MAX_WAIT_MS, random);
    if (waitMs <= MAX_WAIT_MS && canRetry(state, waitMs)) return retry('rate-limited', waitMs);
    return { do: 'throw', error: new RateLimitedError(waitMs, { requestId }) };
  }
  if (status >= 500) {
    const error = new OutcomeUnknownError('server-error', { requestId, httpStatus: status });
    return retryMaybeSent(state, error, backoffMs(retries, 500, 8_000, random));
  }
  return { do: 'throw', error: new ApiError({ ...outcome, requestId }) };
}

function afterFailure(outcome: AttemptOutcome & { kind: 'failure' }, state: CallState): Step {
  const context = { requestId: state.requestId, cause: outcome.cause };
  const { maybeSent, stop } = outcome;
  const delayMs = backoffMs(state.retries, 200, 2_000, state.random);
  if (stop === 'aborted') return { do: 'throw', error: new AbortedError(maybeSent, context) };
  if (stop === 'call-timeout' || stop === 'attempt-timeout') {
    const budget = stop === 'call-timeout' ? state.timeoutMs : state.attemptTimeoutMs;
    if (!maybeSent) return { do: 'throw', error: new TimeoutError(budget, context) };
    const error = new OutcomeUnknownError('timeout', context);
    return stop === 'call-timeout' ? { do: 'throw', error } : retryMaybeSent(state, error, delayMs);
  }
  if (maybeSent) return retryMaybeSent(state, new OutcomeUnknownError('connection-lost', context), delayMs);
  const what = outcome.cause instanceof Error ? outcome.cause.message : 'unknown error';
  const error = new NetworkError(`Could not send the request to Unico: ${what}`, context);
  return canRetry(state, delayMs) ? retry('not-sent', delayMs) : { do: 'throw', error };
}

function retryMaybeSent(state: CallState, error: IdCloudError, delayMs: number): Step {
  return state.retryMaybeSent && canRetry(state, delayMs)
    ? retry('outcome-unknown', delayMs)
    : { do: 'throw', error };
}

function canRetry(state: CallState, delayMs: number): boolean {
  return state.retries < state.maxRetries && delayMs < state.remainingMs;
}

function retry(reason: RetryReason, delayMs: number): Step {
  return { do: 'retry', reason, delayMs };
}
