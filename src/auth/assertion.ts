import { raceSignal } from '../internal/signal.js';
import type { DeferredKey, SigningKey } from './private-key.js';

/**
 * Signs with a key held elsewhere (a KMS, an HSM): resolves to the raw RS256 signature of the JWS
 * signing input; `signal` fires when the refresh runs out of time. See docs/recipes/kms-signer.md.
 */
export type AssertionSigner = (
  signingInput: Uint8Array,
  options: { readonly signal: AbortSignal },
) => Promise<Uint8Array>;

export interface ExternalSigner {
  readonly kind: 'external-signer';
  readonly sign: AssertionSigner;
}

export type AssertionKey = SigningKey | ExternalSigner;

export interface AssertionParams {
  readonly issuer: string;
  /** The token host of the environment, no trailing slash. */
  readonly audience: string;
  readonly key: AssertionKey;
  /** Unix seconds. */
  readonly issuedAt: number;
  readonly lifetimeSeconds: number;
  readonly signal?: AbortSignal | undefined;
}

/** Its message never carries key material. */
export class AssertionSigningError extends Error {
  override name = 'AssertionSigningError';
}

/** Unico's longest `exp - iat`, in seconds. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;

// RSA-2048 is the smallest key RS256 accepts here; 16384-bit RSA is beyond any KMS or HSM.
const MIN_SIGNATURE_BYTES = 256;
const MAX_SIGNATURE_BYTES = 2048;
/** base64url of `{"alg":"RS256","typ":"JWT"}`, the header jose writes. */
const HEADER = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9';

export function assertionIssuer(accountName: string, tenantId: string): string {
  return `${accountName}@${tenantId}.iam.acesso.io`;
}

export function externalSigner(sign: AssertionSigner): ExternalSigner {
  return Object.freeze({ kind: 'external-signer' as const, sign });
}

// Only scope, iss, aud, iat, exp: Unico rejects other claims (1.2.22). Throws AssertionSigningError.
export async function signAssertion(params: AssertionParams): Promise<string> {
  const lifetime = Math.min(Math.max(1, Math.floor(params.lifetimeSeconds)), MAX_ASSERTION_LIFETIME_SECONDS);
  const iat = Math.floor(params.issuedAt);
  // In the order jose writes them, so both paths give the same bytes for the same claims.
  const claims = { scope: '*', iss: params.issuer, aud: params.audience, iat, exp: iat + lifetime };
  const { key, signal = new AbortController().signal } = params;
  if ('kind' in key && key.kind === 'external-signer') return signWithCallback(claims, key.sign, signal);
  let usable = key as Exclude<SigningKey, DeferredKey>;
  if ('kind' in key) {
    try {
      usable = await raceSignal(key.load(), signal);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      // load() rejects with a KeyImportError naming the defect, never key material.
      throw new AssertionSigningError(`the private key ${(err as Error).message}`, { cause: err });
    }
  }
  // Loaded on first use, from the narrow entry (22 kB of jose instead of 112 kB).
  const { SignJWT } = await import('jose/jwt/sign');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(usable);
}

async function signWithCallback(claims: object, sign: AssertionSigner, signal: AbortSignal): Promise<string> {
  const signingInput = `${HEADER}.${base64url(new TextEncoder().encode(JSON.stringify(claims)))}`;
  let signature: unknown;
  try {
    const signing = Promise.resolve().then(() => sign(new TextEncoder().encode(signingInput), { signal }));
    signature = await raceSignal(signing, signal);
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    // Only a class-like name of what was thrown: a KMS client's message may carry request details.
    const name = (err as { name?: unknown } | null)?.name;
    const what = typeof name === 'string' && /^[A-Za-z][\w.]{0,63}$/.test(name) ? ` (${name})` : '';
    throw new AssertionSigningError(`the signer threw${what}`, { cause: err });
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

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

// Inputs are small (claims, a signature of at most MAX_SIGNATURE_BYTES): one spread call is safe.
function base64url(bytes: Uint8Array): string {
  const base64 = btoa(String.fromCharCode(...bytes));
  return base64.replace(/=+$/, '').replace(/[+/]/g, (c) => (c === '+' ? '-' : '_'));
}
