/** One HTTP exchange as the SDK needs it. */
export interface TransportRequest {
  /** HTTP method. */
  readonly method: 'GET' | 'POST';
  /** Absolute URL. */
  readonly url: string;
  /** Headers to send, names in lower case (they include the credentials: never log them). */
  readonly headers: Readonly<Record<string, string>>;
  /** A string (token endpoint: form data) or UTF-8 bytes (API: JSON); absent for GET. */
  readonly body?: string | Uint8Array<ArrayBuffer> | undefined;
  /** Fires on timeout or caller abort: stop and reject. */
  readonly signal: AbortSignal;
  /** A response body larger than this is an error, not an out-of-memory crash. */
  readonly maxResponseBytes: number;
}

/** The response, fully read. Header names are lower case. */
export interface TransportResponse {
  /** HTTP status code. */
  readonly status: number;
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The whole body as text. */
  readonly body: string;
}

/**
 * Sends requests (default: undici on Node, `fetch` on edge runtimes). Any failure means "may have
 * reached Unico", never retried for CreateProcess, unless it is a {@link TransportError} with
 * `phase: 'connect'`: throw that only when no byte can have been written (refused, DNS, TLS, queued).
 */
export interface Transport {
  /** Sends one request and reads the whole response, whatever its status. */
  request(request: TransportRequest): Promise<TransportResponse>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

/** A connection-level failure. */
export class TransportError extends Error {
  /** `'connect'`: provably nothing was sent; `'exchange'`: the request may have reached the server. */
  readonly phase: 'connect' | 'exchange';
  constructor(phase: 'connect' | 'exchange', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TransportError';
    this.phase = phase;
  }
}

/** Whether what a transport threw proves that nothing of the request was written. */
export function provablyUnsent(err: unknown): boolean {
  return err instanceof TransportError && err.phase === 'connect';
}

/** Error codes raised before any request byte is written (Node, undici; Bun's fetch has its own names). */
export const CONNECT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'ConnectionRefused',
  'FailedToOpenSocket',
]);
