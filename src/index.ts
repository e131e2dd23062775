export { type Advice, type AdviceAction, adviceFor } from './advice.js';
export type { AssertionSigner } from './auth/assertion.js';
export type { PrivateKeyInput, WebCryptoKey } from './auth/private-key.js';
export type { StoredToken, TokenStore, TokenStoreLock } from './auth/token-store.js';
export { MemoryTokenStore } from './auth/token-store.js';
export type { TokenRefreshEvent } from './auth/tokens.js';
export type { CallOptions } from './client/call.js';
export { type GetProcessOptions, IdCloudClient } from './client/client.js';
export { type CustomEnvironment, ENVIRONMENTS, type Environment } from './client/environment.js';
export type {
  AppInfo,
  Hooks,
  Logger,
  Operation,
  RequestEndEvent,
  RequestStartEvent,
  RetryEvent,
} from './client/observability.js';
export type { ClientOptions, ServiceAccount } from './client/options.js';
export type { WaitForResultOptions } from './client/wait.js';
export {
  AbortedError,
  type AnyIdCloudError,
  ApiError,
  ClientClosedError,
  ERROR_CODES,
  type ErrorContext,
  type FieldIssue,
  IdCloudError,
  type IdCloudErrorCode,
  InvalidConfigError,
  InvalidInputError,
  InvalidResponseError,
  NetworkError,
  OutcomeUnknownError,
  type OutcomeUnknownReason,
  RateLimitedError,
  TimeoutError,
  TokenError,
} from './errors.js';
export { createFetchTransport, type FetchTransportOptions } from './http/fetch.js';
export type { Transport, TransportRequest, TransportResponse } from './http/transport.js';
export { TransportError } from './http/transport.js';
export type { ImageKind } from './internal/image.js';
export type {
  BehaviorAlert,
  CapabilityResults,
  FlowResult,
  FlowVerdict,
  RiskScore,
  SerproSimilarity,
  UndocumentedValue,
} from './schemas/capabilities.js';
export type { CreateProcessInput } from './schemas/input.js';
export type {
  InconclusiveResult,
  Liveness,
  NotFinalResult,
  NotVerifiedResult,
  ProcessErrorResult,
  ProcessResult,
  UnrecognizedResult,
  VerifiedResult,
} from './schemas/response.js';
export { VERSION } from './version.js';
