import { createHash, type KeyObject, verify } from 'node:crypto';

const ALLOWED_CLAIMS = new Set(['iss', 'aud', 'scope', 'iat', 'exp']);

/** What an assertion is checked against. */
export interface AssertionContext {
  readonly audience: string;
  readonly publicKey: KeyObject;
  readonly accountName: string;
  readonly tenantId: string;
  readonly nowMs: number;
  /** Fingerprints of assertions already accepted; an accepted one is added. */
  readonly used: Set<string>;
}

/**
 * Checks a client assertion as Unico's token endpoint does.
 * @returns Unico's failure code (e.g. `1.2.22`), or `undefined` when it is accepted
 */
export function checkAssertion(assertion: string, context: AssertionContext): string | undefined {
  const parts = assertion.split('.');
  if (parts.length !== 3) return '1.2.20';
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return '1.2.20';
  }
  if (!isObject(header) || !isObject(claims)) return '1.2.20';
  if (header['alg'] !== 'RS256') return '1.2.5';
  const signed = verify(
    'RSA-SHA256',
    Buffer.from(`${h}.${p}`),
    context.publicKey,
    Buffer.from(s, 'base64url'),
  );
  if (!signed) return '1.2.21';
  if (Object.keys(claims).some((name) => !ALLOWED_CLAIMS.has(name))) return '1.2.22';
  if (claims['scope'] === undefined) return '1.1.1';
  const issuer = /^(.+)@(.+)\.iam\.acesso\.io$/.exec(String(claims['iss']));
  if (!issuer) return '1.2.21';
  if (issuer[2] !== context.tenantId) return '1.0.1';
  if (issuer[1] !== context.accountName) return '1.2.21';
  if (claims['aud'] !== context.audience) return '1.2.5';
  const iat = claims['iat'];
  const exp = claims['exp'];
  if (typeof iat !== 'number' || typeof exp !== 'number') return '1.2.21';
  if (exp * 1000 <= context.nowMs) return '1.2.4';
  if (exp - iat > 3600) return '1.2.5';
  const fingerprint = createHash('sha256').update(assertion).digest('hex');
  if (context.used.has(fingerprint)) return '1.2.7';
  context.used.add(fingerprint);
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
