
/** One HTTP exchange as the client needs it. */
export interface TransportRequest {
  /** HTTP method. */
  readonly method: 'GET' | 'POST';
  /** Absolute URL. */
  readonly url: string;
  /** Headers to send, names in lower case (they include the credentials: never log them). */
  readonly headers: Readonly<Record<string, string>>;
  /** Request body (JSON or form-encoded), absent for GET. */
  /** A string (token endpoint: form data) or UTF-8 bytes (API: JSON). */
  readonly body?: string | Uint8Array<ArrayBuffer> | undefined;
  /** Fires on timeout or caller abort: stop and reject with `signal.reason`. */
  readonly signal: AbortSignal;
  /** A response body larger than this is an error, not an out-of-memory crash. */
  readonly maxResponseBytes: number;
  /**
   * Called when the request is handed to a socket, just before its first byte is written.
   * A transport that calls it sets `tracksWrites`; the client then knows that a failure before
   * this call provably sent nothing.
   */
  readonly onWrite?: (() => void) | undefined;
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
 * Sends requests. The default uses undici; pass your own to run on another HTTP stack.
 * Implementations throw {@link TransportError} for connection failures, and rethrow the signal's
 * reason when `signal` fires.
 */
export interface Transport {
  /**
   * Sends one request and reads the whole response.
   * @param request - what to send
   * @returns the response, whatever its status
   * @throws TransportError when the connection fails; the signal's reason when it fires
   */
  request(request: TransportRequest): Promise<TransportResponse>;
  /** True when `request()` calls `onWrite` before writing: failures before it are known unsent. */
  readonly tracksWrites?: boolean;
  /**
   * Opens a pooled connection to `origin` ahead of the first call (TCP + TLS), e.g. in a
   * serverless init phase. Best effort: never throws.
   */
  preconnect?(origin: string, signal: AbortSignal): Promise<void>;
  /** Releases pooled connections. */
  close?(): Promise<void>;
}

/**
 * A connection-level failure. `phase: 'connect'` means no byte of the request left this machine
 * (refused, DNS, connect timeout, TLS handshake), so the request provably did not reach the
 * server; `'exchange'` means it may have.
 */
export class TransportError extends Error {
  /** `'connect'`: nothing was sent; `'exchange'`: the request may have reached the server. */
  readonly phase: 'connect' | 'exchange';
  constructor(phase: 'connect' | 'exchange', message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'TransportError';
    this.phase = phase;
  }
}

/** Node/undici error codes raised before any request byte is written (shared with the fetch transport). */
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
]);
