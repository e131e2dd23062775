import { TokenCache } from '../auth/token-cache.js';
import { createTokenFetcher } from '../auth/token-provider.js';
import {
  AbortedError,
  ApiError,
  IdCloudError,
  InvalidInputError,
  InvalidResponseError,
  NetworkError,
  OutcomeUnknownError,
  RateLimitedError,
  TimeoutError,
  TokenError,
} from '../errors.js';
import { scrubText } from '../internal/redact.js';
import { createDeadline, type Deadline, sleep } from '../internal/signal.js';
import { type CreateProcessInput, type PreparedRequest, prepareCreateProcess } from '../schemas/input.js';
import { decodeApiError, decodeProcessBody, type ProcessResult } from '../schemas/response.js';
import { VERSION } from '../version.js';
import { type ClientOptions, type NormalizedOptions, normalizeOptions } from './options.js';
import { backoffMs, parseRetryAfter } from './retry.js';
import {
  createUndiciTransport,
  type Transport,
  TransportError,
  type TransportResponse,
} from './transport.js';

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call. An abort after the request was sent gives `ERR_ABORTED` with `requestSent: true`. */
  readonly signal?: AbortSignal | undefined;
  /** Budget of this call, token wait and retries included, in ms. @default the client's `timeoutMs` */
  readonly timeoutMs?: number | undefined;
  /** Your own correlation id (1–128 visible ASCII characters), sent as `X-Request-Id`. @default a random UUID */
  readonly requestId?: string | undefined;
}

const PROCESSES_PATH = '/processes/v1';
const MAX_API_BODY_BYTES = 1024 * 1024;
// Application codes that mean the access token itself was refused (spec §5.3: 403 on older APIs).
const TOKEN_REJECTED_CODES = new Set(['10501', '10502']);
const REFRESH_AHEAD_MS = 5 * 60_000;
const MIN_VALIDITY_MS = 30_000;
const USER_AGENT = `unico-idcloud/${VERSION}`;
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Client for Unico IDCloud's CreateProcess with Liveness + Identity Verification.
 *
 * Create one per service account and reuse it: it caches the access token and pools connections.
 * Construction validates every option (including the private key) and does no I/O.
 *
 * @example
 * ```ts
 * const client = new IdCloudClient({
 *   environment: 'uat',
 *   serviceAccount: { accountName, tenantId, privateKey: process.env.UNICO_PRIVATE_KEY! },
 *   apiKey: process.env.UNICO_API_KEY!,
 * });
 * const result = await client.createProcess({ subject: { code, name }, useCase: 'Onboarding', imageBase64 });
 * if (result.kind === 'verified') approve(result.id);
 * ```
 */
export class IdCloudClient {
  readonly #options: NormalizedOptions;
  readonly #transport: Transport;
  readonly #tokens: TokenCache;

  /**
   * @param options - environment, service account, API key and limits
   * @throws InvalidConfigError naming every bad option (the key, API key and secrets are never echoed)
   */
  constructor(options: ClientOptions) {
    this.#options = normalizeOptions(options);
    const { environment, logger } = this.#options;
    this.#transport =
      this.#options.transport ?? createUndiciTransport({ dispatcher: this.#options.dispatcher });
    const fetchToken = createTokenFetcher({
      transport: this.#transport,
      tokenUrl: environment.tokenUrl,
      issuer: this.#options.issuer,
      audience: environment.audience,
      key: this.#options.key,
      timeoutMs: this.#options.tokenTimeoutMs,
      maxRetries: this.#options.maxRetries,
      headers: { 'user-agent': USER_AGENT },
    });
    this.#tokens = new TokenCache(fetchToken, {
      refreshAheadMs: REFRESH_AHEAD_MS,
      minValidityMs: MIN_VALIDITY_MS,
      onBackgroundError: (err) =>
        logger?.warn('unico-idcloud: background token refresh failed; the current token is still valid', {
          code: IdCloudError.is(err) ? err.code : 'unknown',
          unicoCode: err instanceof TokenError ? err.unicoCode : undefined,
        }),
    });
  }

  /** Name of the configured environment: `'uat'`, `'production'` or `'custom'`. */
  get environment(): string {
    return this.#options.environment.name;
  }

  /**
   * Creates a process: validates the input, gets (or reuses) an access token, sends
   * `POST /processes/v1` and decodes the verdict.
   *
   * Retries only what cannot have created a process: connection failures before sending, 429
   * within the time budget, and one retry with a new token after a 401.
   *
   * @param input - subject, use case and image (see {@link CreateProcessInput})
   * @param options - signal, timeout and request id for this call
   * @returns the decoded result; switch on `result.kind`
   * @throws InvalidInputError before any network call when the input is invalid
   * @throws TokenError, ApiError, RateLimitedError, OutcomeUnknownError, TimeoutError, AbortedError,
   *   NetworkError or InvalidResponseError; all are {@link IdCloudError} with a stable `code`
   * @example
   * ```ts
   * const result = await client.createProcess(
   *   { subject: { code: '12345678909', name: 'Luke Skywalker' }, useCase: 'Onboarding', imageBase64: encrypted },
   *   { timeoutMs: 20_000 },
   * );
   * ```
   */
  async createProcess(input: CreateProcessInput, options: CallOptions = {}): Promise<ProcessResult> {
    const requestId = resolveRequestId(options.requestId);
    const prepared = prepareCreateProcess(input);
    if (!prepared.ok) throw new InvalidInputError(prepared.issues, { requestId });
    const timeoutMs = resolveTimeout(options.timeoutMs, this.#options.timeoutMs, requestId);
    const deadline = createDeadline(timeoutMs, options.signal);
    try {
      return await this.#send(prepared.request, requestId, deadline);
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Obtains the access token now (if none is cached) so the first `createProcess` does not pay for
   * it; useful in a serverless init phase.
   * @param options - signal and timeout
   * @throws TokenError, TimeoutError or AbortedError
   */
  async warmup(options: Pick<CallOptions, 'signal' | 'timeoutMs'> = {}): Promise<void> {
    const timeoutMs = resolveTimeout(options.timeoutMs, this.#options.tokenTimeoutMs, undefined);
    const deadline = createDeadline(timeoutMs, options.signal);
    try {
      await this.#token(deadline, undefined);
    } finally {
      deadline.dispose();
    }
  }

  /** Closes pooled connections the client opened itself (a dispatcher you passed is left open). */
  async close(): Promise<void> {
    this.#tokens.close();
    if (this.#options.transport === undefined) await this.#transport.close?.();
  }

  async #send(request: PreparedRequest, requestId: string, deadline: Deadline): Promise<ProcessResult> {
    let retries = 0;
    let refreshedAfter401 = false;
    for (;;) {
      const token = await this.#token(deadline, requestId);
      let response: TransportResponse;
      try {
        response = await this.#transport.request({
          method: 'POST',
          url: `${this.#options.environment.apiBaseUrl}${PROCESSES_PATH}`,
          headers: {
            authorization: `Bearer ${token}`,
            apikey: this.#options.apiKey,
            'content-type': 'application/json',
            accept: 'application/json',
            'user-agent': USER_AGENT,
            'x-request-id': requestId,
          },
          body: request.body,
          signal: deadline.signal,
          maxResponseBytes: MAX_API_BODY_BYTES,
        });
      } catch (err) {
        if (err instanceof TransportError && err.phase === 'connect' && !deadline.signal.aborted) {
          // Never left this machine: retrying cannot duplicate a process.
          if (retries >= this.#options.maxRetries) {
            throw new NetworkError(`Could not connect to Unico: ${err.message}`, { requestId, cause: err });
          }
          await this.#pause(backoffMs(retries++, 200, 2_000), deadline, requestId);
          continue;
        }
        throw this.#sendFailure(err, deadline, requestId);
      }

      const { status } = response;
      if (status >= 200 && status < 300) return decodeSuccess(response, request, requestId);
      const apiError = decodeApiError(parseJson(response.body));
      const tokenRejected =
        status === 401 ||
        (status === 403 && apiError.code !== undefined && TOKEN_REJECTED_CODES.has(apiError.code));
      if (tokenRejected && !refreshedAfter401) {
        // The token may have been revoked or expired early: drop it (unless someone already
        // replaced it) and try exactly once more. A second rejection is a configuration problem.
        refreshedAfter401 = true;
        this.#tokens.invalidate(token);
        continue;
      }
      if (status === 429) {
        const waitMs = parseRetryAfter(response.headers['retry-after']) ?? backoffMs(retries, 1_000, 60_000);
        if (retries < this.#options.maxRetries && waitMs < deadline.remainingMs()) {
          retries++;
          await this.#pause(waitMs, deadline, requestId);
          continue;
        }
        throw new RateLimitedError(waitMs, { requestId });
      }
      if (status >= 500) throw new OutcomeUnknownError('server-error', { httpStatus: status, requestId });
      throw new ApiError({
        httpStatus: status,
        unicoCode: apiError.code,
        description: apiError.text === undefined ? undefined : scrubText(apiError.text, request.sensitive),
        requestId,
      });
    }
  }

  async #token(deadline: Deadline, requestId: string | undefined): Promise<string> {
    try {
      return await this.#tokens.get(deadline.signal);
    } catch (err) {
      if (deadline.signal.aborted) throw stopped(deadline, false, requestId, err);
      if (err instanceof TokenError) {
        // The refresh is shared between callers: give each its own copy carrying its request id.
        throw new TokenError(err.message, { ...err, requestId, cause: err });
      }
      throw err;
    }
  }

  #sendFailure(err: unknown, deadline: Deadline, requestId: string): IdCloudError {
    if (deadline.signal.aborted) return stopped(deadline, true, requestId, err);
    // An exchange-phase transport failure (reset, truncated or oversized body) or anything unexpected.
    return new OutcomeUnknownError('connection-lost', { requestId, cause: err });
  }

  async #pause(ms: number, deadline: Deadline, requestId: string): Promise<void> {
    try {
      await sleep(ms, deadline.signal);
    } catch (err) {
      throw stopped(deadline, false, requestId, err);
    }
  }

  /** @returns a summary without any secret */
  toString(): string {
    return `IdCloudClient(${this.environment})`;
  }

  toJSON(): Record<string, unknown> {
    return { environment: this.environment };
  }

  [INSPECT](): string {
    return this.toString();
  }
}

function decodeSuccess(
  response: TransportResponse,
  request: PreparedRequest,
  requestId: string,
): ProcessResult {
  const json = parseJson(response.body);
  if (json === undefined) {
    throw new InvalidResponseError(response.status, [{ path: '', message: 'body is not JSON' }], {
      requestId,
    });
  }
  const decoded = decodeProcessBody(json, request.imageKind, requestId);
  if (!decoded.ok) throw new InvalidResponseError(response.status, decoded.issues, { requestId });
  return decoded.result;
}

function stopped(
  deadline: Deadline,
  requestSent: boolean,
  requestId: string | undefined,
  cause: unknown,
): IdCloudError {
  if (deadline.reason() === 'aborted') return new AbortedError(requestSent, { requestId, cause });
  return requestSent
    ? new OutcomeUnknownError('timeout', { requestId, cause })
    : new TimeoutError(deadline.timeoutMs, { requestId, cause });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

function resolveRequestId(value: string | undefined): string {
  if (value === undefined) return crypto.randomUUID();
  if (typeof value !== 'string' || !REQUEST_ID.test(value)) {
    throw new InvalidInputError([
      { path: 'options.requestId', message: 'must be 1-128 visible ASCII characters' },
    ]);
  }
  return value;
}

function resolveTimeout(value: number | undefined, fallback: number, requestId: string | undefined): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 600_000) {
    throw new InvalidInputError(
      [{ path: 'options.timeoutMs', message: 'must be an integer from 1 to 600000' }],
      {
        requestId,
      },
    );
  }
  return value;
}
