import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createEmulator,
  createSamplePng,
  type Emulator,
  type EmulatorOptions,
  SCENARIOS,
  type ScenarioName,
} from '../../src/testing/index.js';

const AUDIENCE = 'https://id.example.test';
const TOKEN_URL = `${AUDIENCE}/oauth2/token`;
const API_URL = 'https://api.example.test/processes/v1';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const OTHER_VALID_CPF = '52998224725';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const START = Date.UTC(2030, 0, 15, 12, 0, 0);
const PNG = createSamplePng();

type Json = Record<string, unknown>;

/** An emulator whose clock is a variable the test moves. */
function clockedEmulator(options: EmulatorOptions = {}): { emulator: Emulator; clock: { now: number } } {
  const clock = { now: START };
  return { emulator: createEmulator({ now: () => clock.now, ...options }), clock };
}

/** The five allowed claims, valid for `emulator` at time `nowMs`. */
function validClaims(emulator: Emulator, nowMs: number): Json {
  const iat = Math.floor(nowMs / 1000);
  const { accountName, tenantId } = emulator.credentials;
  return { iss: `${accountName}@${tenantId}.iam.acesso.io`, aud: AUDIENCE, scope: '*', iat, exp: iat + 300 };
}

/** Signs `claims` with RS256 and the emulator's key (or `key`). */
async function signAssertion(emulator: Emulator, claims: Json, key?: KeyObject): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .sign(key ?? createPrivateKey(emulator.credentials.privateKey));
}

/** A token request carrying `assertion`. */
function tokenRequest(
  assertion: string,
  { grantType = JWT_BEARER, contentType = 'application/x-www-form-urlencoded' } = {},
): Request {
  const body = new URLSearchParams({ grant_type: grantType, assertion }).toString();
  return new Request(TOKEN_URL, { method: 'POST', headers: { 'content-type': contentType }, body });
}

/** Sends a token request and returns status and parsed body. */
async function postToken(emulator: Emulator, request: Request): Promise<{ status: number; body: Json }> {
  const res = await emulator.handleToken(request, AUDIENCE);
  return { status: res.status, body: (await res.json()) as Json };
}

/** Signs `claims`, sends them to the token endpoint, and returns status and parsed body. */
async function exchange(emulator: Emulator, claims: Json): Promise<{ status: number; body: Json }> {
  return postToken(emulator, tokenRequest(await signAssertion(emulator, claims)));
}

function authFailure(code: string): Json {
  return { error: 'server_error', error_description: `Falha na autenticação ${code}` };
}

/** A fresh access token from the emulator, obtained through handleToken. */
let tokenSeq = 0;
async function tokenFor(emulator: Emulator, nowMs = Date.now()): Promise<string> {
  // RS256 is deterministic: vary exp so that two tokens asked within one second use distinct assertions.
  const claims = validClaims(emulator, nowMs);
  claims['exp'] = (claims['iat'] as number) + 600 + (tokenSeq++ % 3000);
  const { status, body } = await exchange(emulator, claims);
  expect(status).toBe(200);
  return body['access_token'] as string;
}

interface ProcessCall {
  readonly token?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly body: unknown;
}

/** POST /processes/v1 with a bearer token and APIKEY; a string body is sent as is. */
function processRequest({ token, apiKey, body }: ProcessCall): Request {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  if (apiKey !== undefined) headers['apikey'] = apiKey;
  return new Request(API_URL, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function processBody(code: string, imageBase64: string, subject: Json = {}): Json {
  return { subject: { code, name: 'Luke Skywalker', ...subject }, useCase: 'Onboarding', imageBase64 };
}

interface Reply {
  readonly status: number;
  readonly body: Json;
  readonly headers: Headers;
}

async function reply(res: Response): Promise<Reply> {
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

/** A client bound to one emulator and one token, for the process endpoint. */
function apiClient(emulator: Emulator, token: string) {
  const apiKey = emulator.credentials.apiKey;
  return {
    create: async (body: unknown): Promise<Reply> =>
      reply(await emulator.handleCreateProcess(processRequest({ token, apiKey, body }))),
    get: async (id: string): Promise<Reply> =>
      reply(
        await emulator.handleGetProcess(
          new Request(`${API_URL}/${id}`, { headers: { authorization: `Bearer ${token}`, apikey: apiKey } }),
          id,
        ),
      ),
  };
}

/** What a fresh emulator, which issued nothing, answers to `capture`. */
async function createEmulatorApi(capture: string): Promise<Reply> {
  const emulator = createEmulator();
  return apiClient(emulator, await tokenFor(emulator)).create(processBody(OTHER_VALID_CPF, capture));
}

function apiError(code: string): Json {
  return { error: { code, description: expect.any(String) } };
}

const b64 = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64');
const b64url = (text: string): string => Buffer.from(text).toString('base64url');

describe('Emulator token endpoint', () => {
  let emulator: Emulator;
  beforeAll(() => {
    emulator = createEmulator({ tokenTtlSeconds: 1234 });
  });

  it('issues a Bearer token with expires_in equal to tokenTtlSeconds for a valid assertion', async () => {
    const { status, body } = await exchange(emulator, validClaims(emulator, Date.now()));
    expect(status).toBe(200);
    expect(body).toEqual({ access_token: expect.any(String), expires_in: 1234, token_type: 'Bearer' });
    expect((body['access_token'] as string).length).toBeGreaterThan(20);
  });

  it('defaults the token lifetime to 3600 seconds', async () => {
    const defaults = createEmulator();
    const { body } = await exchange(defaults, validClaims(defaults, Date.now()));
    expect(body['expires_in']).toBe(3600);
  });

  it('issues a different token for each valid assertion', async () => {
    const a = await tokenFor(emulator);
    const b = await tokenFor(emulator);
    expect(a).not.toBe(b);
  });

  it.each(['jti', 'sub', 'nbf'])('rejects an assertion with an extra %s claim with 1.2.22', async (claim) => {
    const claims = validClaims(emulator, Date.now());
    const { status, body } = await exchange(emulator, {
      ...claims,
      [claim]: claim === 'nbf' ? claims['iat'] : 'x',
    });
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.22'));
  });

  it('rejects an assertion without scope with 1.1.1', async () => {
    const { scope: _scope, ...claims } = validClaims(emulator, Date.now());
    const { status, body } = await exchange(emulator, claims);
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.1.1'));
  });

  it('rejects an iss with the wrong tenant id with 1.0.1', async () => {
    const claims = validClaims(emulator, Date.now());
    const iss = `${emulator.credentials.accountName}@other-tenant.iam.acesso.io`;
    const { status, body } = await exchange(emulator, { ...claims, iss });
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.0.1'));
  });

  it('rejects an iss with the wrong account name with 1.2.21', async () => {
    const claims = validClaims(emulator, Date.now());
    const iss = `someone-else@${emulator.credentials.tenantId}.iam.acesso.io`;
    const { status, body } = await exchange(emulator, { ...claims, iss });
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.21'));
  });

  it('rejects an iss that is not of the form account@tenant.iam.acesso.io with 1.2.21', async () => {
    const claims = validClaims(emulator, Date.now());
    const { status, body } = await exchange(emulator, { ...claims, iss: emulator.credentials.accountName });
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.21'));
  });

  it('checks iss against the accountName and tenantId options', async () => {
    const custom = createEmulator({ accountName: 'acme', tenantId: 'acme-tenant' });
    expect(custom.credentials).toMatchObject({ accountName: 'acme', tenantId: 'acme-tenant' });
    const claims = { ...validClaims(custom, Date.now()), iss: 'acme@acme-tenant.iam.acesso.io' };
    expect((await exchange(custom, claims)).status).toBe(200);
    const wrong = { ...validClaims(custom, Date.now()), iss: 'emulator@emulator-tenant.iam.acesso.io' };
    expect((await exchange(custom, wrong)).body).toEqual(authFailure('1.0.1'));
  });

  it('rejects an assertion signed with another RSA key with 1.2.21', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const assertion = await signAssertion(emulator, validClaims(emulator, Date.now()), privateKey);
    const { status, body } = await postToken(emulator, tokenRequest(assertion));
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.21'));
  });

  it('rejects an assertion whose payload was altered after signing with 1.2.21', async () => {
    const assertion = await signAssertion(emulator, validClaims(emulator, Date.now()));
    const [h, , s] = assertion.split('.');
    const forged = { ...validClaims(emulator, Date.now()), scope: 'admin' };
    const { status, body } = await postToken(
      emulator,
      tokenRequest(`${h}.${b64url(JSON.stringify(forged))}.${s}`),
    );
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.21'));
  });

  it('rejects an HS256 assertion with 1.2.5', async () => {
    const assertion = await new SignJWT(validClaims(emulator, Date.now()))
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!'));
    const { status, body } = await postToken(emulator, tokenRequest(assertion));
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.5'));
  });

  it.each([
    ['another host', 'https://identity.acesso.io'],
    ['a trailing slash', `${AUDIENCE}/`],
    ['the token URL', TOKEN_URL],
  ])('rejects an aud that is %s with 1.2.5', async (_label, aud) => {
    const { status, body } = await exchange(emulator, { ...validClaims(emulator, Date.now()), aud });
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.5'));
  });

  it('expects as aud the audience passed to handleToken', async () => {
    const claims = { ...validClaims(emulator, Date.now()), aud: 'https://elsewhere.test' };
    const res = await emulator.handleToken(
      tokenRequest(await signAssertion(emulator, claims)),
      'https://elsewhere.test',
    );
    expect(res.status).toBe(200);
  });

  it('rejects an expired assertion with 1.2.4, by the injected clock', async () => {
    const { emulator: clocked, clock } = clockedEmulator();
    const claims = validClaims(clocked, clock.now); // exp = now + 300 s
    clock.now += 300_000;
    const { status, body } = await exchange(clocked, claims);
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.4'));
  });

  it('accepts an assertion one second before its exp, by the injected clock', async () => {
    const { emulator: clocked, clock } = clockedEmulator();
    const claims = validClaims(clocked, clock.now);
    clock.now += 299_000;
    expect((await exchange(clocked, claims)).status).toBe(200);
  });

  it('rejects exp more than 3600 s after iat with 1.2.5 and accepts exactly 3600 s', async () => {
    const claims = validClaims(emulator, Date.now());
    const iat = claims['iat'] as number;
    const tooLong = await exchange(emulator, { ...claims, exp: iat + 3601 });
    expect(tooLong.status).toBe(401);
    expect(tooLong.body).toEqual(authFailure('1.2.5'));
    expect((await exchange(emulator, { ...claims, exp: iat + 3600 })).status).toBe(200);
  });

  it('rejects the second use of the same assertion with 1.2.7', async () => {
    // Its own emulator: another test of this block may send the same claims within the same second.
    const fresh = createEmulator();
    const assertion = await signAssertion(fresh, validClaims(fresh, Date.now()));
    const first = await postToken(fresh, tokenRequest(assertion));
    const second = await postToken(fresh, tokenRequest(assertion));
    expect(first.status).toBe(200);
    expect(second.status).toBe(401);
    expect(second.body).toEqual(authFailure('1.2.7'));
  });

  it('does not mark a rejected assertion as used', async () => {
    const { emulator: clocked, clock } = clockedEmulator();
    // Sent with a clock that is too late: rejected as expired, then accepted once time is right.
    const claims = validClaims(clocked, clock.now);
    const assertion = await signAssertion(clocked, claims);
    clock.now += 400_000;
    expect((await postToken(clocked, tokenRequest(assertion))).body).toEqual(authFailure('1.2.4'));
    clock.now -= 400_000;
    expect((await postToken(clocked, tokenRequest(assertion))).status).toBe(200);
  });

  it.each([
    ['a plain word', 'not-a-jwt'],
    ['two segments', 'eyJhbGciOiJSUzI1NiJ9.eyJ9'],
    ['segments that are not JSON', 'abc.def.ghi'],
  ])('rejects an assertion that is %s with 1.2.20', async (_label, assertion) => {
    const { status, body } = await postToken(emulator, tokenRequest(assertion));
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.20'));
  });

  // Regression: a JSON `null` header or payload used to crash handleToken (500) instead of 1.2.20.
  it('rejects an assertion whose header decodes to JSON null with 1.2.20', async () => {
    const { status, body } = await postToken(emulator, tokenRequest(`bnVsbA.${b64url('{}')}.c2ln`));
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.20'));
  });

  // Regression: a JSON `null` header or payload used to crash handleToken (500) instead of 1.2.20.
  it('rejects a signed assertion whose payload decodes to JSON null with 1.2.20', async () => {
    const signingInput = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url('null')}`;
    const signature = sign(
      'RSA-SHA256',
      Buffer.from(signingInput),
      createPrivateKey(emulator.credentials.privateKey),
    );
    const assertion = `${signingInput}.${signature.toString('base64url')}`;
    const { status, body } = await postToken(emulator, tokenRequest(assertion));
    expect(status).toBe(401);
    expect(body).toEqual(authFailure('1.2.20'));
  });

  it('answers 400 unsupported_grant_type to another grant_type', async () => {
    const assertion = await signAssertion(emulator, validClaims(emulator, Date.now()));
    const { status, body } = await postToken(
      emulator,
      tokenRequest(assertion, { grantType: 'client_credentials' }),
    );
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
  });

  it('answers 400 invalid_request to a body that is not form-urlencoded', async () => {
    const assertion = await signAssertion(emulator, validClaims(emulator, Date.now()));
    const request = new Request(TOKEN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: JWT_BEARER, assertion }),
    });
    const { status, body } = await postToken(emulator, request);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('answers 400 invalid_request when the assertion field is missing', async () => {
    const request = new Request(TOKEN_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${encodeURIComponent(JWT_BEARER)}`,
    });
    const { status, body } = await postToken(emulator, request);
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
  });

  it('counts every token request and only the tokens it issued', async () => {
    const fresh = createEmulator();
    await tokenFor(fresh);
    await exchange(fresh, { ...validClaims(fresh, Date.now()), jti: '1' });
    await postToken(fresh, tokenRequest('garbage', { grantType: 'password' }));
    await tokenFor(fresh);
    expect(fresh.stats).toEqual({ tokenRequests: 4, tokensIssued: 2, processRequests: 0, getRequests: 0 });
  });

  it('records each token request it receives', async () => {
    const fresh = createEmulator();
    const assertion = await signAssertion(fresh, validClaims(fresh, Date.now()));
    await fresh.handleToken(tokenRequest(assertion), AUDIENCE);
    expect(fresh.received).toHaveLength(1);
    expect(fresh.received[0]).toEqual({
      method: 'POST',
      path: '/oauth2/token',
      headers: expect.objectContaining({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=${assertion}`,
    });
  });
});

describe('Emulator credentials', () => {
  it('generates a PKCS#8 RSA-2048 key whose public half is publicKey, and distinct keys per emulator', () => {
    const a = createEmulator();
    const b = createEmulator();
    const key = createPrivateKey(a.credentials.privateKey);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(a.credentials.privateKey.startsWith(`-----${'BEGIN'} PRIVATE KEY-----`)).toBe(true);
    expect(a.publicKey.export({ type: 'spki', format: 'pem' })).toBe(
      createPublicKey(key).export({ type: 'spki', format: 'pem' }),
    );
    expect(a.credentials.apiKey).not.toBe(b.credentials.apiKey);
    expect(a.credentials.privateKey).not.toBe(b.credentials.privateKey);
  });

  it('uses the names and API key given as options, and defaults the names', () => {
    const defaults = createEmulator();
    expect(defaults.credentials).toMatchObject({ accountName: 'emulator', tenantId: 'emulator-tenant' });
    expect(createEmulator({ apiKey: 'fixed-key' }).credentials.apiKey).toBe('fixed-key');
  });
});

describe('Emulator process endpoint: auth headers', () => {
  let emulator: Emulator;
  let token: string;
  beforeAll(async () => {
    emulator = createEmulator();
    token = await tokenFor(emulator);
  });
  const valid = () => processBody(OTHER_VALID_CPF, PNG);

  it('answers 400 20001 without Authorization', async () => {
    const res = await emulator.handleCreateProcess(
      processRequest({ apiKey: emulator.credentials.apiKey, body: valid() }),
    );
    expect(await reply(res)).toMatchObject({ status: 400, body: apiError('20001') });
  });

  it('answers 400 20002 without APIKEY', async () => {
    const res = await emulator.handleCreateProcess(processRequest({ token, body: valid() }));
    expect(await reply(res)).toMatchObject({ status: 400, body: apiError('20002') });
  });

  it('answers 401 10501 to a token it did not issue', async () => {
    const res = await emulator.handleCreateProcess(
      processRequest({ token: 'made-up-token', apiKey: emulator.credentials.apiKey, body: valid() }),
    );
    expect(await reply(res)).toMatchObject({ status: 401, body: apiError('10501') });
  });

  it('answers 401 10501 to an Authorization header that is not a Bearer token', async () => {
    const request = new Request(API_URL, {
      method: 'POST',
      headers: { authorization: `Basic ${token}`, apikey: emulator.credentials.apiKey },
      body: JSON.stringify(valid()),
    });
    expect(await reply(await emulator.handleCreateProcess(request))).toMatchObject({
      status: 401,
      body: apiError('10501'),
    });
  });

  it('answers 401 10501 to a token issued by another emulator', async () => {
    const other = createEmulator();
    const foreign = await tokenFor(other);
    const res = await emulator.handleCreateProcess(
      processRequest({ token: foreign, apiKey: emulator.credentials.apiKey, body: valid() }),
    );
    expect(await reply(res)).toMatchObject({ status: 401, body: apiError('10501') });
  });

  it('answers 403 10201 to a valid token with the wrong APIKEY', async () => {
    const res = await emulator.handleCreateProcess(
      processRequest({ token, apiKey: 'wrong-key', body: valid() }),
    );
    expect(await reply(res)).toMatchObject({ status: 403, body: apiError('10201') });
  });

  it('accepts a valid token with the right APIKEY', async () => {
    const { status, body } = await apiClient(emulator, token).create(valid());
    expect(status).toBe(200);
    expect(body).toEqual({ id: expect.stringMatching(UUID), status: 3, unicoId: { result: 'yes' } });
  });

  it('answers every error with a JSON content type', async () => {
    const res = await emulator.handleCreateProcess(processRequest({ token, body: valid() }));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('Emulator process endpoint: token expiry and revocation', () => {
  it('answers 401 10502 once the injected clock passes tokenTtlSeconds, and accepts the token until then', async () => {
    const { emulator, clock } = clockedEmulator({ tokenTtlSeconds: 60 });
    const token = await tokenFor(emulator, clock.now);
    const api = apiClient(emulator, token);
    clock.now += 59_999;
    expect((await api.create(processBody(OTHER_VALID_CPF, PNG))).status).toBe(200);
    clock.now += 2;
    expect(await api.create(processBody(OTHER_VALID_CPF, PNG))).toMatchObject({
      status: 401,
      body: apiError('10502'),
    });
  });

  it('answers 401 to every token issued before revokeTokens(), and accepts new ones', async () => {
    const emulator = createEmulator();
    const token = await tokenFor(emulator);
    expect((await apiClient(emulator, token).create(processBody(OTHER_VALID_CPF, PNG))).status).toBe(200);
    emulator.revokeTokens();
    expect(await apiClient(emulator, token).create(processBody(OTHER_VALID_CPF, PNG))).toMatchObject({
      status: 401,
      body: apiError('10501'),
    });
    const fresh = await tokenFor(emulator);
    expect((await apiClient(emulator, fresh).create(processBody(OTHER_VALID_CPF, PNG))).status).toBe(200);
  });
});

describe('Emulator process endpoint: body validation', () => {
  let emulator: Emulator;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    emulator = createEmulator();
    api = apiClient(emulator, await tokenFor(emulator));
  });

  it.each([
    ['not JSON', '{"subject":'],
    ['JSON null', 'null'],
    ['a JSON string', '"hello"'],
  ])('answers 400 20003 to a body that is %s', async (_label, body) => {
    expect(await api.create(body)).toMatchObject({ status: 400, body: apiError('20003') });
  });

  it('answers 400 20004 without subject', async () => {
    expect(await api.create({ imageBase64: PNG })).toMatchObject({ status: 400, body: apiError('20004') });
  });

  it('answers 400 20005 without subject.code', async () => {
    const body = { subject: { name: 'Luke' }, imageBase64: PNG };
    expect(await api.create(body)).toMatchObject({ status: 400, body: apiError('20005') });
  });

  it('answers 400 20006 without subject.name', async () => {
    const body = { subject: { code: OTHER_VALID_CPF }, imageBase64: PNG };
    expect(await api.create(body)).toMatchObject({ status: 400, body: apiError('20006') });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not a string', 42],
  ])('answers 400 20009 when imageBase64 is %s', async (_label, imageBase64) => {
    const body = { subject: { code: OTHER_VALID_CPF, name: 'Luke' }, imageBase64 };
    expect(await api.create(body)).toMatchObject({ status: 400, body: apiError('20009') });
  });

  it.each([
    ['a wrong second check digit', '52998224726'],
    ['a wrong first check digit', '52998224735'],
    ['a base digit changed', '52998224825'],
    ['repeated digits', '11111111111'],
    ['dots and dash', '529.982.247-25'],
    ['ten digits', '5299822472'],
  ])('answers 400 20507 to a CPF with %s', async (_label, code) => {
    expect(await api.create(processBody(code, PNG))).toMatchObject({ status: 400, body: apiError('20507') });
  });

  it("answers 400 20508 to gender 'X' and accepts M, F and empty", async () => {
    expect(await api.create(processBody(OTHER_VALID_CPF, PNG, { gender: 'X' }))).toMatchObject({
      status: 400,
      body: apiError('20508'),
    });
    for (const gender of ['M', 'F', '']) {
      expect((await api.create(processBody(OTHER_VALID_CPF, PNG, { gender }))).status).toBe(200);
    }
  });

  it("answers 400 20019 to birthDate '20/05/2000' and accepts '2000-05-20'", async () => {
    expect(await api.create(processBody(OTHER_VALID_CPF, PNG, { birthDate: '20/05/2000' }))).toMatchObject({
      status: 400,
      body: apiError('20019'),
    });
    expect((await api.create(processBody(OTHER_VALID_CPF, PNG, { birthDate: '2000-05-20' }))).status).toBe(
      200,
    );
  });

  it('answers 400 20505 to an image with a data: prefix', async () => {
    const body = processBody(OTHER_VALID_CPF, `data:image/png;base64,${PNG}`);
    expect(await api.create(body)).toMatchObject({ status: 400, body: apiError('20505') });
  });

  it.each([
    ['a character outside the alphabet', `${PNG.slice(0, 40)}*${PNG.slice(41)}`],
    ['a length that is not a multiple of 4', PNG.slice(0, -1)],
    ['a line break', `${PNG.slice(0, 76)}\n${PNG.slice(76, -3)}`],
    ['padding in the middle', `iVBO=w0KGgoA${PNG.slice(12)}`],
  ])('answers 400 20900 to base64 with %s', async (_label, image) => {
    expect(await api.create(processBody(OTHER_VALID_CPF, image))).toMatchObject({
      status: 400,
      body: apiError('20900'),
    });
  });

  it('answers 400 20506 to an image larger than 800 KB, and accepts exactly 800 KB', async () => {
    const big = Buffer.alloc(800 * 1024 + 1);
    Buffer.from(PNG, 'base64').copy(big);
    expect(await api.create(processBody(OTHER_VALID_CPF, b64(big)))).toMatchObject({
      status: 400,
      body: apiError('20506'),
    });
    const limit = Buffer.alloc(800 * 1024);
    Buffer.from(PNG, 'base64').copy(limit);
    expect((await api.create(processBody(OTHER_VALID_CPF, b64(limit)))).status).toBe(200);
  });

  it('answers 400 20505 to a GIF', async () => {
    const gif = b64(
      Buffer.concat([Buffer.from('GIF89a'), Buffer.from([0x80, 0x02, 0xe0, 0x01]), Buffer.alloc(200)]),
    );
    expect(await api.create(processBody(OTHER_VALID_CPF, gif))).toMatchObject({
      status: 400,
      body: apiError('20505'),
    });
  });

  it('answers 400 20505 to a PNG signature without an IHDR', async () => {
    const stub = b64(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]));
    expect(await api.create(processBody(OTHER_VALID_CPF, stub))).toMatchObject({
      status: 400,
      body: apiError('20505'),
    });
  });

  it.each([
    [320, 240],
    [639, 480],
    [640, 479],
  ])('answers 400 20807 to a %ix%i PNG', async (w, h) => {
    expect(await api.create(processBody(OTHER_VALID_CPF, createSamplePng(w, h)))).toMatchObject({
      status: 400,
      body: apiError('20807'),
    });
  });

  it('accepts a 640x480 JPEG (SOF0 after APP0)', async () => {
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x48, 0x00,
      0x48, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0xe0, 0x02, 0x80, 0x03, 0x01, 0x22, 0x00, 0x02,
      0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9,
    ]);
    expect((await api.create(processBody(OTHER_VALID_CPF, b64(jpeg)))).status).toBe(200);
  });
});

describe('Emulator process endpoint: SDK captures', () => {
  it('answers 400 10506 to a JWT-shaped capture it did not issue', async () => {
    const emulator = createEmulator();
    const api = apiClient(emulator, await tokenFor(emulator));
    const foreign = createEmulator().createCapture();
    const madeUp = `${b64url('{"alg":"ES256"}')}.${b64url('{"cid":"nope"}')}.c2lnbmF0dXJl`;
    const garbled = `${b64url('{"alg":"ES256"}')}.not-json.c2ln`;
    for (const capture of [foreign, madeUp, garbled]) {
      expect(await api.create(processBody(OTHER_VALID_CPF, capture))).toMatchObject({
        status: 400,
        body: apiError('10506'),
      });
    }
  });

  it('makes captures that look like a JWT', () => {
    const capture = createEmulator().createCapture();
    expect(capture.startsWith('eyJ')).toBe(true);
    expect(capture.split('.')).toHaveLength(3);
    expect(capture).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['2 segments', 'eyJhbGciOiJFUzI1NiJ9.c2lnbmF0dXJl'],
    ['no dots', 'k3YabcDEFiv0123456789Q2lwaGVydGV4dA'],
    ['a "v2:" prefix', 'v2:eyJhbGciOiJFUzI1NiJ9.e30.c2ln'],
    ['characters that JSON escapes', 'v2:"quoted"\\back\u0001slash-ção'],
    ['standard base64 that is not an image', Buffer.from('opaque bytes').toString('base64')],
  ])(
    'accepts an issued capture with %s, once, and treats it as a capture (liveness checked)',
    async (_what, shape) => {
      const emulator = createEmulator();
      const api = apiClient(emulator, await tokenFor(emulator));
      const capture = emulator.createCapture(shape);
      expect(capture).toBe(shape);
      const failed = await api.create(processBody(SCENARIOS['inconclusive-liveness-failed'].cpf, capture));
      expect(failed).toMatchObject({ status: 200, body: { liveness: 2 } });
      expect(await api.create(processBody(OTHER_VALID_CPF, capture))).toMatchObject({
        status: 400,
        body: apiError('10508'),
      });
      expect(await createEmulatorApi(shape)).toMatchObject({ status: 400, body: apiError('10506') });
    },
  );

  it('answers 400 10508 to a capture used a second time', async () => {
    const emulator = createEmulator();
    const api = apiClient(emulator, await tokenFor(emulator));
    const capture = emulator.createCapture();
    expect((await api.create(processBody(OTHER_VALID_CPF, capture))).status).toBe(200);
    expect(await api.create(processBody(OTHER_VALID_CPF, capture))).toMatchObject({
      status: 400,
      body: apiError('10508'),
    });
  });

  it('answers 400 10507 to a capture older than 10 minutes, and accepts one just younger', async () => {
    const { emulator, clock } = clockedEmulator();
    const old = emulator.createCapture();
    clock.now += 60_000;
    const young = emulator.createCapture();
    clock.now += 9 * 60_000 + 1;
    const api = apiClient(emulator, await tokenFor(emulator, clock.now));
    expect(await api.create(processBody(OTHER_VALID_CPF, old))).toMatchObject({
      status: 400,
      body: apiError('10507'),
    });
    expect((await api.create(processBody(OTHER_VALID_CPF, young))).status).toBe(200);
  });

  it('does not consume a capture when the request is rejected by validation', async () => {
    const emulator = createEmulator();
    const api = apiClient(emulator, await tokenFor(emulator));
    const capture = emulator.createCapture();
    expect((await api.create(processBody(OTHER_VALID_CPF, capture, { gender: 'X' }))).status).toBe(400);
    expect((await api.create(processBody(OTHER_VALID_CPF, capture))).status).toBe(200);
  });
});

const EXPECTED: Record<ScenarioName, { status: number; body: Json }> = {
  verified: { status: 200, body: { id: expect.stringMatching(UUID), status: 3, unicoId: { result: 'yes' } } },
  'not-verified': {
    status: 200,
    body: { id: expect.stringMatching(UUID), status: 3, unicoId: { result: 'no' } },
  },
  'inconclusive-liveness-passed': {
    status: 200,
    body: { id: expect.stringMatching(UUID), status: 3, unicoId: { result: 'inconclusive' }, liveness: 1 },
  },
  'inconclusive-liveness-failed': {
    status: 200,
    body: { id: expect.stringMatching(UUID), status: 3, unicoId: { result: 'inconclusive' }, liveness: 2 },
  },
  'process-error': { status: 200, body: { id: expect.stringMatching(UUID), status: 5 } },
  processing: { status: 200, body: { id: expect.stringMatching(UUID), status: 1 } },
  canceled: { status: 200, body: { id: expect.stringMatching(UUID), status: 4 } },
  'rate-limited': { status: 429, body: apiError('42900') },
  'server-error': { status: 503, body: apiError('50300') },
  'cpf-not-found': { status: 400, body: apiError('20507') },
};

describe('Emulator scenarios', () => {
  let emulator: Emulator;
  let api: ReturnType<typeof apiClient>;
  beforeAll(async () => {
    emulator = createEmulator();
    api = apiClient(emulator, await tokenFor(emulator));
  });

  it('selects each scenario by a fixed, valid CPF (check digits computed by hand)', () => {
    expect(Object.fromEntries(Object.values(SCENARIOS).map((s) => [s.name, s.cpf]))).toEqual({
      verified: '10000000108',
      'not-verified': '10000000280',
      'inconclusive-liveness-passed': '10000000361',
      'inconclusive-liveness-failed': '10000000442',
      'process-error': '10000000523',
      processing: '10000000604',
      canceled: '10000000795',
      'rate-limited': '10000000876',
      'server-error': '10000000957',
      'cpf-not-found': '10000001090',
    });
  });

  it('has one distinct valid CPF per scenario name', () => {
    const names = Object.keys(SCENARIOS).sort();
    expect(names).toEqual(Object.keys(EXPECTED).sort());
    const cpfs = Object.values(SCENARIOS).map((s) => s.cpf);
    expect(new Set(cpfs).size).toBe(cpfs.length);
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      expect(scenario.name).toBe(name);
      expect(scenario.cpf).toMatch(/^\d{11}$/);
    }
  });

  it.each(Object.values(SCENARIOS).map((s) => [s.name, s] as const))(
    'answers the documented %s response to an SDK capture',
    async (name, scenario) => {
      const res = await api.create(processBody(scenario.cpf, emulator.createCapture()));
      expect(res.status).toBe(EXPECTED[name].status);
      expect(res.body).toEqual(EXPECTED[name].body);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    },
  );

  it.each([0, 30])(
    'sends the Retry-After given as retryAfterSeconds (%i) with the rate-limited answer',
    async (seconds) => {
      const other = createEmulator({ retryAfterSeconds: seconds });
      const res = await apiClient(other, await tokenFor(other)).create(
        processBody(SCENARIOS['rate-limited'].cpf, other.createCapture()),
      );
      expect(res.headers.get('retry-after')).toBe(String(seconds));
      other.retryAfterSeconds = 2;
      const later = await apiClient(other, await tokenFor(other)).create(
        processBody(SCENARIOS['rate-limited'].cpf, other.createCapture()),
      );
      expect(later.headers.get('retry-after')).toBe('2');
    },
  );

  it('sends Retry-After: 1 with the rate-limited answer', async () => {
    const res = await api.create(processBody(SCENARIOS['rate-limited'].cpf, emulator.createCapture()));
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it.each(['inconclusive-liveness-passed', 'inconclusive-liveness-failed'] as const)(
    'reports liveness 1 for %s when a plain image was sent',
    async (name) => {
      const res = await api.create(processBody(SCENARIOS[name].cpf, PNG));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        status: 3,
        unicoId: { result: 'inconclusive' },
        liveness: 1,
      });
    },
  );

  it.each(['verified', 'not-verified', 'process-error', 'rate-limited', 'cpf-not-found'] as const)(
    'answers %s to a plain image as to a capture',
    async (name) => {
      const res = await api.create(processBody(SCENARIOS[name].cpf, PNG));
      expect(res.status).toBe(EXPECTED[name].status);
      expect(res.body).toEqual(EXPECTED[name].body);
    },
  );

  it('does not consume the capture on a rate-limited answer: the same capture then succeeds', async () => {
    const capture = emulator.createCapture();
    expect((await api.create(processBody(SCENARIOS['rate-limited'].cpf, capture))).status).toBe(429);
    const retried = await api.create(processBody(OTHER_VALID_CPF, capture));
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(EXPECTED.verified.body);
    expect(await api.create(processBody(OTHER_VALID_CPF, capture))).toMatchObject({
      status: 400,
      body: apiError('10508'),
    });
  });

  it('answers verified to any other valid CPF', async () => {
    for (const cpf of [OTHER_VALID_CPF, '11144477735']) {
      const res = await api.create(processBody(cpf, emulator.createCapture()));
      expect(res).toMatchObject({ status: 200, body: EXPECTED.verified.body });
    }
  });

  it('gives every process a new id', async () => {
    const a = await api.create(processBody(OTHER_VALID_CPF, PNG));
    const b = await api.create(processBody(OTHER_VALID_CPF, PNG));
    expect(a.body['id']).not.toBe(b.body['id']);
  });
});

describe('Emulator inject()', () => {
  it('overrides the next answer only', async () => {
    const emulator = createEmulator();
    const api = apiClient(emulator, await tokenFor(emulator));
    emulator.inject({ status: 502, body: { error: { code: '50200', description: 'Bad gateway' } } });
    const injected = await api.create(processBody(OTHER_VALID_CPF, PNG));
    expect(injected).toMatchObject({
      status: 502,
      body: { error: { code: '50200', description: 'Bad gateway' } },
    });
    const next = await api.create(processBody(OTHER_VALID_CPF, PNG));
    expect(next).toMatchObject({ status: 200, body: EXPECTED.verified.body });
  });

  it('plays several injected answers in order, with their headers and raw string bodies', async () => {
    const emulator = createEmulator();
    const api = apiClient(emulator, await tokenFor(emulator));
    emulator.inject(
      {
        status: 429,
        body: { error: { code: '42900', description: 'slow down' } },
        headers: { 'retry-after': '7' },
      },
      { status: 200, body: '{"id":"fixed","status":3,"unicoId":{"result":"no"}}' },
    );
    const first = await api.create(processBody(OTHER_VALID_CPF, PNG));
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('7');
    const second = await api.create(processBody(OTHER_VALID_CPF, PNG));
    expect(second).toMatchObject({
      status: 200,
      body: { id: 'fixed', status: 3, unicoId: { result: 'no' } },
    });
    expect((await api.create(processBody(OTHER_VALID_CPF, PNG))).body).toEqual(EXPECTED.verified.body);
  });

  it('keeps the injected answer for a request that passes the auth checks', async () => {
    const emulator = createEmulator();
    const token = await tokenFor(emulator);
    emulator.inject({ status: 500, body: { error: { code: '50000', description: 'boom' } } });
    const denied = await emulator.handleCreateProcess(
      processRequest({
        token: 'unknown',
        apiKey: emulator.credentials.apiKey,
        body: processBody(OTHER_VALID_CPF, PNG),
      }),
    );
    expect(await reply(denied)).toMatchObject({ status: 401, body: apiError('10501') });
    expect((await apiClient(emulator, token).create(processBody(OTHER_VALID_CPF, PNG))).status).toBe(500);
  });
});

describe('Emulator GET /processes/v1/{id}', () => {
  it('returns the stored body of a created process', async () => {
    const emulator = createEmulator();
    const api = apiClient(emulator, await tokenFor(emulator));
    const created = await api.create(
      processBody(SCENARIOS['inconclusive-liveness-failed'].cpf, emulator.createCapture()),
    );
    const id = created.body['id'] as string;
    const fetched = await api.get(id);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
    expect(fetched.body).toEqual({ id, status: 3, unicoId: { result: 'inconclusive' }, liveness: 2 });
  });

  it('answers 404 to an unknown id', async () => {
    const emulator = createEmulator();
    const api = apiClient(emulator, await tokenFor(emulator));
    expect(await api.get('00000000-0000-4000-8000-000000000000')).toMatchObject({
      status: 404,
      body: apiError('40400'),
    });
  });

  it('checks the auth headers like POST', async () => {
    const emulator = createEmulator();
    const api = apiClient(emulator, await tokenFor(emulator));
    const { body } = await api.create(processBody(OTHER_VALID_CPF, PNG));
    const id = body['id'] as string;
    const noAuth = await emulator.handleGetProcess(new Request(`${API_URL}/${id}`), id);
    expect(await reply(noAuth)).toMatchObject({ status: 400, body: apiError('20001') });
    const badToken = await emulator.handleGetProcess(
      new Request(`${API_URL}/${id}`, {
        headers: { authorization: 'Bearer nope', apikey: emulator.credentials.apiKey },
      }),
      id,
    );
    expect(await reply(badToken)).toMatchObject({ status: 401, body: apiError('10501') });
  });

  it('counts process and get requests and records them', async () => {
    const emulator = createEmulator();
    const token = await tokenFor(emulator);
    const api = apiClient(emulator, token);
    const { body } = await api.create(processBody(OTHER_VALID_CPF, PNG));
    await api.create('not json');
    await api.get(body['id'] as string);
    expect(emulator.stats).toEqual({ tokenRequests: 1, tokensIssued: 1, processRequests: 2, getRequests: 1 });
    expect(emulator.received.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /oauth2/token',
      'POST /processes/v1',
      'POST /processes/v1',
      `GET /processes/v1/${body['id'] as string}`,
    ]);
    expect(emulator.received[1]?.headers['authorization']).toBe(`Bearer ${token}`);
    expect(emulator.received[2]?.body).toBe('not json');
  });
});
