import { createTokenSource, type TokenSource } from '../auth/tokens.js';
import {
  AbortedError,
  ClientClosedError,
  IdCloudError,
  InvalidInputError,
  TimeoutError,
  TokenError,
} from '../errors.js';
import type { Transport } from '../http/transport.js';
import type { ImageKind } from '../internal/image.js';
import { createDefaultTransport } from '../platform/node.js';
import { type CreateProcessInput, prepareCreateProcess } from '../schemas/input.js';
import type { ProcessResult } from '../schemas/response.js';
import { type CallContext, type CallOptions, type Exchange, readCallOptions, runCall } from './call.js';
import { createObserver, userAgent } from './observability.js';
import { type ClientOptions, normalizeOptions } from './options.js';
import { type WaitForResultOptions, waitForResult } from './wait.js';

/** Options of {@link IdCloudClient.getProcess}. */
export interface GetProcessOptions extends CallOptions {
  /**
   * What the process was created with. The response cannot tell, and it decides whether a
   * `liveness` of 1 means `'passed'` (`'sdk-capture'`) or `'not-checked'` (`'plain-image'`).
   */
  readonly imageKind: ImageKind;
}

const PROCESSES_PATH = '/processes/v1';
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
  readonly #context: CallContext;
  readonly #transport: Transport;
  readonly #tokens: TokenSource;
  readonly #ownsTransport: boolean;
  readonly #environment: string;
  #closed = false;

  /**
   * @param options - environment, service account, API key and limits
   * @throws InvalidConfigError naming every bad option (the key, API key and secrets are never echoed)
   */
  constructor(options: ClientOptions) {
    const config = normalizeOptions(options);
    const { environment, logger } = config;
    const observer = createObserver(config.hooks, logger);
    const agent = userAgent(config.appInfo);
    this.#environment = environment.name;
    this.#ownsTransport = config.transport === undefined;
    this.#transport = config.transport ?? createDefaultTransport({ dispatcher: config.dispatcher });
    const { tokenStore } = config;
    this.#tokens = createTokenSource({
      transport: this.#transport,
      tokenUrl: environment.tokenUrl,
      issuer: config.issuer,
      audience: environment.audience,
      key: config.key,
      timeoutMs: config.tokenTimeoutMs,
      // Two tries fit the refresh budget: a slow attempt is abandoned and retried once.
      attemptTimeoutMs: Math.ceil(config.tokenTimeoutMs / 2),
      maxRetries: config.maxRetries,
      headers: { 'user-agent': agent },
      store: tokenStore && {
        store: tokenStore,
        identity: {
          environment: environment.name,
          tokenUrl: environment.tokenUrl,
          tenantId: options.serviceAccount.tenantId,
          accountName: options.serviceAccount.accountName,
        },
      },
      onRefresh: observer && ((report) => observer.tokenRefresh(report)),
      onStoreProblem: logger && ((fields, message) => logger.warn(fields, message)),
      onBackgroundError:
        logger &&
        ((err) =>
          logger.warn(
            {
              code: IdCloudError.is(err) ? err.code : 'unknown',
              unicoCode: err instanceof TokenError ? err.unicoCode : undefined,
            },
            'unico-idcloud: background token refresh failed; the current token is still valid',
          )),
    });
    this.#context = {
      transport: this.#transport,
      tokens: this.#tokens,
      options: config,
      observer,
      userAgent: agent,
      refusedFreshToken: undefined,
    };
  }

  /** Name of the configured environment: `'uat'`, `'production'` or `'custom'`. */
  get environment(): string {
    return this.#environment;
  }

  /**
   * Creates a process: validates the input, gets (or reuses) an access token, sends
   * `POST /processes/v1` and decodes the verdict.
   *
   * Retries only what cannot have created a process: failures before the request was written,
   * 429 within the time budget, and one resend with a new token after a 401.
   *
   * @param input - subject, use case and image (see {@link CreateProcessInput})
   * @param options - signal, timeouts and request id for this call
   * @returns the decoded result; switch on `result.kind`
   * @throws InvalidInputError before any network call when the input or an option is invalid
   * @throws TokenError, ApiError, RateLimitedError, OutcomeUnknownError, TimeoutError, AbortedError,
   *   NetworkError, InvalidResponseError or ClientClosedError; all are {@link IdCloudError}
   * @example
   * ```ts
   * const result = await client.createProcess(
   *   { subject: { code: '12345678909', name: 'Luke Skywalker' }, useCase: 'Onboarding', imageBase64: encrypted },
   *   { timeoutMs: 20_000 },
   * );
   * ```
   */
  async createProcess(input: CreateProcessInput, options: CallOptions = {}): Promise<ProcessResult> {
    const requestId = readCallOptions(options);
    this.#ensureOpen(requestId);
    const prepared = prepareCreateProcess(input);
    if (!prepared.ok) throw new InvalidInputError(prepared.issues, { requestId });
    const { body, imageKind, sensitive } = prepared.request;
    const retryMaybeSent = this.#context.options.retryOutcomeUnknown;
    const exchange: Exchange = {
      operation: 'createProcess',
      method: 'POST',
      path: PROCESSES_PATH,
      body,
      retryMaybeSent,
      imageKind,
      sensitive: [...sensitive, this.#context.options.apiKey],
    };
    return runCall(this.#context, exchange, options, requestId);
  }

  /**
   * Reads a process again (`GET /processes/v1/{id}`), for audit or to follow a process that was
   * not final. Decoded like `createProcess`. Being a read, it is retried on 5xx, lost connections
   * and attempt timeouts within the budget.
   * @param id - Unico's process id (`result.id`)
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
    const requestId = readCallOptions(options, ['imageKind']);
    this.#ensureOpen(requestId);
    const issues = [];
    if (typeof id !== 'string' || !/^[\w-]{1,128}$/.test(id)) {
      issues.push({ path: 'id', message: 'must be a process id (letters, digits, "-", "_")' });
    }
    if (options?.imageKind !== 'sdk-capture' && options?.imageKind !== 'plain-image') {
      issues.push({ path: 'options.imageKind', message: 'must be "sdk-capture" or "plain-image"' });
    }
    if (issues.length > 0) throw new InvalidInputError(issues, { requestId });
    const exchange: Exchange = {
      operation: 'getProcess',
      method: 'GET',
      path: `${PROCESSES_PATH}/${encodeURIComponent(id)}`,
      retryMaybeSent: true,
      imageKind: options.imageKind,
      sensitive: [this.#context.options.apiKey],
    };
    return runCall(this.#context, exchange, options, requestId);
  }

  /**
   * Follows a process that is not final (status 1 processing or 2 divergence, with Risk Score) to its
   * verdict: polls `GET /processes/v1/{id}` until the status is 3, 4 or 5. Waits 2 s after the first
   * answer that is not final (Unico's documented polling interval), then 1.5 times longer each time,
   * up to 15 s; a 429 is waited out as its `Retry-After` asks. Concurrent waits for the same process
   * on this client share one request at a time.
   * @param id - Unico's process id (`result.id`)
   * @param options - `imageKind` (what the process was created with), signal, `timeoutMs` for the
   *   whole wait (default 60 s) and `pollIntervalMs`
   * @returns the decoded final result
   * @throws TimeoutError carrying `lastStatus` when no final status came in time; AbortedError; and
   *   the errors of `getProcess`
   * @example
   * ```ts
   * let result = await client.createProcess(input);
   * if (result.status === 1 || result.status === 2)
   *   result = await client.waitForResult(result.id, { imageKind: 'sdk-capture', timeoutMs: 30_000 });
   * ```
   */
  async waitForResult(id: string, options: WaitForResultOptions): Promise<ProcessResult> {
    return waitForResult(this, id, options);
  }

  /**
   * Obtains the access token now (if none is cached), so the first call does not wait for it; for a
   * serverless init phase. Sends nothing to the API host.
   * @param options - signal and timeout
   * @throws TokenError, TimeoutError, AbortedError or ClientClosedError
   */
  async warmup(options: Pick<CallOptions, 'signal' | 'timeoutMs'> = {}): Promise<void> {
    readCallOptions(options);
    this.#ensureOpen(undefined);
    const timeoutMs = options.timeoutMs ?? this.#context.options.tokenTimeoutMs;
    const signal = AbortSignal.any([
      AbortSignal.timeout(timeoutMs),
      ...(options.signal ? [options.signal] : []),
    ]);
    try {
      await this.#tokens.get(signal);
    } catch (err) {
      if (IdCloudError.is(err) || !signal.aborted) throw err;
      throw options.signal?.aborted
        ? new AbortedError(false, { cause: err })
        : new TimeoutError(timeoutMs, { cause: err });
    }
  }

  /**
   * Closes the client for good: stops a token refresh in flight and closes the connections the
   * client opened itself (a dispatcher or transport you passed is left open). Every later call
   * rejects at once with `ERR_CLIENT_CLOSED` and sends nothing. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#tokens.close();
    if (this.#ownsTransport) await this.#transport.close?.();
  }

  #ensureOpen(requestId: string | undefined): void {
    if (this.#closed) throw new ClientClosedError({ requestId });
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
