import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { exchangeAssertion } from '../../src/auth/token-exchange.js';
import { createTokenFetcher } from '../../src/auth/token-provider.js';
import { TokenError } from '../../src/errors.js';
import { type Transport, TransportError, type TransportRequest } from '../../src/http/transport.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error | string;

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A transport that answers from a script (a string or Error is thrown) and records the assertions. */
function scripted(replies: Reply[], onRequest?: (n: number) => void): Transport & { assertions: string[] } {
  const assertions: string[] = [];
  return {
    assertions,
    async request(req: TransportRequest) {
      assertions.push(
        new URLSearchParams(typeof req.body === 'string' ? req.body : '').get('assertion') ?? '',
      );
      onRequest?.(assertions.length);
      const reply = replies.shift() ?? { status: 200, body: { access_token: 'tok', expires_in: 3600 } };
      if (typeof reply === 'string' || reply instanceof Error) throw reply;
      return { status: reply.status, headers: reply.headers ?? {}, body: JSON.stringify(reply.body ?? {}) };
    },
  };
}

function fetcher(
  transport: Transport,
  overrides: { maxRetries?: number; timeoutMs?: number; key?: KeyObject } = {},
) {
  const fetch = createTokenFetcher({
    transport,
    tokenUrl: 'https://id.example.com/oauth2/token',
    issuer: 'acct@tenant.iam.acesso.io',
    audience: 'https://id.example.com',
    key: overrides.key ?? privateKey,
    timeoutMs: overrides.timeoutMs ?? 5_000,
    maxRetries: overrides.maxRetries ?? 2,
  });
  return (signal = new AbortController().signal) => fetch(signal);
}

const payloadOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString());
const unico = (code: string, status = 401) => ({
  status,
  body: { error: 'server_error', error_description: `Falha na autenticação ${code}` },
});

/** A token endpoint that never answers (rejects once the request's signal fires). */
const hanging: Transport = {
  request: (req) =>
    new Promise((_, reject) => req.signal.addEventListener('abort', () => reject(req.signal.reason))),
};

async function tokenError(promise: Promise<unknown>): Promise<TokenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  return err as TokenError;
}

describe('token fetcher', () => {
  it('never sends the same assertion twice, even within one second', async () => {
    const transport = scripted([]);
    const fetch = fetcher(transport);
    for (let i = 0; i < 50; i++) await fetch();
    expect(new Set(transport.assertions).size).toBe(50);
    for (const a of transport.assertions) {
      const claims = payloadOf(a);
      expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'scope']);
      expect(claims.exp - claims.iat).toBeGreaterThan(0);
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(3600);
    }
  });

  it('returns the token with an expiry from expires_in', async () => {
    const before = Date.now();
    const token = await fetcher(
      scripted([{ status: 200, body: { access_token: 'abc', expires_in: 120 } }]),
    )();
    expect(token.accessToken).toBe('abc');
    expect(token.lifetimeSeconds).toBe(120);
    expect(token.expiresAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(token.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
  });

  it('does not retry a 1.x.x rejection such as 1.2.18 (account locked)', async () => {
    const transport = scripted([unico('1.2.18')]);
    const err = await tokenError(fetcher(transport)());
    expect(err).toMatchObject({
      unicoCode: '1.2.18',
      httpStatus: 401,
      oauthError: 'server_error',
      reason: 'rejected',
    });
    expect(transport.assertions).toHaveLength(1);
  });

  it('does not retry a 5xx that carries a Unico code', async () => {
    const transport = scripted([unico('1.2.22', 500)]);
    expect((await tokenError(fetcher(transport)())).unicoCode).toBe('1.2.22');
    expect(transport.assertions).toHaveLength(1);
  });

  it('retries 1.2.4 and 1.2.7 exactly once with a fresh assertion', async () => {
    const once = scripted([unico('1.2.7')]);
    expect((await fetcher(once)()).accessToken).toBe('tok');
    expect(once.assertions).toHaveLength(2);
    expect(once.assertions[0]).not.toBe(once.assertions[1]);

    const twice = scripted([unico('1.2.4'), unico('1.2.4')]);
    expect((await tokenError(fetcher(twice)())).unicoCode).toBe('1.2.4');
    expect(twice.assertions).toHaveLength(2);
  });

  it('dates the fresh assertion by the server clock after an expired-assertion rejection', async () => {
    const serverNow = Date.now() + 3_600_000;
    const transport = scripted([{ ...unico('1.2.4'), headers: { date: new Date(serverNow).toUTCString() } }]);
    await fetcher(transport)();
    const retried = payloadOf(transport.assertions[1] ?? '');
    expect(Math.abs(retried.iat * 1000 - serverNow)).toBeLessThan(5_000);
  });

  it('retries 5xx without a code and 429, then succeeds', async () => {
    const transport = scripted([
      { status: 503, body: {} },
      { status: 429, body: {}, headers: { 'retry-after': '0' } },
    ]);
    expect((await fetcher(transport)()).accessToken).toBe('tok');
    expect(transport.assertions).toHaveLength(3);
  });

  it('gives up after maxRetries transient failures', async () => {
    const transport = scripted([{ status: 502 }, { status: 502 }]);
    const err = await tokenError(fetcher(transport, { maxRetries: 1 })());
    expect(err).toMatchObject({ httpStatus: 502, reason: 'rejected' });
    expect(transport.assertions).toHaveLength(2);
  });

  it('retries connection failures and reports them as network errors', async () => {
    const refused = () => new TransportError('connect', 'connection failed (ECONNREFUSED)');
    const transport = scripted([refused(), refused()]);
    const err = await tokenError(fetcher(transport, { maxRetries: 1 })());
    expect(err.reason).toBe('network');
    expect(transport.assertions).toHaveLength(2);
  });

  it('retries any error a transport throws, and names it without quoting its message', async () => {
    const odd = () => new TypeError('socket said SECRET-VALUE');
    const transport = scripted([odd(), odd()]);
    const err = await tokenError(fetcher(transport, { maxRetries: 1 })());
    expect(err).toMatchObject({
      reason: 'network',
      message: 'Token endpoint unreachable (TypeError from the transport)',
    });
    expect(transport.assertions).toHaveLength(2);
  });

  it('rejects a success body without access_token as an invalid response', async () => {
    const err = await tokenError(fetcher(scripted([{ status: 200, body: { expires_in: 10 } }]))());
    expect(err).toMatchObject({ reason: 'invalid-response', httpStatus: 200 });
    expect(err.message).toContain('access_token');
  });

  it('reports a timeout when the token endpoint never answers', async () => {
    const err = await tokenError(fetcher(hanging, { timeoutMs: 50 })());
    expect(err.reason).toBe('timeout');
    expect(err.message).toBe('Token endpoint did not answer within 50 ms');
  });

  it('names the attempt budget when one attempt timed out and no retry is left', async () => {
    const fetch = createTokenFetcher({
      transport: hanging,
      tokenUrl: 'https://id.example.com/oauth2/token',
      issuer: 'acct@tenant.iam.acesso.io',
      audience: 'https://id.example.com',
      key: privateKey,
      timeoutMs: 5_000,
      attemptTimeoutMs: 30,
      maxRetries: 0,
    });
    const err = await tokenError(fetch(new AbortController().signal));
    expect(err.message).toBe('Token endpoint unreachable (no answer within 30 ms)');
  });
});

describe('token exchange outcomes', () => {
  const exchange = (reply: Reply) =>
    exchangeAssertion(
      scripted([reply]),
      'https://id.example.com/oauth2/token',
      'jwt',
      new AbortController().signal,
    );

  it.each([
    [
      { status: 401, body: { error: 'server_error', error_description: 'Falha 1.2.18' } },
      'HTTP 401, Unico code 1.2.18',
    ],
    [
      { status: 400, body: { error: 'invalid_grant', error_description: 'no code here' } },
      'HTTP 400, invalid_grant',
    ],
    [{ status: 500, body: {} }, 'HTTP 500, no error code'],
    [{ status: 300, body: { error: 'invalid_request' } }, 'HTTP 300, invalid_request'],
  ])('names the rejection: %o', async (reply, detail) => {
    const outcome = await exchange(reply);
    if (outcome.ok) throw new Error('expected a failure');
    expect(outcome.error.message).toBe(`Token request failed (${detail})`);
  });

  it('posts a form with the JWT-bearer grant and asks for JSON', async () => {
    const requests: TransportRequest[] = [];
    const transport = scripted([]);
    await exchangeAssertion(
      {
        request: (req) => {
          requests.push(req);
          return transport.request(req);
        },
      },
      'https://id.example.com/oauth2/token',
      'jwt',
      new AbortController().signal,
      { 'user-agent': 'ua' },
    );
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: 'https://id.example.com/oauth2/token',
      headers: {
        'user-agent': 'ua',
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=jwt',
    });
  });

  it('lists every unusable field of a success body, or "body" when it is not an object', async () => {
    const missing = await exchange({ status: 200, body: { token_type: 'Bearer' } });
    if (missing.ok) throw new Error('expected a failure');
    expect(missing.error.message).toBe('Token endpoint returned an unusable body (access_token, expires_in)');
    expect(missing.attempt).toEqual({ kind: 'unreadable' });
    const notObject = await exchange({ status: 200, body: ['x'] });
    if (notObject.ok) throw new Error('expected a failure');
    expect(notObject.error.message).toBe('Token endpoint returned an unusable body (body)');
  });
});

describe('token fetcher state', () => {
  const long = { timeoutMs: 120_000 };

  it('names a key jose cannot sign with without quoting its error', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const err = await tokenError(fetcher(scripted([]), { ...long, key: ec })());
    expect(err.message).toBe('Could not sign the client assertion: the key could not sign');
  });

  it('names a non-Error thrown by the transport as an unknown error', async () => {
    const err = await tokenError(fetcher(scripted(['boom']), { ...long, maxRetries: 0 })());
    expect(err.message).toBe('Token endpoint unreachable (unknown error from the transport)');
  });

  it('still retries with a fresh assertion after a transient retry', async () => {
    const transport = scripted([{ status: 503 }, unico('1.2.4')]);
    expect((await fetcher(transport, long)()).accessToken).toBe('tok');
    expect(transport.assertions).toHaveLength(3);
  });

  it('does not count the fresh-assertion retry against maxRetries', async () => {
    const transport = scripted([unico('1.2.7'), { status: 503 }]);
    expect((await fetcher(transport, { ...long, maxRetries: 1 })()).accessToken).toBe('tok');
    expect(transport.assertions).toHaveLength(3);
  });

  it('sends nothing more once the caller aborts during a retry wait', async () => {
    const controller = new AbortController();
    const reason = new Error('closed');
    const transport = scripted([{ status: 503, headers: { 'retry-after': '60' } }], () =>
      setTimeout(() => controller.abort(reason), 0),
    );
    const err = await fetcher(
      transport,
      long,
    )(controller.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBe(reason);
    expect(transport.assertions).toHaveLength(1);
  });

  it('keeps the learned clock skew when a later answer has no Date header', async () => {
    const serverNow = Date.now() + 3_600_000;
    const transport = scripted([
      { status: 503, headers: { date: new Date(serverNow).toUTCString() } },
      { status: 503 },
    ]);
    await fetcher(transport, long)();
    expect(transport.assertions).toHaveLength(3);
    expect(Math.abs(payloadOf(transport.assertions[2] ?? '').iat * 1000 - serverNow)).toBeLessThan(60_000);
  });

  it.each([
    [1_000, 0],
    [2_000, 0],
    [3_000, 3],
  ])('corrects the clock only for a skew above 2 s (server %i ms ahead)', async (aheadMs, shift) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    const date = new Date(1_700_000_000_000 + aheadMs).toUTCString();
    const transport = scripted([{ ...unico('1.2.4'), headers: { date } }]);
    await fetcher(transport, long)();
    expect(payloadOf(transport.assertions[1] ?? '').iat).toBe(1_700_000_000 + shift);
  });

  it('keeps assertion lifetimes distinct and within 120..900 s within one second', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const transport = scripted([unico('1.2.7')]);
    await fetcher(transport, long)();
    const lifetimes = transport.assertions.map((a) => payloadOf(a).exp - payloadOf(a).iat);
    expect(new Set(lifetimes).size).toBe(2);
    for (const l of lifetimes) expect(l >= 120 && l <= 900).toBe(true);
  });

  it('picks the first lifetime of each second at random (instances minting together differ), the next in turn', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const transport = scripted([unico('1.2.7')]);
    await fetcher(transport, long)();
    vi.setSystemTime(1_700_000_001_000);
    random.mockReturnValue(0.25);
    await fetcher(transport, long)();
    const lifetimes = transport.assertions.map((a) => payloadOf(a).exp - payloadOf(a).iat);
    // 120 s + floor(r × 781): r = 0.5 gives 510 s, its retry in the same second 511 s; r = 0.25, 315 s.
    expect(lifetimes).toEqual([510, 511, 315]);
  });

  it('leaves no timer running once a token is fetched', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    expect((await fetcher(scripted([]), long)()).accessToken).toBe('tok');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fails at once during the cooldown after a rejection, and tries again when it ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    const transport = scripted([unico('1.2.18')]);
    const fetch = fetcher(transport, long);
    const first = await tokenError(fetch());
    vi.setSystemTime(1_700_000_060_000 - 1);
    expect(await tokenError(fetch())).toBe(first);
    expect(transport.assertions).toHaveLength(1);
    vi.setSystemTime(1_700_000_060_000);
    expect((await fetch()).accessToken).toBe('tok');
    expect(transport.assertions).toHaveLength(2);
  });
});
