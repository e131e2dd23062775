import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  verify,
} from 'node:crypto';
import { isValidCpf } from '../internal/cpf.js';
import { detectImageFormat, MAX_PLAIN_IMAGE_BYTES } from '../internal/image.js';
import { imageSize } from './images.js';
import { type ScenarioName, scenarioForCpf } from './scenarios.js';

/** Credentials the emulator accepts, made for you: pass them to `IdCloudClient`. */
export interface EmulatorCredentials {
  /** Service account name; the assertion's issuer is `<accountName>@<tenantId>.iam.acesso.io`. */
  readonly accountName: string;
  /** Tenant id of the service account. */
  readonly tenantId: string;
  /** PKCS#8 PEM of a throwaway RSA-2048 key generated at start. */
  readonly privateKey: string;
  /** The APIKEY the emulated `/processes/v1` expects. */
  readonly apiKey: string;
}

/** Options of {@link createEmulator}. */
export interface EmulatorOptions {
  /** Lifetime of issued access tokens, in seconds. @default 3600 */
  readonly tokenTtlSeconds?: number;
  /** Delay before the token endpoint answers, in ms (a slow token service; also settable later on `emulator.tokenDelayMs`). @default 0 */
  readonly tokenDelayMs?: number;
  /** Clock used for token, assertion and capture expiry (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** @default 'emulator' */
  readonly accountName?: string;
  /** @default 'emulator-tenant' */
  readonly tenantId?: string;
  /** @default a random key */
  readonly apiKey?: string;
}

/** A canned answer for the next CreateProcess request(s), replacing the scenario. */
export interface InjectedResponse {
  /** HTTP status to answer with. */
  readonly status: number;
  /** JSON-serialised unless a string. */
  readonly body?: unknown;
  /** Extra response headers, e.g. `retry-after`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One request the emulator received (test-only: bodies include what the SDK sent). */
export interface ReceivedRequest {
  /** HTTP method, e.g. `POST`. */
  readonly method: string;
  /** URL path, e.g. `/processes/v1`. */
  readonly path: string;
  /** Request headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body as received. */
  readonly body: string;
}

/** A stored process, for `GET /processes/v1/{id}`. */
interface StoredProcess {
  readonly body: Record<string, unknown>;
}

const ALLOWED_CLAIMS = new Set(['iss', 'aud', 'scope', 'iat', 'exp']);
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CAPTURE_TTL_MS = 10 * 60_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

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
  /** Every request received, oldest first. */
  readonly received: ReceivedRequest[] = [];

  readonly #now: () => number;
  readonly #tokenTtlMs: number;
  readonly #tokens = new Map<string, number>();
  readonly #usedAssertions = new Set<string>();
  readonly #captures = new Map<string, { expiresAt: number; used: boolean }>();
  readonly #processes = new Map<string, StoredProcess>();
  readonly #injected: InjectedResponse[] = [];

  constructor(options: EmulatorOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#tokenTtlMs = (options.tokenTtlSeconds ?? 3600) * 1000;
    this.tokenDelayMs = options.tokenDelayMs ?? 0;
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
   * Makes a stand-in for the capture SDK's `encrypted` payload: JWT-shaped, valid for 10 minutes,
   * accepted once (then 10508), as the real one.
   * @returns the opaque string to send as `imageBase64`
   */
  createCapture(): string {
    const id = randomUUID();
    const issuedAt = this.#now();
    this.#captures.set(id, { expiresAt: issuedAt + CAPTURE_TTL_MS, used: false });
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify({ cid: id, iat: Math.floor(issuedAt / 1000) }));
    return `${header}.${payload}.${randomBytes(64).toString('base64url')}`;
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
    const rejected = this.#checkAssertion(assertion, audience);
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
    const invalid = this.#validateBody(body);
    if (invalid) return invalid;
    const { subject, imageBase64 } = body as { subject: { code: string }; imageBase64: string };
    const scenario = scenarioForCpf(subject.code);
    const plainImage = !imageBase64.startsWith('eyJ');
    // A rate limiter answers before anything is processed: the capture is not consumed.
    if (!plainImage && scenario !== 'rate-limited') this.#consumeCapture(imageBase64);
    return this.#play(scenario, plainImage);
  }

  /** API: `GET /processes/v1/{id}`. */
  async handleGetProcess(request: Request, id: string): Promise<Response> {
    this.stats.getRequests++;
    this.#record(request, '');
    const denied = this.#checkHeaders(request);
    if (denied) return denied;
    const stored = this.#processes.get(id);
    if (!stored) return apiError(404, '40400', 'Processo não encontrado');
    return json(200, stored.body);
  }

  #record(request: Request, body: string): void {
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    this.received.push({ method: request.method, path: new URL(request.url).pathname, headers, body });
  }

  #checkAssertion(assertion: string, audience: string): string | undefined {
    const parts = assertion.split('.');
    if (parts.length !== 3) return '1.2.20';
    const [h, p, s] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
    } catch {
      return '1.2.20';
    }
    if (!isObject(header) || !isObject(claims)) return '1.2.20';
    if (header['alg'] !== 'RS256') return '1.2.5';
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${h}.${p}`),
      this.publicKey,
      Buffer.from(s, 'base64url'),
    );
    if (!signed) return '1.2.21';
    if (Object.keys(claims).some((name) => !ALLOWED_CLAIMS.has(name))) return '1.2.22';
    if (claims['scope'] === undefined) return '1.1.1';
    const issuer = /^(.+)@(.+)\.iam\.acesso\.io$/.exec(String(claims['iss']));
    if (!issuer) return '1.2.21';
    if (issuer[2] !== this.credentials.tenantId) return '1.0.1';
    if (issuer[1] !== this.credentials.accountName) return '1.2.21';
    if (claims['aud'] !== audience) return '1.2.5';
    const iat = claims['iat'];
    const exp = claims['exp'];
    if (typeof iat !== 'number' || typeof exp !== 'number') return '1.2.21';
    if (exp * 1000 <= this.#now()) return '1.2.4';
    if (exp - iat > 3600) return '1.2.5';
    const fingerprint = createHash('sha256').update(assertion).digest('hex');
    if (this.#usedAssertions.has(fingerprint)) return '1.2.7';
    this.#usedAssertions.add(fingerprint);
    return undefined;
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

  #validateBody(body: unknown): Response | undefined {
    if (typeof body !== 'object' || body === null) return apiError(400, '20003', 'Body ausente ou inválido');
    const { subject, imageBase64 } = body as { subject?: Record<string, unknown>; imageBase64?: unknown };
    if (typeof subject !== 'object' || subject === null) return apiError(400, '20004', 'subject ausente');
    if (!subject['code']) return apiError(400, '20005', 'subject.code ausente');
    if (!subject['name']) return apiError(400, '20006', 'subject.name ausente');
    if (typeof imageBase64 !== 'string' || imageBase64 === '')
      return apiError(400, '20009', 'imageBase64 ausente');
    const code = String(subject['code']);
    if (!/^\d{11}$/.test(code) || !isValidCpf(code)) return apiError(400, '20507', 'subject.code inválido');
    if (subject['gender'] !== undefined && !['M', 'F', ''].includes(String(subject['gender']))) {
      return apiError(400, '20508', 'subject.gender inválido');
    }
    if (subject['birthDate'] !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(subject['birthDate']))) {
      return apiError(400, '20019', 'subject.birthDate inválido');
    }
    return imageBase64.startsWith('eyJ') ? this.#checkCapture(imageBase64) : checkPlainImage(imageBase64);
  }

  #checkCapture(jwt: string): Response | undefined {
    const capture = this.#captureOf(jwt);
    if (!capture) return apiError(400, '10506', 'Bundle inválido: captura não emitida por este emulador');
    if (capture.used) return apiError(400, '10508', 'JWT da captura já utilizado');
    if (capture.expiresAt <= this.#now()) return apiError(400, '10507', 'JWT da captura expirado');
    return undefined;
  }

  #consumeCapture(jwt: string): void {
    const capture = this.#captureOf(jwt);
    if (capture) capture.used = true;
  }

  #captureOf(jwt: string): { expiresAt: number; used: boolean } | undefined {
    try {
      const id: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')).cid;
      return typeof id === 'string' ? this.#captures.get(id) : undefined;
    } catch {
      return undefined;
    }
  }

  #play(scenario: ScenarioName, plainImage: boolean): Response {
    // With a plain image Unico runs no liveness check and always reports liveness 1.
    const liveness = (value: 1 | 2) => (plainImage ? 1 : value);
    switch (scenario) {
      case 'rate-limited':
        return apiError(429, '42900', 'Too Many Requests', { 'retry-after': '1' });
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
    }
  }

  #store(fields: Record<string, unknown>): Response {
    const body = { id: randomUUID(), ...fields };
    this.#processes.set(body.id, { body });
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

function checkPlainImage(b64: string): Response | undefined {
  if (b64.startsWith('data:')) return apiError(400, '20505', 'Prefixo de imagem inválido');
  if (b64.length % 4 !== 0 || !BASE64.test(b64)) return apiError(400, '20900', 'Base64 inválido');
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length > MAX_PLAIN_IMAGE_BYTES) return apiError(400, '20506', 'Imagem maior que 800 KB');
  if (detectImageFormat(b64) === undefined) return apiError(400, '20505', 'Formato de imagem não suportado');
  const size = imageSize(bytes);
  if (!size) return apiError(400, '20505', 'Formato de imagem não suportado');
  if (size.width < 640 || size.height < 480) return apiError(400, '20807', 'Resolução abaixo de 640x480');
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function b64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      date: new Date().toUTCString(),
      ...headers,
    },
  });
}

function apiError(
  status: number,
  code: string,
  description: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, { error: { code, description } }, headers);
}

function respond(injected: InjectedResponse): Response {
  const body = typeof injected.body === 'string' ? injected.body : JSON.stringify(injected.body ?? {});
  return new Response(body, {
    status: injected.status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...injected.headers },
  });
}
