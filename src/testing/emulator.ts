import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { checkAssertion } from './assertion.js';
import { validateBody } from './body.js';
import { type CapabilityScenario, capabilityAnswer } from './capability-scenarios.js';
import type { EmulatorCredentials, EmulatorOptions, InjectedResponse, ReceivedRequest } from './options.js';
import { apiError, json, respond } from './responses.js';
import { type ScenarioName, scenarioForCpf } from './scenarios.js';

/** A stored process, for `GET /processes/v1/{id}`; `final` replaces `body` once `pollsLeft` runs out. */
interface StoredProcess {
  body: Record<string, unknown>;
  final?: Record<string, unknown> | undefined;
  pollsLeft: number;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CAPTURE_TTL_MS = 10 * 60_000;

/**
 * An in-memory emulator of Unico's token endpoint and `/processes/v1`, speaking the Fetch API
 * (`Request` in, `Response` out). Serve it with {@link startEmulatorServer} or mount it in msw
 * with {@link createHandlers}.
 *
 * It verifies assertions like Unico (RS256 signature with the generated public key, exactly
 * `iss aud scope iat exp`: an extra claim gives 1.2.22, an expired one 1.2.4, a reused one 1.2.7,
 * a wrong `aud` 1.2.5), issues expiring tokens, checks `Authorization` and `APIKEY`, validates the
 * body with the error codes of the API, and answers the scenario selected by the CPF.
 */
export class Emulator {
  /** Credentials this emulator accepts. */
  readonly credentials: EmulatorCredentials;
  /** Public half of the generated key pair. */
  readonly publicKey: KeyObject;
  /**
   * Counters, for assertions in tests: `tokenRequests` (token endpoint requests, accepted or not),
   * `tokensIssued` (access tokens issued), `processRequests` (CreateProcess requests, accepted or
   * not) and `getRequests` (`GET /processes/v1/{id}` requests).
   */
  readonly stats = { tokenRequests: 0, tokensIssued: 0, processRequests: 0, getRequests: 0 };
  /** Delay before the token endpoint answers, in ms; applies to requests arriving after it is set. */
  tokenDelayMs: number;
  /** `Retry-After` of the `rate-limited` scenario, in seconds; `0` lets a test retry at once. */
  retryAfterSeconds: number;
  /** GET answers that still say status 1 for a `processing-then-*` process created after it is set. */
  pollsBeforeFinal: number;
  /** Every request received, oldest first. */
  readonly received: ReceivedRequest[] = [];

  readonly #now: () => number;
  readonly #tokenTtlMs: number;
  readonly #tokens = new Map<string, number>();
  readonly #usedAssertions = new Set<string>();
  // Keyed by the capture itself: a capture is opaque, whatever its shape.
  readonly #captures = new Map<string, { expiresAt: number; used: boolean }>();
  readonly #processes = new Map<string, StoredProcess>();
  readonly #injected: InjectedResponse[] = [];

  constructor(options: EmulatorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#tokenTtlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
    this.tokenDelayMs = options.tokenDelayMs ?? 0;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.pollsBeforeFinal = options.pollsBeforeFinal ?? 2;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKey = publicKey;
    this.credentials = Object.freeze({
      accountName: options.accountName ?? 'emulator',
      tenantId: options.tenantId ?? 'emulator-tenant',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      apiKey: options.apiKey ?? `emu_${randomBytes(16).toString('hex')}`,
    });
  }

  /**
   * Issues a stand-in for the capture SDK's `encrypted` payload, valid for 10 minutes and accepted
   * once (then 10508), as the real one. Unico documents the payload as opaque, liable to change
   * shape: pass `capture` to issue one of any shape (no dots, a `v2:` prefix, …).
   * @param capture - the string to issue @default a JWT-shaped string
   * @returns the string to send as `imageBase64`
   */
  createCapture(capture?: string): string {
    const issuedAt = this.#now();
    const value =
      capture ??
      [
        b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' })),
        b64url(JSON.stringify({ cid: randomUUID(), iat: Math.floor(issuedAt / 1000) })),
        randomBytes(64).toString('base64url'),
      ].join('.');
    this.#captures.set(value, { expiresAt: issuedAt + CAPTURE_TTL_MS, used: false });
    return value;
  }

  /** Queues canned answers for the next CreateProcess requests (after auth checks pass). */
  inject(...responses: InjectedResponse[]): void {
    this.#injected.push(...responses);
  }

  /** Invalidates every issued access token, as a revocation or key rotation would: the next call gets a 401. */
  revokeTokens(): void {
    this.#tokens.clear();
  }

  /**
   * Token endpoint: `POST /oauth2/token`.
   * @param request - the incoming request
   * @param audience - the `aud` an assertion must carry (the token host's origin)
   */
  async handleToken(request: Request, audience: string): Promise<Response> {
    this.stats.tokenRequests++;
    const delayMs = this.tokenDelayMs;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const text = await request.text();
    this.#record(request, text);
    if (!(request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
      return json(400, {
        error: 'invalid_request',
        error_description: 'Content-Type must be form-urlencoded',
      });
    }
    const form = new URLSearchParams(text);
    if (form.get('grant_type') !== JWT_BEARER) {
      return json(400, {
        error: 'unsupported_grant_type',
        error_description: 'grant_type must be jwt-bearer',
      });
    }
    const assertion = form.get('assertion');
    if (!assertion)
      return json(400, { error: 'invalid_request', error_description: 'assertion is required' });
    const rejected = checkAssertion(assertion, {
      audience,
      publicKey: this.publicKey,
      accountName: this.credentials.accountName,
      tenantId: this.credentials.tenantId,
      nowMs: this.#now(),
      used: this.#usedAssertions,
    });
    if (rejected !== undefined) {
      return json(401, { error: 'server_error', error_description: `Falha na autenticação ${rejected}` });
    }
    const token = randomBytes(32).toString('base64url');
    this.#tokens.set(token, this.#now() + this.#tokenTtlMs);
    this.stats.tokensIssued++;
    return json(200, { access_token: token, expires_in: this.#tokenTtlMs / 1000, token_type: 'Bearer' });
  }

  /** API: `POST /processes/v1`. */
  async handleCreateProcess(request: Request): Promise<Response> {
    this.stats.processRequests++;
    const text = await request.text();
    this.#record(request, text);
    const denied = this.#checkHeaders(request);
    if (denied) return denied;
    const injected = this.#injected.shift();
    if (injected) return respond(injected);

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return apiError(400, '20003', 'Body ausente ou inválido');
    }
    const valid = validateBody(body);
    if (valid instanceof Response) return valid;
    const capture = valid.plainImage ? undefined : this.#captures.get(valid.image);
    if (!valid.plainImage) {
      if (!capture) return apiError(400, '10506', 'Bundle inválido: captura não emitida por este emulador');
      if (capture.used) return apiError(400, '10508', 'JWT da captura já utilizado');
      if (capture.expiresAt <= this.#now()) return apiError(400, '10507', 'JWT da captura expirado');
    }
    const scenario = scenarioForCpf(valid.cpf);
    // A rate limiter answers before anything is processed: the capture is not consumed.
    if (capture && scenario !== 'rate-limited') capture.used = true;
    return this.#play(scenario, valid.plainImage);
  }

  /** API: `GET /processes/v1/{id}`. */
  async handleGetProcess(request: Request, id: string): Promise<Response> {
    this.stats.getRequests++;
    this.#record(request, '');
    const denied = this.#checkHeaders(request);
    if (denied) return denied;
    const stored = this.#processes.get(id);
    if (!stored) return apiError(404, '40400', 'Processo não encontrado');
    if (stored.final && stored.pollsLeft-- <= 0) stored.body = { id, ...stored.final };
    return json(200, stored.body);
  }

  #record(request: Request, body: string): void {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.received.push({ method: request.method, path: new URL(request.url).pathname, headers, body });
  }

  #checkHeaders(request: Request): Response | undefined {
    const authorization = request.headers.get('authorization');
    if (!authorization) return apiError(400, '20001', 'Header authtoken ausente');
    const apiKey = request.headers.get('apikey');
    if (!apiKey) return apiError(400, '20002', 'Header APIKEY ausente');
    const token = /^Bearer (.+)$/.exec(authorization)?.[1];
    const expiresAt = token === undefined ? undefined : this.#tokens.get(token);
    if (expiresAt === undefined) return apiError(401, '10501', 'Access token inválido');
    if (expiresAt <= this.#now()) return apiError(401, '10502', 'Access token expirado');
    if (apiKey !== this.credentials.apiKey) return apiError(403, '10201', 'AppKey inválida');
    return undefined;
  }

  #play(scenario: ScenarioName | CapabilityScenario, plainImage: boolean): Response {
    // With a plain image Unico runs no liveness check and always reports liveness 1.
    const liveness = (value: 1 | 2) => (plainImage ? 1 : value);
    switch (scenario) {
      case 'rate-limited':
        return apiError(429, '42900', 'Too Many Requests', { 'retry-after': String(this.retryAfterSeconds) });
      case 'server-error':
        return apiError(503, '50300', 'Serviço indisponível');
      case 'cpf-not-found':
        return apiError(400, '20507', 'subject.code inválido');
      case 'verified':
        return this.#store({ status: 3, unicoId: { result: 'yes' } });
      case 'not-verified':
        return this.#store({ status: 3, unicoId: { result: 'no' } });
      case 'inconclusive-liveness-passed':
        return this.#store({ status: 3, unicoId: { result: 'inconclusive' }, liveness: liveness(1) });
      case 'inconclusive-liveness-failed':
        return this.#store({ status: 3, unicoId: { result: 'inconclusive' }, liveness: liveness(2) });
      case 'process-error':
        return this.#store({ status: 5 });
      case 'processing':
        return this.#store({ status: 1 });
      case 'canceled':
        return this.#store({ status: 4 });
      default: {
        const { created, final } = capabilityAnswer(scenario, liveness);
        return this.#store(created, final);
      }
    }
  }

  #store(fields: Record<string, unknown>, final?: Record<string, unknown>): Response {
    const body = { id: randomUUID(), ...fields };
    this.#processes.set(body.id, { body, final, pollsLeft: this.pollsBeforeFinal });
    return json(200, body);
  }
}

/**
 * Creates an emulator with a fresh throwaway key pair and matching credentials.
 * @param options - token lifetime, clock, credential names
 * @returns the emulator
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  return new Emulator(options);
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
