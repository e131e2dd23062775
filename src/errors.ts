// Messages and enumerable fields hold allow-listed data only: never a key, token, image, name or CPF.

/** All codes, for exhaustiveness checks and guards. */
export const ERROR_CODES = Object.freeze([
  'ERR_INVALID_CONFIG',
  'ERR_INVALID_INPUT',
  'ERR_TOKEN',
  'ERR_API',
  'ERR_RATE_LIMITED',
  'ERR_OUTCOME_UNKNOWN',
  'ERR_TIMEOUT',
  'ERR_ABORTED',
  'ERR_NETWORK',
  'ERR_INVALID_RESPONSE',
  'ERR_CLIENT_CLOSED',
] as const);

/** Stable error codes. Switch on `err.code`; the union narrows to the matching subclass. */
export type IdCloudErrorCode = (typeof ERROR_CODES)[number];

const BRAND = Symbol.for('unico-idcloud.error');

/** One problem found in caller input or configuration: where, and what is wrong (never the value). */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `subject.code`. */
  readonly path: string;
  /** What is wrong with it, without echoing the value. */
  readonly message: string;
}

/** Context shared by every error: the client-generated id of the call, when there was one. */
export interface ErrorContext {
  /** Client-generated id of the call (sent as `X-Request-Id`), stable across retries. */
  readonly requestId?: string | undefined;
  /** What caused this error, when it wraps one (e.g. a connection failure). */
  readonly cause?: unknown;
}

/** Base class of every SDK error: `if (IdCloudError.is(err)) switch (err.code) { ... }`. */
export class IdCloudError extends Error {
  /** Stable machine-readable code. */
  readonly code: IdCloudErrorCode;
  /** Client-generated id of the call this error belongs to, if any. */
  readonly requestId: string | undefined;

  constructor(code: IdCloudErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.code = code;
    this.requestId = context.requestId;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any error raised by this SDK, also by another copy of it (ESM and CJS builds). */
  static is(value: unknown): value is AnyIdCloudError {
    // A registered symbol, shared by every copy; a bare `code` match is not enough (axios: ERR_NETWORK).
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** `instanceof IdCloudError` works across copies as `is` does; a subclass checks the prototype. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this === IdCloudError) return IdCloudError.is(value);
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/** Options given to the client were missing or malformed. Raised at construction. */
export class InvalidConfigError extends IdCloudError {
  declare readonly code: 'ERR_INVALID_CONFIG';
  /** Which options are wrong. */
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], context: ErrorContext = {}) {
    super('ERR_INVALID_CONFIG', `Invalid client options: ${formatIssues(issues)}`, context);
    this.issues = issues;
  }
}

/** The input of a call failed validation; nothing was sent. */
export class InvalidInputError extends IdCloudError {
  declare readonly code: 'ERR_INVALID_INPUT';
  /** Every problem found, with the field path. */
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], context: ErrorContext = {}) {
    super('ERR_INVALID_INPUT', `Invalid input: ${formatIssues(issues)}`, context);
    this.issues = issues;
  }
}

/** The token endpoint rejected the assertion or could not be used: `unicoCode` says why (spec §2.5). */
export class TokenError extends IdCloudError {
  declare readonly code: 'ERR_TOKEN';
  /** HTTP status of the token endpoint, when it answered. */
  readonly httpStatus: number | undefined;
  /** OAuth2 `error` field, e.g. `invalid_grant`, when the body had one. */
  readonly oauthError: string | undefined;
  /** Dotted Unico code parsed from `error_description`, e.g. `1.2.22`; see docs/errors.md. */
  readonly unicoCode: string | undefined;
  /** `error_description` as sent by Unico: {@link ApiError.description} explains how it is handled. */
  declare readonly description: string | undefined;
  /** `'rejected'`: an error answer (`unicoCode`); `'signing'`: the `signer` failed; else no usable answer. */
  readonly reason: 'network' | 'timeout' | 'invalid-response' | 'rejected' | 'signing';
  constructor(
    message: string,
    details: ErrorContext &
      Partial<Pick<TokenError, 'httpStatus' | 'oauthError' | 'unicoCode' | 'description' | 'reason'>> = {},
  ) {
    super('ERR_TOKEN', message, details);
    this.httpStatus = details.httpStatus;
    this.oauthError = details.oauthError;
    this.unicoCode = details.unicoCode;
    Object.defineProperty(this, 'description', { value: details.description });
    this.reason = details.reason ?? 'rejected';
  }
}

/** Unico answered with a 4xx it processed and rejected; retrying the same request will not help. */
export class ApiError extends IdCloudError {
  declare readonly code: 'ERR_API';
  /** HTTP status of Unico's answer (4xx), e.g. 400. */
  readonly httpStatus: number;
  /** Unico's application code (always a string, e.g. `"20507"`), when the body had one; see docs/errors.md. */
  readonly unicoCode: string | undefined;
  /** Unico's text: may echo personal data, so non-enumerable, scrubbed and truncated. Do not log it as is. */
  declare readonly description: string | undefined;
  constructor(
    details: ErrorContext &
      Pick<ApiError, 'httpStatus'> &
      Partial<Pick<ApiError, 'unicoCode' | 'description'>>,
  ) {
    const what = details.unicoCode === undefined ? '' : ` code ${details.unicoCode}`;
    super('ERR_API', `Unico API rejected the request (HTTP ${details.httpStatus}${what})`, details);
    this.httpStatus = details.httpStatus;
    this.unicoCode = details.unicoCode;
    Object.defineProperty(this, 'description', { value: details.description });
  }
}

/** HTTP 429 after the SDK's own retries: wait `retryAfterMs` before trying again. */
export class RateLimitedError extends IdCloudError {
  declare readonly code: 'ERR_RATE_LIMITED';
  /** Always 429. */
  readonly httpStatus = 429;
  /** How long Unico asked to wait (from `Retry-After`), or the SDK's backoff suggestion. */
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, context: ErrorContext = {}) {
    super('ERR_RATE_LIMITED', `Rate limited by Unico; retry after ${retryAfterMs} ms`, context);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Why the outcome of a sent CreateProcess is unknown. */
export type OutcomeUnknownReason = 'server-error' | 'connection-lost' | 'timeout';

/**
 * The request may have reached Unico and a billed process may exist, but no verdict came back. Never
 * retried (it could bill twice): ask for a new capture; keep `requestId` and the time for support.
 */
export class OutcomeUnknownError extends IdCloudError {
  declare readonly code: 'ERR_OUTCOME_UNKNOWN';
  /** What happened after the request was sent. */
  readonly reason: OutcomeUnknownReason;
  /** HTTP status when Unico (or a proxy) answered with a 5xx. */
  readonly httpStatus: number | undefined;
  constructor(
    reason: OutcomeUnknownReason,
    context: ErrorContext & { httpStatus?: number | undefined } = {},
  ) {
    const status = context.httpStatus === undefined ? '' : ` (HTTP ${context.httpStatus})`;
    const message = `Outcome unknown: ${reason}${status} after the request was sent; a process may exist`;
    super('ERR_OUTCOME_UNKNOWN', message, context);
    this.reason = reason;
    this.httpStatus = context.httpStatus;
  }
}

/** The time budget ran out: before the request could reach Unico, or before a final status (`waitForResult`). */
export class TimeoutError extends IdCloudError {
  declare readonly code: 'ERR_TIMEOUT';
  /** The budget that ran out, in ms. */
  readonly timeoutMs: number;
  /** `waitForResult`: the last status a poll returned, if any did. */
  readonly lastStatus: number | undefined;
  constructor(timeoutMs: number, context: ErrorContext & { readonly lastStatus?: number | undefined } = {}) {
    const { lastStatus } = context;
    const what = lastStatus === undefined ? 'before the request reached Unico' : `at status ${lastStatus}`;
    super('ERR_TIMEOUT', `Timed out after ${timeoutMs} ms ${what}`, context);
    this.timeoutMs = timeoutMs;
    this.lastStatus = lastStatus;
  }
}

/** The caller's `AbortSignal` fired. */
export class AbortedError extends IdCloudError {
  declare readonly code: 'ERR_ABORTED';
  /** True when the abort came after the request was sent: a process may exist. */
  readonly requestSent: boolean;
  constructor(requestSent: boolean, context: ErrorContext = {}) {
    const when = requestSent ? ' after the request was sent' : '';
    super('ERR_ABORTED', `Aborted by the caller${when}`, context);
    this.requestSent = requestSent;
  }
}

/** The request never left this machine (DNS failure, connection refused, connect timeout). Safe to retry. */
export class NetworkError extends IdCloudError {
  declare readonly code: 'ERR_NETWORK';
  constructor(message: string, context: ErrorContext = {}) {
    super('ERR_NETWORK', message, context);
  }
}

/** A 2xx body that is not JSON or lacks `id`/`status`. */
export class InvalidResponseError extends IdCloudError {
  declare readonly code: 'ERR_INVALID_RESPONSE';
  /** HTTP status of the 2xx answer. */
  readonly httpStatus: number;
  /** What is missing or malformed in the body (paths only, never values). */
  readonly issues: readonly FieldIssue[];
  constructor(httpStatus: number, issues: readonly FieldIssue[], context: ErrorContext = {}) {
    const message = `Unexpected response (HTTP ${httpStatus}): ${formatIssues(issues)}`;
    super('ERR_INVALID_RESPONSE', message, context);
    this.httpStatus = httpStatus;
    this.issues = issues;
  }
}

/** The client was closed with `close()`: nothing was sent, and nothing will be. Create a new client. */
export class ClientClosedError extends IdCloudError {
  declare readonly code: 'ERR_CLIENT_CLOSED';
  constructor(context: ErrorContext = {}) {
    super('ERR_CLIENT_CLOSED', 'The client is closed; nothing was sent (create a new client)', context);
  }
}

function formatIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}

/** Union of every concrete SDK error. `switch (err.code)` on it narrows to the subclass and its fields. */
export type AnyIdCloudError =
  | InvalidConfigError
  | InvalidInputError
  | TokenError
  | ApiError
  | RateLimitedError
  | OutcomeUnknownError
  | TimeoutError
  | AbortedError
  | NetworkError
  | InvalidResponseError
  | ClientClosedError;
