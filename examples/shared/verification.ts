/**
 * The framework-neutral half of the route-handler recipes (aws-lambda.ts, express.ts, fastify.ts,
 * cloudflare-worker.ts): turn a request body into SDK input, a verdict into a decision, and an SDK
 * error into an HTTP answer. No `node:` import, so the Worker can use it too.
 *
 * The decisions follow Unico's guidance, `adviceFor` (docs/results.md); what to do per error code
 * follows docs/errors.md. Adapt both to your own risk policy.
 */
import {
  type AdviceAction,
  adviceFor,
  type CreateProcessInput,
  IdCloudError,
  type ProcessResult,
} from 'unico-idcloud';

/** What the front end posts: the person and the capture SDK's `encrypted` string. */
export interface VerifyRequestBody {
  readonly cpf: string;
  readonly name: string;
  readonly capture: string;
}

/** What your product does next. */
export type Decision = 'approve' | 'reprove' | 'recapture' | 'review';

/** A framework-neutral HTTP answer. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * Builds the SDK input from an untrusted body. No validation of our own: the SDK validates every
 * field before anything is sent and reports each problem with its path (`subject.code`, ...).
 * @param body - the parsed JSON body, anything
 * @returns the input for `createProcess`
 */
export function toCreateProcessInput(body: unknown): CreateProcessInput {
  const { cpf, name, capture } = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  return {
    subject: { code: cpf as string, name: name as string },
    useCase: 'Onboarding',
    imageBase64: capture as string,
  };
}

/** Unico's guidance mapped onto this product's decisions (a flow that requires liveness). */
const DECISIONS: Readonly<Record<AdviceAction, Decision>> = {
  approve: 'approve',
  reprove: 'reprove',
  'retry-capture': 'recapture',
  'no-decision': 'review',
};

/**
 * The decision for a verdict, from Unico's guidance.
 * @param result - the verdict
 * @returns the decision
 */
export function decide(result: ProcessResult): Decision {
  return DECISIONS[adviceFor(result).action];
}

/**
 * The answer for a verdict. Unico's process id goes to your records, not necessarily to the
 * browser; it is included here so the demo can print it.
 * @param result - the verdict
 * @returns 200 with the decision
 */
export function answerForResult(result: ProcessResult): HttpAnswer {
  return {
    status: 200,
    headers: {},
    body: {
      decision: decide(result),
      reason: adviceFor(result).reason,
      kind: result.kind,
      processId: result.id,
      requestId: result.requestId,
    },
  };
}

/**
 * The answer for a failed call, following docs/errors.md. Rethrows anything that is not an SDK
 * error (a bug of ours should reach the framework's error handler).
 * @param err - what `createProcess` threw
 * @returns the HTTP answer, and whether operations should be alerted
 */
export function answerForError(err: unknown): HttpAnswer & { readonly alert: boolean } {
  if (!IdCloudError.is(err)) throw err;
  const requestId = err.requestId;
  const answer = (status: number, error: string, extra: Record<string, unknown> = {}, alert = false) => ({
    status,
    headers: {},
    body: { error, requestId, ...extra },
    alert,
  });
  switch (err.code) {
    case 'ERR_INVALID_INPUT':
      return answer(400, 'invalid-input', { issues: err.issues });
    case 'ERR_API':
      // 10507/10508: the capture expired or was already used. Anything else in 4xx: the request
      // was refused for a reason retrying will not fix (a CPF that does not exist: 20507).
      if (err.unicoCode === '10507' || err.unicoCode === '10508') return answer(422, 'recapture');
      if (err.httpStatus === 400) return answer(422, 'rejected', { unicoCode: err.unicoCode });
      // 401/403: credentials, APIKEY or environment: ours to fix, not the user's.
      return answer(503, 'unavailable', {}, true);
    case 'ERR_RATE_LIMITED':
      return {
        ...answer(429, 'try-later'),
        headers: { 'retry-after': String(Math.ceil(err.retryAfterMs / 1000)) },
      };
    case 'ERR_TIMEOUT':
    case 'ERR_NETWORK':
      // Nothing reached Unico: the same capture may be sent again.
      return answer(503, 'try-again');
    case 'ERR_OUTCOME_UNKNOWN':
      // A (billed) process may exist and the capture may be consumed: never resend it blindly.
      // Keep err.requestId for Unico support and ask for a new capture.
      return answer(502, 'recapture', { outcomeUnknown: true });
    case 'ERR_ABORTED':
      return answer(503, 'aborted', { requestSent: err.requestSent });
    case 'ERR_TOKEN':
    case 'ERR_INVALID_CONFIG':
    case 'ERR_INVALID_RESPONSE':
    case 'ERR_CLIENT_CLOSED':
      return answer(503, 'unavailable', {}, true);
  }
}

/**
 * Parses `X-Request-Id` if it is one the SDK accepts (1–128 visible ASCII characters), so your
 * logs, the SDK's errors and Unico's `X-Request-Id` share one id.
 * @param value - the incoming header
 * @returns the id, or `undefined` to let the SDK generate one
 */
export function incomingRequestId(value: string | null | undefined): string | undefined {
  return value !== null && value !== undefined && /^[\x21-\x7e]{1,128}$/.test(value) ? value : undefined;
}
