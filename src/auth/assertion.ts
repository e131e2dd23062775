import type { KeyObject } from 'node:crypto';

/** What goes into a client assertion. */
export interface AssertionParams {
  /** `<accountName>@<tenantId>.iam.acesso.io` */
  readonly issuer: string;
  /** The token host of the environment, no trailing slash. */
  readonly audience: string;
  readonly key: KeyObject | CryptoKey;
  /** Issue time, Unix seconds. */
  readonly issuedAt: number;
  /** Lifetime in seconds; Unico accepts at most 3600. */
  readonly lifetimeSeconds: number;
}

/** Longest assertion lifetime Unico accepts (`exp - iat`), in seconds. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;

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
 * Signs an RS256 client assertion carrying exactly `iss`, `aud`, `scope`, `iat` and `exp`.
 * Unico rejects any other claim (`jti`, `sub`, `nbf` give 1.2.22), so none is added. Build a new
 * one for every token request: assertions are single use (1.2.7).
 * @param params - claims and key
 * @returns the compact JWS
 * @throws whatever jose throws for an unusable key (the client validates keys at construction)
 */
export async function signAssertion(params: AssertionParams): Promise<string> {
  const lifetime = Math.min(Math.max(1, Math.floor(params.lifetimeSeconds)), MAX_ASSERTION_LIFETIME_SECONDS);
  const iat = Math.floor(params.issuedAt);
  // jose is loaded on first use: importing the SDK should not pay for it.
  const { SignJWT } = await import('jose');
  return new SignJWT({ scope: '*' })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(params.issuer)
    .setAudience(params.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .sign(params.key);
}
