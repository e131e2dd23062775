// Edge cases of key import and assertion signing: exact messages users see, PEM quirks from
// environment variables, and the WebCrypto path's PKCS#1 wrapping.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AssertionSigner,
  AssertionSigningError,
  externalSigner,
  signAssertion,
} from '../../src/auth/assertion.js';
import {
  type DeferredKey,
  importPrivateKey,
  KeyImportError,
  loadNodeCrypto,
} from '../../src/auth/private-key.js';
import { rejection } from '../helpers/transport.js';

let rsa: KeyObject;
let pkcs1: string;
let pkcs8: string;

beforeAll(() => {
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  pkcs1 = rsa.export({ type: 'pkcs1', format: 'pem' }).toString().trim();
  pkcs8 = rsa.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const claims = {
  issuer: 'a@t.iam.acesso.io',
  audience: 'https://id.example.com',
  issuedAt: 1_700_000_000,
  lifetimeSeconds: 300,
};

function issue(input: unknown, nodeCrypto?: null): string {
  const result = nodeCrypto === null ? importPrivateKey(input, null) : importPrivateKey(input);
  if (result.ok) throw new Error('expected the key to be rejected');
  expect(result.issue.path).toBe('serviceAccount.privateKey');
  return result.issue.message;
}

function deferred(input: string): DeferredKey {
  const result = importPrivateKey(input, null);
  if (!result.ok) throw new Error(`expected the key to import, got: ${result.issue.message}`);
  return result.key as DeferredKey;
}

async function loadError(input: string): Promise<KeyImportError> {
  const err = await rejection(deferred(input).load());
  expect(err).toBeInstanceOf(KeyImportError);
  return err as KeyImportError;
}

const pem = (label: string, base64: string, headers: string[] = []) =>
  [
    `-----BEGIN ${label}-----`,
    ...headers,
    ...(base64.match(/.{1,64}/g) ?? []),
    `-----END ${label}-----`,
  ].join('\n');

describe('private key import: errors', () => {
  it('names its error class KeyImportError', async () => {
    const err = await loadError(pem('RSA PRIVATE KEY', SMALL_PKCS1[128] as string));
    expect(err.name).toBe('KeyImportError');
  });

  it('rejects anything but a string, KeyObject or CryptoKey, also where CryptoKey is not a global', () => {
    expect(issue(42, null)).toBe('must be a PEM string, a KeyObject or a CryptoKey');
    vi.stubGlobal('CryptoKey', undefined);
    expect(issue({ type: 'private' }, null)).toBe('must be a PEM string, a KeyObject or a CryptoKey');
  });

  it('names a non-RSA KeyObject by its type', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(issue(privateKey)).toBe('is a ec key; RS256 needs an RSA key');
  });

  it('rejects a CryptoKey imported for another hash', async () => {
    const der = rsa.export({ type: 'pkcs8', format: 'der' });
    const key = await crypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
      false,
      ['sign'],
    );
    expect(issue(key)).toBe('CryptoKey must be imported as { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }');
  });

  it('keeps the WebCrypto failure as the cause of a refused key', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const err = await loadError(ec.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(err.message).toBe('is a ec key; RS256 needs an RSA key');
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('wipes the DER it handed to WebCrypto once imported', async () => {
    const spy = vi.spyOn(crypto.subtle, 'importKey');
    await deferred(pkcs8).load();
    const der = spy.mock.calls[0]?.[1] as Uint8Array;
    expect(der.length).toBeGreaterThan(1000);
    expect(der.every((b) => b === 0)).toBe(true);
  });
});

describe('loadNodeCrypto', () => {
  const withModule = (mod: unknown) => vi.stubGlobal('process', { ...process, getBuiltinModule: () => mod });

  it('finds node:crypto on this runtime', () => {
    expect(typeof loadNodeCrypto()?.createPrivateKey).toBe('function');
  });

  it('refuses a node:crypto without createPrivateKey or without KeyObject', () => {
    withModule({ createPrivateKey: () => undefined });
    expect(loadNodeCrypto()).toBeUndefined();
    withModule({ KeyObject: class {} });
    expect(loadNodeCrypto()).toBeUndefined();
  });
});

describe('PEM text as found in environment variables', () => {
  it.each(['"', "'"])('accepts a %s-quoted PEM with literal \\n on the WebCrypto path', async (quote) => {
    const key = deferred(`${quote}${pkcs1.replace(/\n/g, '\\n')}${quote}`);
    expect((await key.load()).algorithm).toMatchObject({ modulusLength: 2048 });
  });

  it('keeps an unbalanced leading quote rather than cutting the END line', async () => {
    const key = deferred(`"${pkcs8}`);
    expect((await key.load()).type).toBe('private');
  });

  it('rejects a Proc-Type: 4,ENCRYPTED PKCS#1 as encrypted', () => {
    const body = pem('RSA PRIVATE KEY', 'AAAA', ['Proc-Type: 4,ENCRYPTED', 'DEK-Info: AES-128-CBC,00', '']);
    expect(issue(body, null)).toBe('is an encrypted PEM; decrypt it first (no passphrase support)');
  });

  it('does not take a header that merely mentions Proc-Type for encryption', async () => {
    const lines = pkcs1.split('\n');
    const text = [lines[0], 'Comment: not Proc-Type: 4,ENCRYPTED', '', ...lines.slice(1)].join('\n');
    expect((await deferred(text).load()).type).toBe('private');
  });

  it('strips RFC 1421 header lines and whitespace from the base64 body on the WebCrypto path', async () => {
    const lines = pkcs1.split('\n');
    const body = lines.slice(1, -1).map((l) => `  ${l}\t`);
    const text = [lines[0], 'Comment: made by a test', 'X-Tool-Id: v1.2', '', ...body, lines.at(-1)].join(
      '\n',
    );
    expect((await deferred(text).load()).algorithm).toMatchObject({ modulusLength: 2048 });
  });

  it('reports a body that is not base64 as unparsable instead of throwing', () => {
    expect(issue(pem('PRIVATE KEY', 'MIIE*AAA'), null)).toBe(
      'could not be parsed as PRIVATE KEY (corrupted or incomplete base64 body)',
    );
    expect(issue(pem('PRIVATE KEY', 'MIIEAAA'), null)).toBe(
      'could not be parsed as PRIVATE KEY (corrupted or incomplete base64 body)',
    );
  });
});

// Toy RSA keys (PKCS#1 DER) whose encodings need every DER length form when wrapped into PKCS#8.
const SMALL_PKCS1: Record<number, string> = {
  108: 'MGoCAQACEwDTcrh2AItQo+IX7famy+EDtWkCAwEAAQISUDfCkUntkH9LUz4Z4x1PIRqBAgoA+FjEuYfU5STZAgoA2fba82E+2HsRAgl33Og+H6gKXKkCCXprjLRPtSWPkQIJBOy5BdK/nlGm',
  109: 'MGsCAQACEwDCuZelY7Lltiq+C4batHShnOMCAwEAAQISVpNRmxUSqxMsczz9AOvhVdpBAgoA3rBS6bxgxHIzAgoA39prOOG07VqRAgoA2mFV3guzZdKLAglFoqmGKVhiGbECCWx+88O2NRzueQ==',
  127: 'MH0CAQACFwCt5C7R//ExcVaOFUAHTU6kAflLN0aFAgMBAAECFkhTEc4yP6Uq2K87I8+uoBtXVT4KkLkCDADZs3E68aW0rOCNnwIMAMx7sgEB6eikRrFbAgtOEamTZ8Dyz+QfJQILBpL3fxbLqWIWr78CDACRCJfYjVmtYc6zNg==',
  128: 'MH4CAQACFwDGkPC6KQzu7Op6L7z5fk0JuEF+SU6/AgMBAAECFikaS5pdcP3sMMVFypanW3rkdnKdMYECDADKUNVUdDa50R+SYQIMAPtBZosqvJHr+LUfAgwAqQJ19CNRRFFqqoECCx/W9Niz7LuNLLI/AgwAvot7HCgHwSpgxws=',
  255: 'MIH8AgEAAjMAoremf+//gtYOh+9M9hfQtBLcjvtGfJ76lwIiI9k+nITs8U3a9XyQ2k3sSswF289Yb/8CAwEAAQIyKip7LBYuWWJNG67Ie9FKFQ/6NdcpueucthFasT4WabTyc3bKp5/OG825v3oxpdcqASECGgDHxQFT7Thonv9VKxG/hifaVDO59PDqbPaRAhoA0IS9dB+yDWEB6nxUoo+cCgX18GOcyLvljwIaAJM6Uhw0fJo+dBekwlPQ35Y88FJgfx2GaMECGTcU2XbzaHVgSsFGVpUamn2LVYxKw//CosECGgDHIc2iR2pzWjAC4jwBYWQiifIX8nX8HLsq',
  256: 'MIH9AgEAAjMA9JLP+cWvI0uCIuKxHEFC0ebtcfaVrT0d4ojKZQ1UzOmFLt3f5Rs7TT/vvnNWKrgBbqsCAwEAAQIycydA5yBtwteFkXlc3KnZlUz+lX79oFC7ZYdKbWd4C/mPGlAP7m/OurGamQ8W6kg1bMECGgD150w4WMuYVOlnPRlO/e6bo/uJD8Be1hwLAhoA/p2I5lQKy3nT5L4re0p/pm8ZKHsvcXz74QIaAIwVBXCb9O+Ef6oWPlKnicQUOHiuBnKAGl0CGgD0BVNhPAakgHwd7EyL+xhgEHYSIA2WPOzBAhoAoJgq66h4OpEph2tmhOe4iAkhBcKaVWuTdg==',
};

describe('PKCS#1 wrapped into PKCS#8 on the WebCrypto path', () => {
  it.each([108, 109, 127, 128, 255, 256])(
    'imports a %i-byte PKCS#1 key and then reports its size',
    async (len) => {
      const b64 = SMALL_PKCS1[len] as string;
      expect(Buffer.from(b64, 'base64').length).toBe(len);
      const bits = len < 127 ? 144 : len <= 128 ? 176 : 400;
      const err = await loadError(pem('RSA PRIVATE KEY', b64));
      expect(err.message).toBe(`is a ${bits}-bit RSA key; RS256 needs at least 2048 bits`);
    },
  );
});

function signer(result: () => unknown): AssertionSigner {
  return async () => result() as Uint8Array;
}

async function signingError(sign: AssertionSigner): Promise<AssertionSigningError> {
  const err = await rejection(signAssertion({ ...claims, key: externalSigner(sign) }));
  expect(err).toBeInstanceOf(AssertionSigningError);
  expect((err as Error).name).toBe('AssertionSigningError');
  return err as AssertionSigningError;
}

describe('signing with an external signer', () => {
  it.each([
    [null, 'null'],
    [{}, 'an object'],
    [42, 'a number'],
    ['sig', 'a string'],
  ])('names a returned %o as %s', async (value, what) => {
    const err = await signingError(signer(() => value));
    expect(err.message).toBe(`the signer returned ${what}, not a Uint8Array`);
  });

  it('accepts signatures up to 2048 bytes and refuses longer ones', async () => {
    const jwt = await signAssertion({
      ...claims,
      key: externalSigner(signer(() => new Uint8Array(2048).fill(0xfb))),
    });
    const sig = jwt.split('.')[2] as string;
    expect(sig).toMatch(/^[\w-]+$/);
    expect(Buffer.from(sig, 'base64url')).toHaveLength(2048);
    const err = await signingError(signer(() => new Uint8Array(2049)));
    expect(err.message).toBe(
      'the signer returned 2049 bytes, not an RS256 signature (256 bytes for RSA-2048, more for larger keys)',
    );
  });

  it('drops base64 padding from the signature', async () => {
    const jwt = await signAssertion({
      ...claims,
      key: externalSigner(signer(() => new Uint8Array(257).fill(0xff))),
    });
    expect(jwt.split('.')[2]).toBe(Buffer.alloc(257, 0xff).toString('base64url'));
  });

  it.each([
    ['a TypeError', new TypeError('secret'), 'the signer threw (TypeError)'],
    ['null', null, 'the signer threw'],
    ['a non-string name', { name: true }, 'the signer threw'],
    ['a name starting with a digit', { name: '1Error' }, 'the signer threw'],
    ['a name with more text after it', { name: 'KmsError: key arn:aws:kms secret' }, 'the signer threw'],
  ])('describes %s thrown by the signer by name only', async (_, thrown, message) => {
    const err = await signingError(() => Promise.reject(thrown));
    expect(err.message).toBe(message);
    expect(err.cause).toBe(thrown);
  });

  it('rejects with the abort reason when the signal was aborted before signing', async () => {
    const reason = new Error('stopped');
    const sign = vi.fn(signer(() => new Uint8Array(256)));
    const err = await rejection(
      signAssertion({ ...claims, key: externalSigner(sign), signal: AbortSignal.abort(reason) }),
    );
    expect(err).toBe(reason);
  });
});

describe('signing with a deferred (WebCrypto) key', () => {
  it('rejects with the abort reason when the signal was aborted before the key loaded', async () => {
    const reason = new Error('stopped');
    const err = await rejection(
      signAssertion({ ...claims, key: deferred(pkcs8), signal: AbortSignal.abort(reason) }),
    );
    expect(err).toBe(reason);
  });

  it('wraps a key that fails to load, keeping the KeyImportError as cause', async () => {
    const err = await rejection(
      signAssertion({ ...claims, key: deferred(pem('RSA PRIVATE KEY', SMALL_PKCS1[256] as string)) }),
    );
    expect(err).toBeInstanceOf(AssertionSigningError);
    expect((err as Error).message).toBe(
      'the private key is a 400-bit RSA key; RS256 needs at least 2048 bits',
    );
    expect((err as Error).cause).toBeInstanceOf(KeyImportError);
  });
});
