import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { assertionIssuer, signAssertion } from '../auth/assertion.js';
import { importPrivateKey, type SigningKey } from '../auth/private-key.js';
import type { ResolvedEnvironment } from '../client/environment.js';
import { type Check, fail, ok } from './check.js';
import type { Credentials } from './config.js';

const KEY = 'private key';

/** Fixes for the defects `importPrivateKey` names, by a word of its message. */
const KEY_FIXES: ReadonlyArray<readonly [RegExp, string]> = [
  [/public key/, 'this is the public half: use the private key Unico issued with the service account'],
  [/certificate/, 'this is a certificate: use the private key Unico issued with the service account'],
  [/encrypted/, 'decrypt it first: openssl pkey -in key.pem -out key-plain.pem'],
  [/bits/, 'RS256 needs an RSA key of at least 2048 bits: ask Unico for new credentials'],
  [/RSA key/, 'RS256 needs an RSA key: use the key Unico issued with the service account'],
  [
    /not PEM|empty|truncated|parsed/,
    'paste the whole PEM, BEGIN and END lines included (literal \\n is fine)',
  ],
];

/** A key that signs, and what the check found. */
export interface KeyCheck {
  readonly check: Check;
  readonly key?: SigningKey;
}

/**
 * Check 3: the key parses, is private, RSA ≥ 2048 bits, PKCS#1 or PKCS#8; literal `\n` is noted.
 * Messages name the defect only, never key material.
 * @param source - where the PEM is: inline or a file path
 * @returns the check and the key
 */
export async function checkPrivateKey(source: Credentials['privateKey']): Promise<KeyCheck> {
  let pem = source.value;
  if (source.from === 'UNICO_PRIVATE_KEY_FILE') {
    try {
      pem = await readFile(source.value, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unreadable';
      return {
        check: fail(KEY, `UNICO_PRIVATE_KEY_FILE cannot be read (${code})`, 'point it at the PEM file'),
      };
    }
  }
  const imported = importPrivateKey(pem);
  if (!imported.ok) {
    const message = `${source.from} ${imported.issue.message}`;
    const fix = KEY_FIXES.find(([pattern]) => pattern.test(imported.issue.message))?.[1];
    return { check: fail(KEY, message, fix ?? 'use the private key Unico issued with the service account') };
  }
  // The armour label names the format: "RSA PRIVATE KEY" is PKCS#1, "PRIVATE KEY" PKCS#8.
  const format = /BEGIN RSA PRIVATE/.test(pem) ? 'PKCS#1' : 'PKCS#8';
  const bits = (imported.key as KeyObject).asymmetricKeyDetails?.modulusLength;
  const escaped = /\\n/.test(pem) ? ', literal \\n turned into line breaks (as the SDK does)' : '';
  return { check: ok(KEY, `RSA ${bits ?? '?'}-bit private key, ${format} PEM${escaped}`), key: imported.key };
}

/**
 * Lifetime of the doctor's assertion, within what the SDK itself uses (120–900 s). Random, as the
 * SDK's: two runs in the same second must not sign identical (so "already used", 1.2.7) assertions.
 */
const lifetimeSeconds = () => 300 + Math.floor(Math.random() * 600);

/**
 * Check 4: signs the assertion the SDK would send and shows its claims (never the signature).
 * @param credentials - account and tenant
 * @param environment - for `aud`
 * @param key - the signing key
 * @param now - the local clock, epoch ms
 * @returns the check and the signed assertion (for the token request, single use)
 */
export async function checkAssertion(
  credentials: Credentials,
  environment: ResolvedEnvironment,
  key: SigningKey,
  now: number,
): Promise<{ check: Check; assertion?: string }> {
  const name = 'assertion';
  let assertion: string;
  try {
    assertion = await signAssertion({
      issuer: assertionIssuer(credentials.accountName, credentials.tenantId),
      audience: environment.audience,
      key,
      issuedAt: now / 1000,
      lifetimeSeconds: lifetimeSeconds(),
    });
  } catch (err) {
    return { check: fail(name, `signing failed (${(err as Error).name})`, 'check the private key (above)') };
  }
  const payload = assertion.split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const shown = ['iss', 'aud', 'scope', 'iat', 'exp']
    .map((c) => `${c}=${JSON.stringify(claims[c])}`)
    .join(' ');
  return { check: ok(name, `RS256, claims ${shown}`), assertion };
}
