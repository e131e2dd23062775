import { generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AssertionParams,
  assertionIssuer,
  MAX_ASSERTION_LIFETIME_SECONDS,
  signAssertion,
} from '../../src/auth/assertion.js';

const ISSUER = 'acme@5f1c0a4e-tenant.iam.acesso.io';
const AUDIENCE = 'https://identityhomolog.acesso.io';
const IAT = 1_760_000_000;

let keys: { privateKey: KeyObject; publicKey: KeyObject };

beforeAll(() => {
  keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
});

const params = (overrides: Partial<AssertionParams> = {}): AssertionParams => ({
  issuer: ISSUER,
  audience: AUDIENCE,
  key: keys.privateKey,
  issuedAt: IAT,
  lifetimeSeconds: 300,
  ...overrides,
});

function decode(jwt: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  parts: string[];
} {
  const parts = jwt.split('.');
  expect(parts).toHaveLength(3);
  const json = (part: string | undefined) =>
    JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: json(parts[0]), payload: json(parts[1]), parts };
}

describe('assertionIssuer', () => {
  it('builds <accountName>@<tenantId>.iam.acesso.io', () => {
    expect(assertionIssuer('acme', 'tenant-42')).toBe('acme@tenant-42.iam.acesso.io');
  });
});

describe('signAssertion', () => {
  it('produces a compact JWS whose header is exactly {"alg":"RS256","typ":"JWT"}', async () => {
    const { header } = decode(await signAssertion(params()));
    expect(header).toStrictEqual({ alg: 'RS256', typ: 'JWT' });
    const documented = JSON.parse(
      readFileSync(new URL('../fixtures/unico-examples/jwt-assertion-header.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(header).toStrictEqual(documented);
  });

  it('carries exactly iss, aud, scope, iat and exp (no jti, sub or nbf)', async () => {
    const { payload } = decode(await signAssertion(params()));
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'scope']);
    expect(payload).not.toHaveProperty('jti');
    expect(payload).not.toHaveProperty('sub');
    expect(payload).not.toHaveProperty('nbf');
  });

  it('sets iss, aud (a string, not an array), scope "*" and iat from the parameters', async () => {
    const { payload } = decode(await signAssertion(params()));
    expect(payload).toStrictEqual({ iss: ISSUER, aud: AUDIENCE, scope: '*', iat: IAT, exp: IAT + 300 });
  });

  it.each([1, 60, 300, 3599, 3600])('sets exp - iat to the lifetime of %i s', async (lifetimeSeconds) => {
    const { payload } = decode(await signAssertion(params({ lifetimeSeconds })));
    expect(payload['exp']).toBe(IAT + lifetimeSeconds);
  });

  it.each([3601, 7200, 86_400])('caps a lifetime of %i s at 3600 s', async (lifetimeSeconds) => {
    expect(MAX_ASSERTION_LIFETIME_SECONDS).toBe(3600);
    const { payload } = decode(await signAssertion(params({ lifetimeSeconds })));
    expect(payload['exp']).toBe(IAT + 3600);
  });

  it('floors a fractional lifetime and never goes below 1 s', async () => {
    expect(decode(await signAssertion(params({ lifetimeSeconds: 299.9 }))).payload['exp']).toBe(IAT + 299);
    expect(decode(await signAssertion(params({ lifetimeSeconds: 0 }))).payload['exp']).toBe(IAT + 1);
    expect(decode(await signAssertion(params({ lifetimeSeconds: -5 }))).payload['exp']).toBe(IAT + 1);
  });

  it('floors a fractional issuedAt to whole seconds', async () => {
    const { payload } = decode(await signAssertion(params({ issuedAt: IAT + 0.999 })));
    expect(payload['iat']).toBe(IAT);
    expect(payload['exp']).toBe(IAT + 300);
    expect(Number.isInteger(payload['iat'])).toBe(true);
  });

  it('is signed with RS256 by the private key: jose verifies it with the public key', async () => {
    const jwt = await signAssertion(params());
    const { payload, protectedHeader } = await jwtVerify(jwt, keys.publicKey, {
      algorithms: ['RS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date((IAT + 10) * 1000),
    });
    expect(protectedHeader).toStrictEqual({ alg: 'RS256', typ: 'JWT' });
    expect(payload['scope']).toBe('*');
  });

  it('does not verify against another key pair', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwt = await signAssertion(params());
    await expect(
      jwtVerify(jwt, other.publicKey, { algorithms: ['RS256'], currentDate: new Date((IAT + 10) * 1000) }),
    ).rejects.toThrow();
  });

  it('signs with a WebCrypto CryptoKey as well', async () => {
    const der = keys.privateKey.export({ type: 'pkcs8', format: 'der' });
    const cryptoKey = await webcrypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const jwt = await signAssertion(params({ key: cryptoKey }));
    const { payload } = await jwtVerify(jwt, keys.publicKey, {
      algorithms: ['RS256'],
      currentDate: new Date((IAT + 10) * 1000),
    });
    expect(payload['iss']).toBe(ISSUER);
  });

  it('produces different tokens for different seconds', async () => {
    const a = await signAssertion(params({ issuedAt: IAT }));
    const b = await signAssertion(params({ issuedAt: IAT + 1 }));
    expect(a).not.toBe(b);
  });

  it('produces different tokens in the same second when the lifetimes differ', async () => {
    const a = await signAssertion(params({ issuedAt: IAT + 0.2, lifetimeSeconds: 300 }));
    const b = await signAssertion(params({ issuedAt: IAT + 0.2, lifetimeSeconds: 299 }));
    expect(a).not.toBe(b);
  });
});
