import type { TokenSource } from '../auth/tokens.js';
import {
  AbortedError,
  ClientClosedError,
  IdCloudError,
  InvalidInputError,
  InvalidResponseError,
  TokenError,
} from '../errors.js';
import { parseRetryAfter } from '../http/retry.js';
import { provablyUnsent, type Transport, type TransportResponse } from '../http/transport.js';
import type { ImageKind } from '../internal/image.js';
import { parseJson } from '../internal/json.js';
import { scrubText } from '../internal/redact.js';
import { sleep, startAttempt } from '../internal/signal.js';
import { type AttemptOutcome, type CallState, nextStep } from '../policy/call.js';
import type { PreparedRequest } from '../schemas/input.js';
import { decodeApiError, decodeProcessBody, type ProcessResult } from '../schemas/response.js';
import type { Observer, RequestStartEvent } from './observability.js';
import { type Check, integer, type NormalizedOptions, optionIssues } from './options.js';

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call; an abort after the request was sent gives `ERR_ABORTED` with `requestSent: true`. */
  readonly signal?: AbortSignal | undefined;
  /** Budget of this call, token wait and retries included, in ms. @default the client's `timeoutMs` */
  readonly timeoutMs?: number | undefined;
  /** Budget of each HTTP attempt, in ms. @default the client's `attemptTimeoutMs` */
  readonly attemptTimeoutMs?: number | undefined;
  /** Your correlation id (1–128 visible ASCII characters), sent as `X-Request-Id`. @default a UUID */
  readonly requestId?: string | undefined;
}

/** What a call needs from its client. `refusedFreshToken` is shared by every call of the client. */
export interface CallContext {
  readonly transport: Transport;
  readonly tokens: TokenSource;
  readonly options: NormalizedOptions;
  readonly observer: Observer | undefined;
  readonly userAgent: string;
  /** A token minted after a 401 and refused again: a 401 with it is not the token's fault. */
  refusedFreshToken?: string | undefined;
}

/** One API request, before it is sent. */
export interface Exchange
  extends Pick<RequestStartEvent, 'operation' | 'method' | 'path'>,
    Pick<CallState, 'retryMaybeSent'>,
    Pick<PreparedRequest, 'imageKind' | 'sensitive'> {
  readonly body?: PreparedRequest['body'] | undefined;
}

const MAX_API_BODY_BYTES = 1024 * 1024;
const CALL_CHECKS: Record<string, Check> = {
  signal: (value) => (value instanceof AbortSignal ? undefined : 'must be an AbortSignal'),
  timeoutMs: integer(1, 600_000),
  attemptTimeoutMs: integer(1, 600_000),
  requestId: (value) =>
    typeof value === 'string' && /^[\x21-\x7e]{1,128}$/.test(value)
      ? undefined
      : 'must be 1-128 visible ASCII characters',
};

/** Runs one call: asks the policy after every attempt and performs its step. */
export async function runCall(
  ctx: CallContext,
  options: CallOptions,
  requestId: string,
  exchange: Exchange,
): Promise<ProcessResult> {
  const { transport, tokens, observer, options: config } = ctx;
  const timeoutMs = options.timeoutMs ?? config.timeoutMs;
  const attemptTimeoutMs = options.attemptTimeoutMs ?? config.attemptTimeoutMs;
  const endsAt = Date.now() + timeoutMs;
  const { operation, method, path, body } = exchange;
  const { maxRetries, environment } = config;
  const url = `${environment.apiBaseUrl}${path}`;
  let retries = 0;
  let tokenRefreshed = false;
  let maybeSentBefore = false;
  for (let attemptNo = 1; ; attemptNo++) {
    // The token wait is bounded by the call only; the attempt's own budget starts once it is sent.
    const attempt = startAttempt(endsAt, Number.POSITIVE_INFINITY, options.signal);
    let outcome: AttemptOutcome;
    let response: TransportResponse | undefined;
    let token: string | undefined;
    let end: ReturnType<Observer['requestStart']> | undefined;
    let inTransport = false;
    try {
      token = await tokens.get(attempt.signal).catch((err: unknown): never => {
        throw forThisCall(err, requestId);
      });
      attempt.arm(attemptTimeoutMs);
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        apikey: config.apiKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        accept: 'application/json',
        'user-agent': ctx.userAgent,
        'x-request-id': requestId,
      };
      end = observer?.requestStart({ requestId, operation, attempt: attemptNo, method, path }, headers);
      inTransport = true;
      const { signal } = attempt;
      response = await transport.request({
        method,
        url,
        headers,
        body,
        signal,
        maxResponseBytes: MAX_API_BODY_BYTES,
      });
      inTransport = false;
      const { status } = response;
      const apiError = status >= 200 && status < 300 ? undefined : decodeApiError(parseJson(response.body));
      const unicoCode = apiError?.code;
      end?.({ httpStatus: status, unicoCode }, response.headers);
      outcome = {
        kind: 'response',
        httpStatus: status,
        unicoCode,
        description:
          apiError?.text && scrubText(apiError.text, [...exchange.sensitive, config.apiKey, token]),
        retryAfterMs: parseRetryAfter(response.headers['retry-after']),
      };
    } catch (err) {
      // Outside the transport, the token wait was cut short by a timer or the caller: nothing was sent.
      if (!inTransport && (IdCloudError.is(err) || attempt.stop() === undefined)) throw err;
      const maybeSent: boolean = maybeSentBefore || (inTransport && !provablyUnsent(err));
      outcome = { kind: 'failure', maybeSent, stop: attempt.stop(), cause: err };
    } finally {
      attempt.dispose();
    }
    maybeSentBefore ||= outcome.kind === 'response' || outcome.maybeSent;
    // Object literals, not spreads, on this path: each spread cost 3-9 µs per call (docs/performance.md).
    const step = nextStep(outcome, {
      requestId,
      timeoutMs,
      attemptTimeoutMs,
      maxRetries,
      random: Math.random,
      retries,
      tokenRefreshed,
      refreshAllowed: token === undefined || token !== ctx.refusedFreshToken,
      remainingMs: endsAt - Date.now(),
      retryMaybeSent: exchange.retryMaybeSent,
    });
    if (step.do === 'return')
      return decodeSuccess(response as TransportResponse, exchange.imageKind, requestId);
    if (end && outcome.kind === 'failure') {
      const errorCode =
        step.do === 'throw' ? step.error.code : outcome.maybeSent ? 'ERR_OUTCOME_UNKNOWN' : 'ERR_NETWORK';
      end({ errorCode });
    }
    if (step.do === 'throw') {
      if (step.apiRefusesFreshTokens) ctx.refusedFreshToken = token;
      throw step.error;
    }
    const { reason, delayMs } = step;
    observer?.retry({ requestId, operation, attempt: attemptNo + 1, reason, delayMs });
    // A 401 carried the token it rejects.
    if (reason === 'token-rejected') tokens.invalidate(token!);
    else retries++;
    tokenRefreshed ||= reason === 'token-rejected';
    if (delayMs > 0) {
      await sleep(delayMs, options.signal).catch((cause: unknown) => {
        throw new AbortedError(maybeSentBefore, { requestId, cause });
      });
    }
  }
}

// The refresh (or the remembered rejection) is shared: each call gets its own copy with its id.
function forThisCall(err: unknown, requestId: string): unknown {
  if (err instanceof TokenError)
    return new TokenError(err.message, { ...err, description: err.description, requestId, cause: err });
  return err instanceof ClientClosedError ? new ClientClosedError({ requestId }) : err;
}

/** Validates per-call options (an unknown key is refused, as for the client) and returns the request id. */
export function readCallOptions(options: unknown, extra: readonly string[] = []): string {
  const given = (options ?? {}) as Record<string, unknown>;
  if (typeof given !== 'object')
    throw new InvalidInputError([{ path: 'options', message: 'must be an object' }]);
  const issues = optionIssues(given, CALL_CHECKS, 'options.', extra);
  if (issues.length > 0) throw new InvalidInputError(issues, { requestId: crypto.randomUUID() });
  return typeof given['requestId'] === 'string' ? given['requestId'] : crypto.randomUUID();
}

function decodeSuccess(response: TransportResponse, imageKind: ImageKind, requestId: string): ProcessResult {
  const json = parseJson(response.body);
  const decoded =
    json === undefined
      ? { ok: false as const, issues: [{ path: '', message: 'body is not JSON' }] }
      : decodeProcessBody(json, imageKind, requestId);
  if (!decoded.ok) throw new InvalidResponseError(response.status, decoded.issues, { requestId });
  return decoded.result;
}
