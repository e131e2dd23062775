import { createPrivateKey, KeyObject } from 'node:crypto';
import type { FieldIssue } from '../errors.js';

/** What `serviceAccount.privateKey` accepts. */
export type PrivateKeyInput = string | KeyObject | CryptoKey;

/** A signing key ready for RS256, or the reason it is not. */
export type ImportedKey = { ok: true; key: KeyObject | CryptoKey } | { ok: false; issue: FieldIssue };

const PATH = 'serviceAccount.privateKey';
const fail = (message: string): ImportedKey => ({ ok: false, issue: { path: PATH, message } });

/**
 * Turns the configured key into a key object once, at construction, so the PEM string need not be
 * kept. Accepts PKCS#8 (`BEGIN PRIVATE KEY`) and PKCS#1 (`BEGIN RSA PRIVATE KEY`) PEM, including
 * PEM whose newlines arrived as the two characters `\n` (environment variables), a `KeyObject` or
 * a WebCrypto `CryptoKey`. Messages name the defect and never contain key material.
 * @param input - the configured key
 * @returns the imported key, or an issue naming what is wrong
 */
export function importPrivateKey(input: unknown): ImportedKey {
  if (typeof input === 'string') return importPem(input);
  if (input instanceof KeyObject) return checkKeyObject(input);
  if (isCryptoKey(input)) return checkCryptoKey(input);
  return fail('must be a PEM string, a KeyObject or a CryptoKey');
}

function importPem(raw: string): ImportedKey {
  let pem = raw.trim();
  // Environment variables and JSON secrets often carry quotes and literal "\n" sequences.
  if (pem.length >= 2 && (pem[0] === '"' || pem[0] === "'") && pem.at(-1) === pem[0]) pem = pem.slice(1, -1);
  pem = pem.replace(/\\r\\n|\\n/g, '\n').replace(/\r\n/g, '\n');
  if (pem === '') return fail('is empty');
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem)?.[1];
  if (label === undefined) return fail('is not PEM: no "-----BEGIN ...-----" line found');
  if (label === 'ENCRYPTED PRIVATE KEY')
    return fail('is an encrypted PEM; decrypt it first (no passphrase support)');
  if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY')
    return fail('is a public key; the private key is needed');
  if (label === 'CERTIFICATE') return fail('is a certificate; the private key is needed');
  if (label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY')
    return fail(`has unsupported PEM type "${label}"`);
  if (!pem.includes(`-----END ${label}-----`)) return fail(`is truncated: no "-----END ${label}-----" line`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The underlying message is OpenSSL's; ours names the likely defect and nothing of the key.
    return fail(`could not be parsed as ${label} (corrupted or incomplete base64 body)`);
  }
  return checkKeyObject(key);
}

function checkKeyObject(key: KeyObject): ImportedKey {
  if (key.type !== 'private') return fail(`is a ${key.type} key; a private key is needed`);
  if (key.asymmetricKeyType !== 'rsa') {
    return fail(`is a ${key.asymmetricKeyType ?? 'non-RSA'} key; RS256 needs an RSA key`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return fail(`is a ${bits}-bit RSA key; RS256 needs at least 2048 bits`);
  return { ok: true, key };
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return typeof CryptoKey !== 'undefined' && value instanceof CryptoKey;
}

function checkCryptoKey(key: CryptoKey): ImportedKey {
  const algorithm = key.algorithm as { name?: string; hash?: { name?: string }; modulusLength?: number };
  if (key.type !== 'private') return fail(`is a ${key.type} CryptoKey; a private key is needed`);
  if (algorithm.name !== 'RSASSA-PKCS1-v1_5' || algorithm.hash?.name !== 'SHA-256') {
    return fail('CryptoKey must be imported as { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }');
  }
  if (!key.usages.includes('sign')) return fail('CryptoKey must allow the "sign" usage');
  const bits = algorithm.modulusLength ?? 0;
  if (bits < 2048) return fail(`is a ${bits}-bit RSA CryptoKey; RS256 needs at least 2048 bits`);
  return { ok: true, key };
}
