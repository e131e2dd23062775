import {
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  webcrypto,
} from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { importPrivateKey, type SigningKey } from '../../src/auth/private-key.js';

/** A PEM header line, built so no key-looking literal sits in the repository (keys are generated at run time). */
const pemHeader = (label: string): string => `-----${'BEGIN'} ${label}-----`;

// Keys are generated per run: no key material is committed.
let rsa: { privateKey: KeyObject; publicKey: KeyObject };
let pkcs8: string;
let pkcs1: string;

beforeAll(() => {
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
});

/** The base64 body of a PEM, without its armour lines and line breaks. */
const pemBody = (pem: string): string =>
  pem
    .replace(/\\n/g, '\n')
    .split(/\r?\n/)
    .filter((line) => line !== '' && !line.startsWith('-----') && !line.includes(':'))
    .join('');

/** Fails when `message` contains any 20-character run of the PEM body (line breaks ignored). */
function expectNoKeyMaterial(message: string, pem: string): void {
  const body = pemBody(pem);
  const flat = message.replace(/\s+/g, '');
  for (let i = 0; i + 20 <= body.length; i++) {
    const run = body.slice(i, i + 20);
    if (message.includes(run) || flat.includes(run)) throw new Error(`message contains key material at ${i}`);
  }
}

function expectOk(input: unknown): SigningKey {
  const result = importPrivateKey(input);
  if (!result.ok) throw new Error(`expected the key to import, got: ${result.issue.message}`);
  return result.key;
}

function expectIssue(input: unknown, pattern: RegExp): string {
  const result = importPrivateKey(input);
  if (result.ok) throw new Error('expected the key to be rejected');
  expect(result.issue.path).toBe('serviceAccount.privateKey');
  expect(result.issue.message).toMatch(pattern);
  return result.issue.message;
}

describe('importPrivateKey: accepted keys', () => {
  it('accepts a PKCS#8 PEM and returns an RSA private KeyObject', () => {
    const key = expectOk(pkcs8) as KeyObject;
    expect(key.type).toBe('private');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(createPublicKey(key).export({ type: 'spki', format: 'pem' })).toBe(
      rsa.publicKey.export({ type: 'spki', format: 'pem' }),
    );
  });

  it('accepts a PKCS#1 ("RSA PRIVATE KEY" label) PEM', () => {
    expect(pkcs1.startsWith(pemHeader('RSA PRIVATE KEY'))).toBe(true);
    expect((expectOk(pkcs1) as KeyObject).asymmetricKeyType).toBe('rsa');
  });

  it('accepts a PEM whose newlines arrived as literal backslash-n sequences (environment variable)', () => {
    const escaped = pkcs8.trim().replace(/\n/g, '\\n');
    expect(escaped).not.toContain('\n');
    expect((expectOk(escaped) as KeyObject).type).toBe('private');
  });

  it('accepts a PEM with literal backslash-r-backslash-n sequences', () => {
    expect((expectOk(pkcs1.trim().replace(/\n/g, '\\r\\n')) as KeyObject).type).toBe('private');
  });

  it('accepts a PEM with CRLF line endings and surrounding whitespace', () => {
    expect((expectOk(`\n  ${pkcs8.replace(/\n/g, '\r\n')}  \n`) as KeyObject).type).toBe('private');
  });

  it.each(['"', "'"])('accepts a PEM wrapped in %s quotes', (quote) => {
    expect((expectOk(`${quote}${pkcs8.trim()}${quote}`) as KeyObject).type).toBe('private');
  });

  it('accepts a quoted PEM with escaped newlines, as copied from a JSON secret', () => {
    const fromJson = JSON.stringify(pkcs8);
    expect((expectOk(fromJson) as KeyObject).type).toBe('private');
  });

  it('accepts a private KeyObject as it is', () => {
    expect(expectOk(rsa.privateKey)).toBe(rsa.privateKey);
  });

  it('accepts a non-extractable WebCrypto RSASSA-PKCS1-v1_5 SHA-256 private key', async () => {
    const der = rsa.privateKey.export({ type: 'pkcs8', format: 'der' });
    const key = await webcrypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    expect(key.extractable).toBe(false);
    expect(expectOk(key)).toBe(key);
  });
});

describe('importPrivateKey: rejected keys name the defect', () => {
  it.each(['', '   ', '\n\n', '""', "''"])('rejects %j as empty', (value) => {
    expectIssue(value, /^is empty$/);
  });

  it('rejects text that is not PEM', () => {
    const base64Only = pemBody(pkcs8);
    const message = expectIssue(base64Only, /^is not PEM: no "-----BEGIN \.\.\.-----" line found$/);
    expectNoKeyMaterial(message, pkcs8);
  });

  it('rejects an encrypted PKCS#8 PEM and says passphrases are not supported', () => {
    const encrypted = rsa.privateKey
      .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' })
      .toString();
    expect(encrypted).toContain('ENCRYPTED PRIVATE KEY');
    const message = expectIssue(encrypted, /is an encrypted PEM; decrypt it first/);
    expectNoKeyMaterial(message, encrypted);
  });

  it.each([
    ['SPKI', () => rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
    ['PKCS#1', () => rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString()],
  ])('rejects a %s public key PEM', (_what, make) => {
    const pem = make();
    const message = expectIssue(pem, /^is a public key; the private key is needed$/);
    expectNoKeyMaterial(message, pem);
  });

  it('rejects a public KeyObject', () => {
    expectIssue(rsa.publicKey, /^is a public key; a private key is needed$/);
  });

  it('rejects a secret KeyObject', () => {
    expectIssue(createSecretKey(Buffer.alloc(32, 1)), /^is a secret key; a private key is needed$/);
  });

  it('rejects an EC private key (PKCS#8) because RS256 needs RSA', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const message = expectIssue(pem, /ec key; RS256 needs an RSA key/);
    expectNoKeyMaterial(message, pem);
    expectIssue(ec.privateKey, /ec key; RS256 needs an RSA key/);
  });

  it('rejects an EC private key in SEC1 ("BEGIN EC PRIVATE KEY") PEM as an unsupported type', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    const message = expectIssue(pem, /^has unsupported PEM type "EC PRIVATE KEY"$/);
    expectNoKeyMaterial(message, pem);
  });

  it('rejects an RSA-PSS key because RS256 needs a plain RSA key', () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    expectIssue(pss.privateKey, /rsa-pss key; RS256 needs an RSA key/);
  });

  it('rejects a certificate', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n';
    expectIssue(pem, /^is a certificate; the private key is needed$/);
  });

  it('rejects a 1024-bit RSA key and says 2048 bits are needed', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = weak.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const message = expectIssue(pem, /^is a 1024-bit RSA key; RS256 needs at least 2048 bits$/);
    expectNoKeyMaterial(message, pem);
    expectIssue(weak.privateKey, /1024-bit RSA key/);
  });

  it('rejects a truncated PEM that has no END line', () => {
    const lines = pkcs8.trim().split('\n');
    const truncated = lines.slice(0, Math.floor(lines.length / 2)).join('\n');
    const message = expectIssue(truncated, /^is truncated: no "-----END PRIVATE KEY-----" line$/);
    expectNoKeyMaterial(message, pkcs8);
  });

  it('rejects a PEM whose base64 body was corrupted', () => {
    const lines = pkcs8.trim().split('\n');
    const middle = Math.floor(lines.length / 2);
    lines[middle] = `${'*'.repeat(10)}${lines[middle]?.slice(10) ?? ''}`;
    const corrupted = lines.join('\n');
    const message = expectIssue(
      corrupted,
      /^could not be parsed as PRIVATE KEY \(corrupted or incomplete base64 body\)$/,
    );
    expectNoKeyMaterial(message, pkcs8);
  });

  it('rejects a PKCS#1 PEM with a line of its body missing', () => {
    const lines = pkcs1.trim().split('\n');
    lines.splice(Math.floor(lines.length / 2), 1);
    const damaged = lines.join('\n');
    const message = expectIssue(damaged, /^could not be parsed as RSA PRIVATE KEY/);
    expectNoKeyMaterial(message, pkcs1);
  });

  it('rejects a WebCrypto key imported for another algorithm', async () => {
    const der = rsa.privateKey.export({ type: 'pkcs8', format: 'der' });
    const pss = await webcrypto.subtle.importKey('pkcs8', der, { name: 'RSA-PSS', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    expectIssue(pss, /^CryptoKey must be imported as \{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" \}$/);
  });

  it('rejects a WebCrypto RSASSA-PKCS1-v1_5 key bound to SHA-384', async () => {
    const der = rsa.privateKey.export({ type: 'pkcs8', format: 'der' });
    const key = await webcrypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' },
      false,
      ['sign'],
    );
    expectIssue(key, /CryptoKey must be imported as/);
  });

  it('rejects a WebCrypto public key', async () => {
    const der = rsa.publicKey.export({ type: 'spki', format: 'der' });
    const key = await webcrypto.subtle.importKey(
      'spki',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      true,
      ['verify'],
    );
    expectIssue(key, /^is a public CryptoKey; a private key is needed$/);
  });

  // Regression: a small CryptoKey used to pass construction and fail at the first token request.
  it('rejects a 1024-bit WebCrypto key like a 1024-bit PEM', async () => {
    const pair = await webcrypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      false,
      ['sign', 'verify'],
    );
    expectIssue(pair.privateKey, /^is a 1024-bit RSA CryptoKey; RS256 needs at least 2048 bits$/);
  });

  it.each([
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
    ['a Buffer', Buffer.from(pemHeader('PRIVATE KEY'))],
    ['a plain object', { key: 'x' }],
  ])('rejects %s', (_what, value) => {
    expectIssue(value, /^must be a PEM string, a KeyObject or a CryptoKey$/);
  });
});
