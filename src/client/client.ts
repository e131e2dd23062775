import { describeStoreFailure, LOCK_TTL_MS, TokenCache } from '../auth/token-cache.js';
import type { AccessToken } from '../auth/token-exchange.js';
import { createTokenFetcher } from '../auth/token-provider.js';
import { tokenStoreKey } from '../auth/token-store.js';
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
import type { ImageKind } from '../internal/image.js';
import { scrubText } from '../internal/redact.js';
import { createDeadline, type Deadline, sleep } from '../internal/signal.js';
import { createDefaultTransport } from '../platform/node.js';
import { type CreateProcessInput, prepareCreateProcess } from '../schemas/input.js';
import { decodeApiError, decodeProcessBody, type ProcessResult } from '../schemas/response.js';
import {
  createObserver,
  type Observer,
  type Operation,
  type RetryEvent,
  userAgent,
} from './observability.js';
import { type ClientOptions, type NormalizedOptions, normalizeOptions } from './options.js';
import { backoffMs, parseRetryAfter } from '../http/retry.js';
import { type Transport, TransportError, type TransportResponse } from '../http/transport.js';

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call. An abort after the request was sent gives `ERR_ABORTED` with `requestSent: true`. */
  readonly signal?: AbortSignal | undefined;
  /** Overall budget of this call, token wait and retries included, in ms. @default the client's `timeoutMs` */
  readonly timeoutMs?: number | undefined;
  /** Budget of each HTTP attempt, in ms. @default the client's `attemptTimeoutMs` */
  readonly attemptTimeoutMs?: number | undefined;
  /** Your own correlation id (1–128 visible ASCII characters), sent as `X-Request-Id`. @default a random UUID */
  readonly requestId?: string | undefined;
}

/** Options of {@link IdCloudClient.getProcess}. */
export interface GetProcessOptions extends CallOptions {
  /**
   * What the process was created with. The response cannot tell, and it decides whether a
   * `liveness` of 1 means `'passed'` (`'sdk-capture'`) or `'not-checked'` (`'plain-image'`).
   */
  readonly imageKind: ImageKind;
}

/** How one API request is sent and decoded. */
interface Exchange {
  readonly operation: Operation;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: Uint8Array<ArrayBuffer>;
  /** GET: a retry cannot create anything. POST: only unsent failures may be retried. */
  readonly idempotent: boolean;
  readonly imageKind: ImageKind;
  /** Values to scrub from server text. */
  readonly sensitive: readonly string[];
}

const PROCESSES_PATH = '/processes/v1';
const MAX_API_BODY_BYTES = 1024 * 1024;
// Application codes that mean the access token itself was refused (spec §5.3: 403 on older APIs).
const TOKEN_REJECTED_CODES = new Set(['10501', '10502']);
const REFRESH_AHEAD_MS = 5 * 60_000;
const MIN_VALIDITY_MS = 30_000;
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
  readonly #observer: Observer;
  readonly #userAgent: string;

  /**
   * @param options - environment, service account, API key and limits
   * @throws InvalidConfigError naming every bad option (the key, API key and secrets are never echoed)
   */
  constructor(options: ClientOptions) {
    this.#options = normalizeOptions(options);
    this.#observer = createObserver(this.#options.hooks, this.#options.logger);
    this.#userAgent = userAgent(this.#options.appInfo);
    const { environment, logger } = this.#options;
    this.#transport =
      this.#options.transport ?? createDefaultTransport({ dispatcher: this.#options.dispatcher });
    const fetchToken = this.#observeTokens(
      createTokenFetcher({
        transport: this.#transport,
        tokenUrl: environment.tokenUrl,
        issuer: this.#options.issuer,
        audience: environment.audience,
        key: this.#options.key,
        timeoutMs: this.#options.tokenTimeoutMs,
        attemptTimeoutMs: this.#options.tokenAttemptTimeoutMs,
        maxRetries: this.#options.maxRetries,
        headers: { 'user-agent': this.#userAgent },
      }),
    );
    const { tokenStore } = this.#options;
    this.#tokens = new TokenCache(fetchToken, {
      refreshAheadMs: REFRESH_AHEAD_MS,
      minValidityMs: MIN_VALIDITY_MS,
      store:
        tokenStore === undefined
          ? undefined
          : {
              store: tokenStore,
              // A hash of who the token is for, never the private key or the API key.
              key: tokenStoreKey({
                environment: environment.name,
                tokenUrl: environment.tokenUrl,
                tenantId: options.serviceAccount.tenantId,
                accountName: options.serviceAccount.accountName,
              }),
              // A live lock holder is done within its token budget; a dead one's lock expires.
              lockWaitMs: this.#options.tokenTimeoutMs + LOCK_TTL_MS,
            },
      onStoreError: (failure) => {
        const { message, fields } = describeStoreFailure(failure);
        logger?.warn(fields, message);
      },
      onBackgroundError: (err) =>
        logger?.warn(
          {
            code: IdCloudError.is(err) ? err.code : 'unknown',
            unicoCode: err instanceof TokenError ? err.unicoCode : undefined,
          },
          'unico-idcloud: background token refresh failed; the current token is still valid',
        ),
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
    const { body, imageKind, sensitive } = prepared.request;
    return this.#call(
      {
        operation: 'createProcess',
        method: 'POST',
        path: PROCESSES_PATH,
        body,
        idempotent: false,
        imageKind,
        sensitive,
      },
      options,
      requestId,
    );
  }

  /**
   * Reads a process again (`GET /processes/v1/{id}`), e.g. to reconcile after
   * `ERR_OUTCOME_UNKNOWN` when you have the id, or for audit. Decoded like `createProcess`.
   * Being a read, it is retried on 5xx, lost connections and attempt timeouts within the budget.
   * @param id - Unico's process id
   * @param options - `imageKind` (what the process was created with), signal, timeouts, request id
   * @returns the decoded result
   * @throws InvalidInputError for a malformed id; ApiError (e.g. 404 unknown id, 410 gone) and the
   *   other {@link IdCloudError} codes as for `createProcess`
   * @example
   * ```ts
   * const again = await client.getProcess(result.id, { imageKind: 'sdk-capture' });
   * ```
   */
  async getProcess(id: string, options: GetProcessOptions): Promise<ProcessResult> {
    const requestId = resolveRequestId(options?.requestId);
    const issues = [];
    if (typeof id !== 'string' || !/^[\w-]{1,128}$/.test(id)) {
      issues.push({ path: 'id', message: 'must be a process id (letters, digits, "-", "_")' });
    }
    if (options?.imageKind !== 'sdk-capture' && options?.imageKind !== 'plain-image') {
      issues.push({ path: 'options.imageKind', message: 'must be "sdk-capture" or "plain-image"' });
    }
    if (issues.length > 0) throw new InvalidInputError(issues, { requestId });
    const path = `${PROCESSES_PATH}/${encodeURIComponent(id)}`;
    return this.#call(
      {
        operation: 'getProcess',
        method: 'GET',
        path,
        idempotent: true,
        imageKind: options.imageKind,
        sensitive: [],
      },
      options,
      requestId,
    );
  }

  /**
   * Obtains the access token now (if none is cached) and opens a pooled connection to the API
   * host, so the first `createProcess` pays for neither; for a serverless init phase. The
   * connection is best effort (a failure there surfaces on the first call, not here).
   * @param options - signal and timeout
   * @throws TokenError, TimeoutError or AbortedError
   */
  async warmup(options: Pick<CallOptions, 'signal' | 'timeoutMs'> = {}): Promise<void> {
    const timeoutMs = resolveTimeout(
      options.timeoutMs,
      this.#options.tokenTimeoutMs,
      'options.timeoutMs',
      undefined,
    );
    const deadline = createDeadline(timeoutMs, options.signal);
    try {
      const origin = new URL(this.#options.environment.apiBaseUrl).origin;
      await Promise.all([
        this.#token(deadline, undefined),
        this.#transport.preconnect?.(origin, deadline.signal),
      ]);
    } finally {
      deadline.dispose();
    }
  }

  /** Closes pooled connections the client opened itself (a dispatcher you passed is left open). */
  async close(): Promise<void> {
    this.#tokens.close();
    if (this.#options.transport === undefined) await this.#transport.close?.();
  }

  async #call(exchange: Exchange, options: CallOptions, requestId: string): Promise<ProcessResult> {
    const timeoutMs = resolveTimeout(
      options.timeoutMs,
      this.#options.timeoutMs,
      'options.timeoutMs',
      requestId,
    );
    const attemptMs = resolveTimeout(
      options.attemptTimeoutMs,
      this.#options.attemptTimeoutMs,
      'options.attemptTimeoutMs',
      requestId,
    );
    const deadline = createDeadline(timeoutMs, options.signal);
    try {
      return await this.#send(exchange, requestId, deadline, attemptMs);
    } finally {
      deadline.dispose();
    }
  }

  async #send(
    exchange: Exchange,
    requestId: string,
    deadline: Deadline,
    attemptMs: number,
  ): Promise<ProcessResult> {
    const retryUnsent = exchange.idempotent || this.#options.retryOutcomeUnknown;
    const { operation, method, path } = exchange;
    let retries = 0;
    let attemptNo = 0;
    let refreshedAfter401 = false;
    const retry = async (reason: RetryEvent['reason'], delayMs: number) => {
      this.#observer.retry({ requestId, operation, attempt: attemptNo + 1, reason, delayMs });
      if (delayMs > 0) await this.#pause(delayMs, deadline, requestId);
    };
    for (;;) {
      const token = await this.#token(deadline, requestId);
      attemptNo++;
      const started = { requestId, operation, attempt: attemptNo, method, path };
      const attempt = createDeadline(Math.min(attemptMs, deadline.remainingMs() || 1), deadline.signal);
      // Without write tracking, anything handed to the transport may have been sent.
      let sent = this.#transport.tracksWrites !== true;
      let response: TransportResponse;
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        apikey: this.#options.apiKey,
        ...(exchange.body === undefined ? {} : { 'content-type': 'application/json' }),
        accept: 'application/json',
        'user-agent': this.#userAgent,
        'x-request-id': requestId,
      };
      this.#observer.requestStart(started);
      this.#options.logger?.debug(
        {
          ...started,
          headers: this.#observer.requestHeaders(headers),
        },
        'unico-idcloud: sending request',
      );
      const t0 = performance.now();
      try {
        response = await this.#transport.request({
          method,
          url: `${this.#options.environment.apiBaseUrl}${path}`,
          headers,
          body: exchange.body,
          signal: attempt.signal,
          maxResponseBytes: MAX_API_BODY_BYTES,
          onWrite: () => {
            sent = true;
          },
        });
      } catch (err) {
        const failure = this.#failure(err, sent, attempt, deadline, requestId);
        this.#observer.requestEnd({ ...started, durationMs: elapsed(t0), errorCode: failure.code });
        const retryable =
          failure instanceof NetworkError || (retryUnsent && failure instanceof OutcomeUnknownError);
        if (!retryable || retries >= this.#options.maxRetries || deadline.signal.aborted) throw failure;
        await retry(
          failure instanceof NetworkError ? 'not-sent' : 'outcome-unknown',
          backoffMs(retries++, 200, 2_000),
        );
        continue;
      } finally {
        attempt.dispose();
      }

      const { status } = response;
      const apiError = status >= 200 && status < 300 ? undefined : decodeApiError(parseJson(response.body));
      this.#observer.requestEnd({
        ...started,
        durationMs: elapsed(t0),
        httpStatus: status,
        unicoCode: apiError?.code,
        responseHeaders: response.headers,
      });
      if (apiError === undefined) return decodeSuccess(response, exchange.imageKind, requestId);
      const tokenRejected =
        status === 401 ||
        (status === 403 && apiError.code !== undefined && TOKEN_REJECTED_CODES.has(apiError.code));
      if (tokenRejected && !refreshedAfter401) {
        // The token may have been revoked or expired early: drop it (unless someone already
        // replaced it) and try exactly once more. A second rejection is a configuration problem.
        refreshedAfter401 = true;
        this.#tokens.invalidate(token);
        await retry('token-rejected', 0);
        continue;
      }
      if (status === 429) {
        const waitMs = parseRetryAfter(response.headers['retry-after']) ?? backoffMs(retries, 1_000, 60_000);
        if (retries < this.#options.maxRetries && waitMs < deadline.remainingMs()) {
          retries++;
          await retry('rate-limited', waitMs);
          continue;
        }
        throw new RateLimitedError(waitMs, { requestId });
      }
      if (status >= 500) {
        const failure = new OutcomeUnknownError('server-error', { httpStatus: status, requestId });
        if (!retryUnsent || retries >= this.#options.maxRetries) throw failure;
        await retry('outcome-unknown', backoffMs(retries++, 500, 8_000));
        continue;
      }
      throw new ApiError({
        httpStatus: status,
        unicoCode: apiError.code,
        description: apiError.text === undefined ? undefined : scrubText(apiError.text, exchange.sensitive),
        requestId,
      });
    }
  }

  /** Wraps the token fetcher so every refresh is reported to hooks, channels and the logger. */
  #observeTokens(
    fetch: (signal: AbortSignal) => Promise<AccessToken>,
  ): (signal: AbortSignal) => Promise<AccessToken> {
    return async (signal) => {
      const t0 = performance.now();
      try {
        const token = await fetch(signal);
        this.#observer.tokenRefresh({
          durationMs: elapsed(t0),
          outcome: 'success',
          expiresInSeconds: token.lifetimeSeconds,
        });
        return token;
      } catch (err) {
        this.#observer.tokenRefresh({
          durationMs: elapsed(t0),
          outcome: 'failure',
          errorCode: IdCloudError.is(err) ? err.code : undefined,
          unicoCode: err instanceof TokenError ? err.unicoCode : undefined,
        });
        throw err;
      }
    };
  }

  /** Turns a failed attempt into the error the caller sees, from what is provably known. */
  #failure(
    err: unknown,
    sent: boolean,
    attempt: Deadline,
    deadline: Deadline,
    requestId: string,
  ): IdCloudError {
    if (deadline.signal.aborted) return stopped(deadline, sent, requestId, err);
    if (attempt.signal.aborted) {
      // The attempt's own timer: same meaning as the deadline's, for this attempt.
      return sent
        ? new OutcomeUnknownError('timeout', { requestId, cause: err })
        : new TimeoutError(attempt.timeoutMs, { requestId, cause: err });
    }
    const neverSent =
      this.#transport.tracksWrites === true
        ? !sent
        : err instanceof TransportError && err.phase === 'connect';
    if (neverSent) {
      const what = err instanceof Error ? err.message : 'unknown error';
      return new NetworkError(`Could not send the request to Unico: ${what}`, { requestId, cause: err });
    }
    // Lost after (possibly) sending: reset, truncated or oversized body, or anything unexpected.
    return new OutcomeUnknownError('connection-lost', { requestId, cause: err });
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

  /** @returns what `JSON.stringify(client)` shows: the environment name, never a secret */
  toJSON(): Record<string, unknown> {
    return { environment: this.environment };
  }

  /** @returns what `util.inspect(client)` and `console.log(client)` show: {@link IdCloudClient.toString} */
  [INSPECT](): string {
    return this.toString();
  }
}

function elapsed(since: number): number {
  return Math.round((performance.now() - since) * 10) / 10;
}

function decodeSuccess(response: TransportResponse, imageKind: ImageKind, requestId: string): ProcessResult {
  const json = parseJson(response.body);
  if (json === undefined) {
    throw new InvalidResponseError(response.status, [{ path: '', message: 'body is not JSON' }], {
      requestId,
    });
  }
  const decoded = decodeProcessBody(json, imageKind, requestId);
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

function resolveTimeout(
  value: number | undefined,
  fallback: number,
  path: string,
  requestId: string | undefined,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 600_000) {
    throw new InvalidInputError([{ path, message: 'must be an integer from 1 to 600000' }], { requestId });
  }
  return value;
}
