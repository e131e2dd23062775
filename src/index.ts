export { type Advice, type AdviceAction, adviceFor } from './advice.js';
export type { AssertionSigner } from './auth/assertion.js';
export type { PrivateKeyInput, WebCryptoKey } from './auth/private-key.js';
export type { StoredToken, TokenStore, TokenStoreLock } from './auth/token-store.js';
export { MemoryTokenStore } from './auth/token-store.js';
export type { TokenRefreshEvent } from './auth/tokens.js';
export type { CallOptions } from './client/call.js';
export type { GetProcessOptions } from './client/client.js';
export { IdCloudClient } from './client/client.js';
export type { CustomEnvironment, Environment } from './client/environment.js';
export { ENVIRONMENTS } from './client/environment.js';
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
export type {
  AnyIdCloudError,
  ErrorContext,
  FieldIssue,
  IdCloudErrorCode,
  OutcomeUnknownReason,
} from './errors.js';
export {
  AbortedError,
  ApiError,
  ClientClosedError,
  ERROR_CODES,
  IdCloudError,
  InvalidConfigError,
  InvalidInputError,
  InvalidResponseError,
  NetworkError,
  OutcomeUnknownError,
  RateLimitedError,
  TimeoutError,
  TokenError,
} from './errors.js';
export type { FetchTransportOptions } from './http/fetch.js';
export { createFetchTransport } from './http/fetch.js';
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
