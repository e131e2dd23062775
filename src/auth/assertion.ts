import { raceSignal } from '../internal/signal.js';
import { isDeferredKey, KeyImportError, type SigningKey } from './private-key.js';

/**
 * Signs with a key held elsewhere (a KMS or an HSM): given the JWS signing input
 * (`base64url(header).base64url(payload)` as UTF-8 bytes), resolves to its RS256 signature
 * (RSASSA-PKCS1-v1_5 with SHA-256) as raw bytes. The SDK builds the JWS around it.
 *
 * @param signingInput - the bytes to sign
 * @param options - `signal` fires when the token refresh runs out of time or the client is closed;
 *   pass it on to your KMS client if it accepts one
 * @returns the signature: as many bytes as the RSA modulus (256 for RSA-2048)
 * @example
 * ```ts
 * import { sign } from 'node:crypto';
 * const signer: AssertionSigner = async (input) => sign('sha256', input, privateKey);
 * ```
 */
export type AssertionSigner = (
  signingInput: Uint8Array,
  options: { readonly signal: AbortSignal },
) => Promise<Uint8Array>;

/** A configured {@link AssertionSigner}, told apart from keys by `kind`. */
export interface ExternalSigner {
  readonly kind: 'external-signer';
  readonly sign: AssertionSigner;
}

/** What signs assertions: a key, or a signing callback. */
export type AssertionKey = SigningKey | ExternalSigner;

/** What goes into a client assertion. */
export interface AssertionParams {
  /** `<accountName>@<tenantId>.iam.acesso.io` */
  readonly issuer: string;
  /** The token host of the environment, no trailing slash. */
  readonly audience: string;
  readonly key: AssertionKey;
  /** Issue time, Unix seconds. */
  readonly issuedAt: number;
  /** Lifetime in seconds; Unico accepts at most 3600. */
  readonly lifetimeSeconds: number;
  /** Stops waiting for a slow signer or key import. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Signing failed before anything was sent. The message is the SDK's own and never carries key
 * material; `cause` is what the signer, WebCrypto or jose threw.
 */
export class AssertionSigningError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'AssertionSigningError';
  }
}

/** Longest assertion lifetime Unico accepts (`exp - iat`), in seconds. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;

// RSA-2048 is the smallest key RS256 accepts here; 16384-bit RSA is beyond any KMS or HSM.
const MIN_SIGNATURE_BYTES = 256;
const MAX_SIGNATURE_BYTES = 2048;

/**
 * Builds the issuer claim Unico expects.
 * @param accountName - service account name
 * @param tenantId - tenant id
 * @returns `<accountName>@<tenantId>.iam.acesso.io`
 */
export function assertionIssuer(accountName: string, tenantId: string): string {
  return `${accountName}@${tenantId}.iam.acesso.io`;
}

/**
 * Wraps a signing callback so that it can stand where a key is expected.
 * @param sign - the caller's signer
 * @returns the signer, tagged
 */
export function externalSigner(sign: AssertionSigner): ExternalSigner {
  return Object.freeze({ kind: 'external-signer' as const, sign });
}

/**
 * Signs an RS256 client assertion carrying exactly `iss`, `aud`, `scope`, `iat` and `exp`.
 * Unico rejects any other claim (`jti`, `sub`, `nbf` give 1.2.22), so none is added. Build a new
 * one for every token request: assertions are single use (1.2.7). Keys sign through jose; a
 * signing callback gets the JWS signing input and the SDK assembles the compact JWS around it.
 * @param params - claims and key
 * @returns the compact JWS
 * @throws AssertionSigningError when the key cannot be imported, or the signer throws or returns
 *   something that is not an RS256 signature; the signal's reason when `signal` fires first
 */
export async function signAssertion(params: AssertionParams): Promise<string> {
  const lifetime = Math.min(Math.max(1, Math.floor(params.lifetimeSeconds)), MAX_ASSERTION_LIFETIME_SECONDS);
  const iat = Math.floor(params.issuedAt);
  // The order jose writes them in, so both paths give the same bytes for the same claims.
  const claims = { scope: '*', iss: params.issuer, aud: params.audience, iat, exp: iat + lifetime };
  const { key, signal } = params;
  if (isExternalSigner(key)) return signWithCallback(claims, key.sign, signal);

  let usable: Exclude<SigningKey, { kind: 'deferred-key' }>;
  if (isDeferredKey(key)) {
    try {
      usable = await raceSignal(key.load(), signal);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const what = err instanceof KeyImportError ? err.message : 'could not be imported into WebCrypto';
      throw new AssertionSigningError(`the private key ${what}`, err);
    }
  } else {
    usable = key;
  }
  // jose is loaded on first use: importing the SDK should not pay for it.
  // The narrow entry: the bundle carries only JWT signing (22 kB instead of 112 kB of jose).
  const { SignJWT } = await import('jose/jwt/sign');
  return new SignJWT({ scope: '*' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setIssuedAt(claims.iat)
    .setExpirationTime(claims.exp)
    .sign(usable);
}

function isExternalSigner(key: AssertionKey): key is ExternalSigner {
  return (key as { kind?: unknown }).kind === 'external-signer';
}

/** base64url of `{"alg":"RS256","typ":"JWT"}`, the header jose writes for the same key. */
const HEADER = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9';

async function signWithCallback(
  claims: Readonly<Record<string, string | number>>,
  sign: AssertionSigner,
  signal: AbortSignal | undefined,
): Promise<string> {
  const signingInput = `${HEADER}.${base64url(new TextEncoder().encode(JSON.stringify(claims)))}`;
  const signerSignal = signal ?? new AbortController().signal;
  let signature: unknown;
  try {
    signature = await raceSignal(
      Promise.resolve().then(() => sign(new TextEncoder().encode(signingInput), { signal: signerSignal })),
      signal,
    );
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw new AssertionSigningError(`the signer threw${describeThrown(err)}`, err);
  }
  if (!(signature instanceof Uint8Array)) {
    throw new AssertionSigningError(`the signer returned ${describeValue(signature)}, not a Uint8Array`);
  }
  if (signature.length < MIN_SIGNATURE_BYTES || signature.length > MAX_SIGNATURE_BYTES) {
    throw new AssertionSigningError(
      `the signer returned ${signature.length} bytes, not an RS256 signature (${MIN_SIGNATURE_BYTES} bytes for RSA-2048, more for larger keys)`,
    );
  }
  return `${signingInput}.${base64url(signature)}`;
}

// Only a class-like name of what was thrown: a KMS client's message may carry request details.
function describeThrown(err: unknown): string {
  const name = (err as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(name) ? ` (${name})` : '';
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  // Chunked: String.fromCharCode with a huge argument list overflows the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
