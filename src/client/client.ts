import { createTokenSource } from '../auth/tokens.js';
import {
  AbortedError,
  ClientClosedError,
  IdCloudError,
  InvalidInputError,
  TimeoutError,
  TokenError,
} from '../errors.js';
import type { ImageKind } from '../internal/image.js';
import { createDeadline } from '../internal/signal.js';
import { createDefaultTransport } from '../platform/node.js';
import { type CreateProcessInput, prepareCreateProcess } from '../schemas/input.js';
import type { ProcessResult } from '../schemas/response.js';
import { type CallContext, type CallOptions, readCallOptions, runCall } from './call.js';
import { createObserver, userAgent } from './observability.js';
import { type ClientOptions, normalizeOptions } from './options.js';
import { type WaitForResultOptions, waitForResult } from './wait.js';

/** Options of {@link IdCloudClient.getProcess}. */
export interface GetProcessOptions extends CallOptions {
  /** What the process was created with: it decides whether a `liveness` of 1 means passed or not checked. */
  readonly imageKind: ImageKind;
}

const PROCESSES_PATH = '/processes/v1';

/**
 * Client for Unico IDCloud's CreateProcess with Liveness + Identity Verification. Create one per
 * service account and reuse it (it caches the token and pools connections); construction does no I/O.
 * @example
 * ```ts
 * const serviceAccount = { accountName, tenantId, privateKey };
 * const client = new IdCloudClient({ environment: 'uat', serviceAccount, apiKey });
 * const result = await client.createProcess({ subject: { code, name }, useCase: 'Onboarding', imageBase64 });
 * if (result.kind === 'verified') approve(result.id);
 * ```
 */
export class IdCloudClient {
  readonly #context: CallContext;
  #closed = false;

  /** @throws InvalidConfigError naming every bad option (the key, API key and secrets are never echoed) */
  constructor(options: ClientOptions) {
    const config = normalizeOptions(options);
    const { environment, logger } = config;
    const observer = createObserver(config.hooks, logger);
    const agent = userAgent(config.appInfo);
    const transport = config.transport ?? createDefaultTransport({ dispatcher: config.dispatcher });
    const { tenantId, accountName } = options.serviceAccount;
    const tokens = createTokenSource({
      transport,
      tokenUrl: environment.tokenUrl,
      issuer: config.issuer,
      audience: environment.audience,
      key: config.key,
      timeoutMs: config.tokenTimeoutMs,
      // Two tries fit the refresh budget: a slow attempt is abandoned and retried once.
      attemptTimeoutMs: Math.ceil(config.tokenTimeoutMs / 2),
      maxRetries: config.maxRetries,
      headers: { 'user-agent': agent },
      store: config.tokenStore && {
        store: config.tokenStore,
        identity: { environment: environment.name, tokenUrl: environment.tokenUrl, tenantId, accountName },
      },
      onRefresh: observer && ((report) => observer.tokenRefresh(report)),
      onStoreProblem: logger && ((fields, message) => logger.warn(fields, message)),
      onBackgroundError:
        logger &&
        ((err) => {
          const code = IdCloudError.is(err) ? err.code : 'unknown';
          const unicoCode = err instanceof TokenError ? err.unicoCode : undefined;
          const message = 'unico-idcloud: background token refresh failed; the current token is still valid';
          logger.warn({ code, unicoCode }, message);
        }),
    });
    this.#context = { transport, tokens, options: config, observer, userAgent: agent };
  }

  /** Name of the configured environment: `'uat'`, `'production'` or `'custom'`. */
  get environment(): string {
    return this.#context.options.environment.name;
  }

  /**
   * Creates a process (`POST /processes/v1`) and decodes the verdict; switch on `result.kind`. Retries
   * only what cannot have created a process: unsent failures, 429 in budget, one resend after a 401.
   * @throws InvalidInputError before any I/O for a bad input or option; else another {@link IdCloudError}
   */
  async createProcess(input: CreateProcessInput, options: CallOptions = {}): Promise<ProcessResult> {
    const requestId = readCallOptions(options);
    if (this.#closed) throw new ClientClosedError({ requestId });
    const prepared = prepareCreateProcess(input);
    if (!prepared.ok) throw new InvalidInputError(prepared.issues, { requestId });
    // Fields named, not spread: a spread exchange slows every property read in runCall (~6 µs a call).
    const { body, imageKind, sensitive } = prepared.request;
    return runCall(this.#context, options, requestId, {
      body,
      imageKind,
      sensitive,
      operation: 'createProcess',
      method: 'POST',
      path: PROCESSES_PATH,
      retryMaybeSent: this.#context.options.retryOutcomeUnknown,
    });
  }

  /**
   * Reads a process again (`GET /processes/v1/{id}`), decoded like `createProcess`. Being a read, it is
   * also retried on 5xx, lost connections and attempt timeouts within the budget.
   * @throws InvalidInputError for a bad id; ApiError (404 unknown id, 410 gone); else as `createProcess`
   */
  async getProcess(id: string, options: GetProcessOptions): Promise<ProcessResult> {
    const requestId = readCallOptions(options, ['imageKind']);
    if (this.#closed) throw new ClientClosedError({ requestId });
    const issues = [];
    if (typeof id !== 'string' || !/^[\w-]{1,128}$/.test(id))
      issues.push({ path: 'id', message: 'must be a process id (letters, digits, "-", "_")' });
    if (options?.imageKind !== 'sdk-capture' && options?.imageKind !== 'plain-image')
      issues.push({ path: 'options.imageKind', message: 'must be "sdk-capture" or "plain-image"' });
    if (issues.length > 0) throw new InvalidInputError(issues, { requestId });
    return runCall(this.#context, options, requestId, {
      operation: 'getProcess',
      method: 'GET',
      path: `${PROCESSES_PATH}/${encodeURIComponent(id)}`,
      retryMaybeSent: true,
      imageKind: options.imageKind,
      sensitive: [],
    });
  }

  /**
   * Polls `getProcess` until a process in status 1 or 2 is final (3, 4 or 5); pauses and 429 handling
   * are in docs/results.md. Concurrent waits for one process share one request at a time.
   * @throws TimeoutError carrying `lastStatus` when no final status came in time; else as `getProcess`
   */
  async waitForResult(id: string, options: WaitForResultOptions): Promise<ProcessResult> {
    return waitForResult(this, id, options);
  }

  /**
   * Obtains the access token now, so the first call does not wait for it (serverless init). Sends
   * nothing to the API host. @throws TokenError, TimeoutError, AbortedError or ClientClosedError
   */
  async warmup(options: Pick<CallOptions, 'signal' | 'timeoutMs'> = {}): Promise<void> {
    readCallOptions(options);
    if (this.#closed) throw new ClientClosedError();
    const timeoutMs = options.timeoutMs ?? this.#context.options.tokenTimeoutMs;
    const deadline = createDeadline(timeoutMs, options.signal);
    try {
      await this.#context.tokens.get(deadline.signal);
    } catch (err) {
      if (IdCloudError.is(err) || deadline.reason() === undefined) throw err;
      throw deadline.reason() === 'aborted'
        ? new AbortedError(false, { cause: err })
        : new TimeoutError(timeoutMs, { cause: err });
    } finally {
      deadline.dispose();
    }
  }

  /**
   * Closes the client for good: stops a refresh in flight and closes the connections it opened (not a
   * dispatcher or transport you passed). Later calls reject with `ERR_CLIENT_CLOSED`. Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#context.tokens.close();
    if (this.#context.options.transport === undefined) await this.#context.transport.close?.();
  }

  /** A summary without any secret. */
  toString(): string {
    return `IdCloudClient(${this.environment})`;
  }

  /** What `JSON.stringify(client)` shows: the environment name, never a secret. */
  toJSON(): Record<string, unknown> {
    return { environment: this.environment };
  }

  /** What `util.inspect(client)` and `console.log(client)` show: {@link IdCloudClient.toString}. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
