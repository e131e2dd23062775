// The error code union: `IdCloudError.is` narrows to every SDK error, `switch (err.code)` narrows
// to the subclass and its fields.
import {
  type AbortedError,
  type AnyIdCloudError,
  ApiError,
  type ClientClosedError,
  ERROR_CODES,
  type FieldIssue,
  IdCloudError,
  type IdCloudErrorCode,
  type InvalidConfigError,
  type InvalidInputError,
  type InvalidResponseError,
  type NetworkError,
  type OutcomeUnknownError,
  type OutcomeUnknownReason,
  type RateLimitedError,
  type TimeoutError,
  type TokenError,
} from 'unico-idcloud';
import { type Equal, expectTrue } from './assert.js';

declare const caught: unknown;

expectTrue<
  Equal<
    IdCloudErrorCode,
    | 'ERR_INVALID_CONFIG'
    | 'ERR_INVALID_INPUT'
    | 'ERR_TOKEN'
    | 'ERR_API'
    | 'ERR_RATE_LIMITED'
    | 'ERR_OUTCOME_UNKNOWN'
    | 'ERR_TIMEOUT'
    | 'ERR_ABORTED'
    | 'ERR_NETWORK'
    | 'ERR_INVALID_RESPONSE'
    | 'ERR_CLIENT_CLOSED'
  >
>();
expectTrue<Equal<(typeof ERROR_CODES)[number], IdCloudErrorCode>>();
expectTrue<Equal<AnyIdCloudError['code'], IdCloudErrorCode>>();
expectTrue<Equal<OutcomeUnknownReason, 'server-error' | 'connection-lost' | 'timeout'>>();
// @ts-expect-error the list is read-only
ERROR_CODES.push('ERR_API');

if (IdCloudError.is(caught)) {
  expectTrue<Equal<typeof caught, AnyIdCloudError>>();
  expectTrue<Equal<typeof caught.requestId, string | undefined>>();
  // @ts-expect-error not one of the codes (a typo of ERR_TOKEN)
  if (caught.code === 'ERR_TOKEN_EXCHANGE') caught.code;
  // @ts-expect-error fields of one subclass are not visible before narrowing
  caught.retryAfterMs;

  switch (caught.code) {
    case 'ERR_INVALID_CONFIG':
      expectTrue<Equal<typeof caught, InvalidConfigError>>();
      expectTrue<Equal<typeof caught.issues, readonly FieldIssue[]>>();
      break;
    case 'ERR_INVALID_INPUT':
      expectTrue<Equal<typeof caught, InvalidInputError>>();
      expectTrue<Equal<typeof caught.issues, readonly FieldIssue[]>>();
      expectTrue<Equal<FieldIssue, { readonly path: string; readonly message: string }>>();
      break;
    case 'ERR_TOKEN':
      expectTrue<Equal<typeof caught, TokenError>>();
      expectTrue<Equal<typeof caught.httpStatus, number | undefined>>();
      expectTrue<Equal<typeof caught.oauthError, string | undefined>>();
      expectTrue<Equal<typeof caught.unicoCode, string | undefined>>();
      expectTrue<
        Equal<typeof caught.reason, 'network' | 'timeout' | 'invalid-response' | 'rejected' | 'signing'>
      >();
      break;
    case 'ERR_API':
      expectTrue<Equal<typeof caught, ApiError>>();
      expectTrue<Equal<typeof caught.httpStatus, number>>();
      expectTrue<Equal<typeof caught.unicoCode, string | undefined>>();
      expectTrue<Equal<typeof caught.description, string | undefined>>();
      break;
    case 'ERR_RATE_LIMITED':
      expectTrue<Equal<typeof caught, RateLimitedError>>();
      expectTrue<Equal<typeof caught.retryAfterMs, number>>();
      break;
    case 'ERR_OUTCOME_UNKNOWN':
      expectTrue<Equal<typeof caught, OutcomeUnknownError>>();
      expectTrue<Equal<typeof caught.reason, OutcomeUnknownReason>>();
      expectTrue<Equal<typeof caught.httpStatus, number | undefined>>();
      break;
    case 'ERR_TIMEOUT':
      expectTrue<Equal<typeof caught, TimeoutError>>();
      expectTrue<Equal<typeof caught.timeoutMs, number>>();
      break;
    case 'ERR_ABORTED':
      expectTrue<Equal<typeof caught, AbortedError>>();
      expectTrue<Equal<typeof caught.requestSent, boolean>>();
      break;
    case 'ERR_NETWORK':
      expectTrue<Equal<typeof caught, NetworkError>>();
      // @ts-expect-error a network error never got an HTTP status
      caught.httpStatus;
      break;
    case 'ERR_INVALID_RESPONSE':
      expectTrue<Equal<typeof caught, InvalidResponseError>>();
      expectTrue<Equal<typeof caught.httpStatus, number>>();
      expectTrue<Equal<typeof caught.issues, readonly FieldIssue[]>>();
      break;
    case 'ERR_CLIENT_CLOSED':
      expectTrue<Equal<typeof caught, ClientClosedError>>();
      break;
    default:
      // Exhaustive: a new code must be added to this test (and to callers' switches).
      expectTrue<Equal<typeof caught, never>>();
  }
}

// `instanceof` narrows too: the base class to the base type, a subclass to itself.
if (caught instanceof IdCloudError) {
  expectTrue<Equal<typeof caught.code, IdCloudErrorCode>>();
  expectTrue<Equal<typeof caught.requestId, string | undefined>>();
}
if (caught instanceof ApiError) expectTrue<Equal<typeof caught.unicoCode, string | undefined>>();

// The code literal is fixed per subclass, so a subclass value can be matched on it directly.
expectTrue<Equal<ApiError['code'], 'ERR_API'>>();
expectTrue<Equal<AbortedError['code'], 'ERR_ABORTED'>>();
