import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AbortedError,
  type AnyIdCloudError,
  ApiError,
  ClientClosedError,
  ERROR_CODES,
  IdCloudError,
  type IdCloudErrorCode,
  InvalidConfigError,
  InvalidInputError,
  InvalidResponseError,
  NetworkError,
  OutcomeUnknownError,
  RateLimitedError,
  TimeoutError,
  TokenError,
} from '../src/errors.js';

const cause = new Error('socket hang up: secret-token-abc');

const cases: ReadonlyArray<readonly [string, IdCloudErrorCode, () => IdCloudError]> = [
  [
    'InvalidConfigError',
    'ERR_INVALID_CONFIG',
    () => new InvalidConfigError([{ path: 'apiKey', message: 'is required' }]),
  ],
  [
    'InvalidInputError',
    'ERR_INVALID_INPUT',
    () => new InvalidInputError([{ path: 'subject.code', message: 'is not a valid CPF' }]),
  ],
  ['TokenError', 'ERR_TOKEN', () => new TokenError('Token rejected', { unicoCode: '1.2.22' })],
  ['ApiError', 'ERR_API', () => new ApiError({ httpStatus: 400, unicoCode: '20507' })],
  ['RateLimitedError', 'ERR_RATE_LIMITED', () => new RateLimitedError(1_500)],
  [
    'OutcomeUnknownError',
    'ERR_OUTCOME_UNKNOWN',
    () => new OutcomeUnknownError('server-error', { httpStatus: 502 }),
  ],
  ['TimeoutError', 'ERR_TIMEOUT', () => new TimeoutError(30_000)],
  ['AbortedError', 'ERR_ABORTED', () => new AbortedError(false)],
  ['NetworkError', 'ERR_NETWORK', () => new NetworkError('connect ECONNREFUSED')],
  [
    'InvalidResponseError',
    'ERR_INVALID_RESPONSE',
    () => new InvalidResponseError(200, [{ path: 'id', message: 'is missing' }]),
  ],
  ['ClientClosedError', 'ERR_CLIENT_CLOSED', () => new ClientClosedError({ requestId: 'r' })],
];

/** What another installed copy of the SDK would throw: same global brand, different class. */
function brandedByAnotherCopy(code: string): Error {
  const e = new Error('from another copy');
  Object.defineProperty(e, Symbol.for('unico-idcloud.error'), { value: true });
  Object.defineProperty(e, 'code', { value: code, enumerable: true });
  return e;
}

describe('error subclasses', () => {
  it('covers every code exactly once', () => {
    expect(cases.map(([, code]) => code).sort()).toEqual([...ERROR_CODES].sort());
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
  });

  it.each(cases)('%s has code %s, its own name, and is an Error and an IdCloudError', (name, code, make) => {
    const err = make();
    expect(err.code).toBe(code);
    expect(err.name).toBe(name);
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(IdCloudError);
    expect(IdCloudError.is(err)).toBe(true);
    expect(String(err).startsWith(`${name}: `)).toBe(true);
    expect(typeof err.stack).toBe('string');
  });

  it('keeps instanceof on a subclass a plain prototype check', () => {
    const api = new ApiError({ httpStatus: 403 });
    expect(api).toBeInstanceOf(ApiError);
    expect(api instanceof TokenError).toBe(false);
    expect(new TokenError('x') instanceof ApiError).toBe(false);
    expect(brandedByAnotherCopy('ERR_API') instanceof ApiError).toBe(false);
  });

  it('lists every issue of an input error in its message, with paths and no values', () => {
    const err = new InvalidInputError([
      { path: 'subject.code', message: 'is required' },
      { path: '', message: 'must be an object' },
    ]);
    expect(err.message).toBe('Invalid input: subject.code: is required; must be an object');
    expect(err.issues).toHaveLength(2);
  });

  it('describes an API rejection by HTTP status and Unico code; the server text stays off every rendering', () => {
    const err = new ApiError({ httpStatus: 400, unicoCode: '20507', description: 'CPF inválido' });
    expect(err.message).toBe('Unico API rejected the request (HTTP 400 code 20507)');
    expect(err.httpStatus).toBe(400);
    expect(err.unicoCode).toBe('20507');
    expect(err.description).toBe('CPF inválido');
    for (const rendering of [String(err), JSON.stringify(err), inspect(err), inspect(err, { depth: 9 })]) {
      expect(rendering).not.toContain('inválido');
    }
    const token = new TokenError('Token request failed', { description: 'Falha 1.2.21 LUKE' });
    expect(token.description).toBe('Falha 1.2.21 LUKE');
    expect(`${String(token)} ${JSON.stringify(token)} ${inspect(token)}`).not.toContain('LUKE');
    expect(new ApiError({ httpStatus: 403 }).message).toBe('Unico API rejected the request (HTTP 403)');
  });

  it('gives a token error the reason "rejected" unless told otherwise', () => {
    expect(new TokenError('x').reason).toBe('rejected');
    expect(new TokenError('x', { reason: 'timeout' }).reason).toBe('timeout');
  });

  it('exposes 429 and the wait on a rate-limit error', () => {
    const err = new RateLimitedError(1_500);
    expect(err.httpStatus).toBe(429);
    expect(err.retryAfterMs).toBe(1_500);
  });

  it('says whether the request had been sent in an abort error', () => {
    expect(new AbortedError(true).requestSent).toBe(true);
    expect(new AbortedError(true).message).toMatch(/after the request was sent/);
    expect(new AbortedError(false).message).toBe('Aborted by the caller');
  });

  it('carries the request id given in the context', () => {
    expect(new TimeoutError(1, { requestId: 'req-1' }).requestId).toBe('req-1');
    expect(new TimeoutError(1).requestId).toBeUndefined();
  });
});

describe('IdCloudError.is and instanceof IdCloudError', () => {
  it('accept an error branded by another copy of the package', () => {
    const foreign = brandedByAnotherCopy('ERR_TIMEOUT');
    expect(IdCloudError.is(foreign)).toBe(true);
    expect(foreign instanceof IdCloudError).toBe(true);
  });

  it('accept a branded object even when its code is not one this copy knows', () => {
    const foreign = brandedByAnotherCopy('ERR_FROM_A_NEWER_VERSION');
    expect(IdCloudError.is(foreign)).toBe(true);
  });

  it('reject plain errors', () => {
    for (const e of [
      new Error('x'),
      new TypeError('x'),
      new RangeError('x'),
      Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    ]) {
      expect(IdCloudError.is(e)).toBe(false);
      expect(e instanceof IdCloudError).toBe(false);
    }
  });

  it('reject non-errors', () => {
    for (const v of [undefined, null, 0, 'ERR_API', true, {}, [], { code: 'ERR_API' }, () => undefined]) {
      expect(IdCloudError.is(v)).toBe(false);
      expect(v instanceof IdCloudError).toBe(false);
    }
  });

  it('reject an object whose brand is not exactly true', () => {
    const e = new Error('x');
    Object.defineProperty(e, Symbol.for('unico-idcloud.error'), { value: 'yes' });
    expect(IdCloudError.is(e)).toBe(false);
  });

  // Regression: a bare code match made axios's ERR_NETWORK an IdCloudError; only the brand counts.
  it('reject an unbranded error from another library that uses a code like ERR_NETWORK', () => {
    const axiosLike = Object.assign(new Error('Network Error'), { name: 'AxiosError', code: 'ERR_NETWORK' });
    expect(IdCloudError.is(axiosLike)).toBe(false);
    expect(axiosLike instanceof IdCloudError).toBe(false);
  });
});

describe('narrowing on code', () => {
  it('narrows the union to the matching subclass in a switch', () => {
    const describe = (err: AnyIdCloudError): string => {
      switch (err.code) {
        case 'ERR_API':
          expectTypeOf(err).toEqualTypeOf<ApiError>();
          return `api ${err.httpStatus}`;
        case 'ERR_RATE_LIMITED':
          expectTypeOf(err).toEqualTypeOf<RateLimitedError>();
          return `wait ${err.retryAfterMs}`;
        case 'ERR_TOKEN':
          expectTypeOf(err).toEqualTypeOf<TokenError>();
          return `token ${err.reason}`;
        case 'ERR_INVALID_INPUT':
          expectTypeOf(err).toEqualTypeOf<InvalidInputError>();
          return `input ${err.issues.length}`;
        case 'ERR_OUTCOME_UNKNOWN':
          expectTypeOf(err).toEqualTypeOf<OutcomeUnknownError>();
          return `unknown ${err.reason}`;
        case 'ERR_ABORTED':
          expectTypeOf(err).toEqualTypeOf<AbortedError>();
          return `aborted ${err.requestSent}`;
        default:
          return err.code;
      }
    };
    expect(describe(new ApiError({ httpStatus: 404 }))).toBe('api 404');
    expect(describe(new RateLimitedError(7))).toBe('wait 7');
    expect(describe(new TokenError('x', { reason: 'network' }))).toBe('token network');
    expect(describe(new InvalidInputError([]))).toBe('input 0');
    expect(describe(new OutcomeUnknownError('timeout'))).toBe('unknown timeout');
    expect(describe(new AbortedError(true))).toBe('aborted true');
    expect(describe(new NetworkError('x'))).toBe('ERR_NETWORK');
  });

  it('narrows an unknown caught value through IdCloudError.is', () => {
    const caught: unknown = new RateLimitedError(10);
    if (!IdCloudError.is(caught)) throw new Error('expected an SDK error');
    expectTypeOf(caught).toEqualTypeOf<AnyIdCloudError>();
    expect(caught.code === 'ERR_RATE_LIMITED' ? caught.retryAfterMs : -1).toBe(10);
  });
});

describe('cause', () => {
  const withCause: readonly IdCloudError[] = [
    new InvalidConfigError([], { cause }),
    new InvalidInputError([], { cause }),
    new TokenError('x', { cause }),
    new ApiError({ httpStatus: 400, cause }),
    new RateLimitedError(1, { cause }),
    new OutcomeUnknownError('connection-lost', { cause }),
    new TimeoutError(1, { cause }),
    new AbortedError(true, { cause }),
    new NetworkError('x', { cause }),
    new InvalidResponseError(200, [], { cause }),
  ];

  it.each(cases)('%s has no cause when none is given', (_name, _code, make) => {
    const err = make();
    expect(err.cause).toBeUndefined();
    expect(Object.hasOwn(err, 'cause')).toBe(false);
  });

  it.each(withCause.map((err) => [err.name, err] as const))('%s passes the cause through', (_name, err) => {
    expect(err.cause).toBe(cause);
  });

  it.each(withCause.map((err) => [err.name, err] as const))(
    '%s keeps the cause out of JSON.stringify',
    (_name, err) => {
      const json = JSON.stringify(err);
      expect(json).not.toContain('cause');
      expect(json).not.toContain('secret-token-abc');
      expect(JSON.parse(json)).toMatchObject({ code: err.code, name: err.name });
    },
  );

  it('serialises the allow-listed fields of an error', () => {
    const err = new OutcomeUnknownError('server-error', { httpStatus: 503, cause, requestId: 'req-9' });
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      name: 'OutcomeUnknownError',
      code: 'ERR_OUTCOME_UNKNOWN',
      requestId: 'req-9',
      reason: 'server-error',
      httpStatus: 503,
    });
  });
});
