// Type-only: the module itself loads on runtimes without `node:` modules (workerd, Vercel Edge).
import type { createHash, createPrivateKey, KeyObject } from 'node:crypto';
import type { FieldIssue } from '../errors.js';

/**
 * What `serviceAccount.privateKey` accepts.
 */
export type PrivateKeyInput = string | KeyObject | WebCryptoKey;

/**
 * The shape of a WebCrypto `CryptoKey`, spelled out so the public types need neither the DOM lib
 * nor `@types/node`'s `webcrypto` (with the global `CryptoKey` missing, the option would silently
 * accept anything).
 */
export interface WebCryptoKey {
  /** Must be `'private'`. */
  readonly type: 'private' | 'public' | 'secret';
  /** Must be RSASSA-PKCS1-v1_5 with SHA-256 and at least 2048 bits (checked at construction). */
  readonly algorithm: {
    /** `'RSASSA-PKCS1-v1_5'`. */
    readonly name: string;
  };
  /** Must include `'sign'`. */
  readonly usages: readonly string[];
  /** Either; `false` is recommended. */
  readonly extractable: boolean;
}

/**
 * A PKCS#8 RSA key checked at construction and imported into WebCrypto on first use. Used where
 * `node:crypto` is not available (workerd without `nodejs_compat`, Vercel Edge): WebCrypto imports
 * are asynchronous and construction is not. The DER bytes live in a closure, never on the object,
 * and are zeroed once imported.
 */
export interface DeferredKey {
  readonly kind: 'deferred-key';
  /** RSA modulus length, in bits. */
  readonly modulusLength: number;
  /** @returns the non-extractable RSASSA-PKCS1-v1_5/SHA-256 signing key (imported once) */
  load(): Promise<CryptoKey>;
}

/** A key ready for RS256: a KeyObject (Node), a CryptoKey, or a key imported on first use. */
export type SigningKey = KeyObject | CryptoKey | DeferredKey;

/** A signing key ready for RS256, or the reason it is not. */
export type ImportedKey = { ok: true; key: SigningKey } | { ok: false; issue: FieldIssue };

/** The part of `node:crypto` the SDK uses, when the runtime has it. */
export interface NodeCrypto {
  readonly createHash: typeof createHash;
  readonly createPrivateKey: typeof createPrivateKey;
  readonly KeyObject: typeof KeyObject;
}

const PATH = 'serviceAccount.privateKey';
const fail = (message: string): ImportedKey => ({ ok: false, issue: { path: PATH, message } });
const WEBCRYPTO_RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/**
 * `node:crypto` without a top-level import: `process.getBuiltinModule` exists on Node ≥ 20.16, Bun,
 * Deno and workerd with `nodejs_compat`; elsewhere the SDK signs through WebCrypto.
 * @returns the module, or `undefined` on runtimes without it
 */
export function loadNodeCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    const mod = proc?.getBuiltinModule?.('node:crypto') as Partial<NodeCrypto> | undefined;
    return typeof mod?.createPrivateKey === 'function' && typeof mod.KeyObject === 'function'
      ? (mod as NodeCrypto)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Turns the configured key into a signing key once, at construction, so the PEM string need not be
 * kept. Accepts PKCS#8 (PEM label `PRIVATE KEY`) and PKCS#1 (label `RSA PRIVATE KEY`) PEM, including
 * PEM whose newlines arrived as the two characters `\n` (environment variables), a `KeyObject` or
 * a WebCrypto `CryptoKey`. A PEM is checked synchronously everywhere (armour, base64, DER
 * structure, key type, modulus size); with `node:crypto` it becomes a `KeyObject`, without it a
 * {@link DeferredKey} imported into WebCrypto on first use. Messages name the defect and never
 * contain key material.
 * @param input - the configured key
 * @param nodeCrypto - `node:crypto`, or `null` to take the WebCrypto path (tests)
 * @returns the imported key, or an issue naming what is wrong
 */
export function importPrivateKey(
  input: unknown,
  nodeCrypto: NodeCrypto | null = loadNodeCrypto() ?? null,
): ImportedKey {
  if (typeof input === 'string') return importPem(input, nodeCrypto);
  if (nodeCrypto !== null && input instanceof nodeCrypto.KeyObject) return checkKeyObject(input);
  if (isCryptoKey(input)) return checkCryptoKey(input);
  return fail('must be a PEM string, a KeyObject or a CryptoKey');
}

function importPem(raw: string, nodeCrypto: NodeCrypto | null): ImportedKey {
  let pem = raw.trim();
  // Environment variables and JSON secrets often carry quotes and literal "\n" sequences.
  if (pem.length >= 2 && (pem[0] === '"' || pem[0] === "'") && pem.at(-1) === pem[0]) pem = pem.slice(1, -1);
  pem = pem.replace(/\\r\\n|\\n/g, '\n').replace(/\r\n/g, '\n');
  if (pem === '') return fail('is empty');
  const begin = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  const label = begin?.[1];
  if (begin === null || label === undefined) return fail('is not PEM: no "-----BEGIN ...-----" line found');
  if (label === 'ENCRYPTED PRIVATE KEY')
    return fail('is an encrypted PEM; decrypt it first (no passphrase support)');
  if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY')
    return fail('is a public key; the private key is needed');
  if (label === 'CERTIFICATE') return fail('is a certificate; the private key is needed');
  if (label !== 'PRIVATE KEY' && label !== 'RSA PRIVATE KEY')
    return fail(`has unsupported PEM type "${label}"`);
  const endLine = `-----END ${label}-----`;
  const end = pem.indexOf(endLine, begin.index);
  if (end === -1) return fail(`is truncated: no "${endLine}" line`);
  const body = pem.slice(begin.index + begin[0].length, end);
  // RFC 1421 headers: "Proc-Type: 4,ENCRYPTED" marks a legacy OpenSSL-encrypted PKCS#1 key.
  if (/^Proc-Type:.*ENCRYPTED/m.test(body))
    return fail('is an encrypted PEM; decrypt it first (no passphrase support)');
  const unparsable = fail(`could not be parsed as ${label} (corrupted or incomplete base64 body)`);
  const der = decodeBase64(body.replace(/^[\w-]+:.*$/gm, '').replace(/\s+/g, ''));
  if (der === undefined) return unparsable;
  const parsed = label === 'PRIVATE KEY' ? parsePkcs8(der) : parsePkcs1(der);
  if (parsed === undefined) return unparsable;
  if (parsed.type !== 'rsa') return fail(`is a ${parsed.type} key; RS256 needs an RSA key`);
  if (parsed.bits < 2048) return fail(`is a ${parsed.bits}-bit RSA key; RS256 needs at least 2048 bits`);

  if (nodeCrypto !== null) {
    let key: KeyObject;
    try {
      key = nodeCrypto.createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      // The underlying message is OpenSSL's; ours names the likely defect and nothing of the key.
      return unparsable;
    }
    return checkKeyObject(key);
  }
  const pkcs8 = label === 'PRIVATE KEY' ? der : wrapPkcs1(der);
  if (pkcs8 !== der) der.fill(0);
  return { ok: true, key: deferKey(pkcs8, parsed.bits) };
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

/**
 * @param key - a signing key
 * @returns whether it is imported on first use
 */
export function isDeferredKey(key: unknown): key is DeferredKey {
  return typeof key === 'object' && key !== null && (key as { kind?: unknown }).kind === 'deferred-key';
}

function deferKey(pkcs8: Uint8Array<ArrayBuffer>, modulusLength: number): DeferredKey {
  let material: Uint8Array<ArrayBuffer> | undefined = pkcs8;
  let imported: Promise<CryptoKey> | undefined;
  return Object.freeze({
    kind: 'deferred-key' as const,
    modulusLength,
    load(): Promise<CryptoKey> {
      imported ??= (async () => {
        const bytes = material;
        material = undefined;
        if (bytes === undefined) throw new Error('key material already consumed');
        try {
          return await crypto.subtle.importKey('pkcs8', bytes, WEBCRYPTO_RS256, false, ['sign']);
        } finally {
          bytes.fill(0);
        }
      })();
      return imported;
    },
  });
}

// --- Minimal DER reading: enough to name a key's type and size without node:crypto. ---

/** One DER element: its tag and where its contents start and end. */
interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

function readTlv(der: Uint8Array, offset: number, limit: number): Tlv | undefined {
  if (offset + 2 > limit) return undefined;
  const tag = der[offset]!;
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    // Definite lengths only (DER), up to 4 length bytes.
    if (count === 0 || count > 4 || start + count > limit) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  if (start + length > limit) return undefined;
  return { tag, start, end: start + length };
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const OID = 0x06;

/** Key algorithm OIDs, named as `KeyObject.asymmetricKeyType` names them. */
const KEY_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.113549.1.1.10': 'rsa-pss',
  '1.2.840.10045.2.1': 'ec',
  '1.2.840.10040.4.1': 'dsa',
  '1.2.840.113549.1.3.1': 'dh',
  '1.3.101.110': 'x25519',
  '1.3.101.111': 'x448',
  '1.3.101.112': 'ed25519',
  '1.3.101.113': 'ed448',
};

interface ParsedKey {
  readonly type: string;
  readonly bits: number;
}

/** PrivateKeyInfo / OneAsymmetricKey (RFC 5208, 5958). */
function parsePkcs8(der: Uint8Array): ParsedKey | undefined {
  const outer = readTlv(der, 0, der.length);
  if (outer?.tag !== SEQUENCE || outer.end !== der.length) return undefined;
  const version = readTlv(der, outer.start, outer.end);
  if (version?.tag !== INTEGER) return undefined;
  const algorithm = readTlv(der, version.end, outer.end);
  if (algorithm?.tag !== SEQUENCE) return undefined;
  const oid = readTlv(der, algorithm.start, algorithm.end);
  if (oid?.tag !== OID) return undefined;
  const privateKey = readTlv(der, algorithm.end, outer.end);
  if (privateKey?.tag !== OCTET_STRING) return undefined;
  const type = KEY_TYPES[decodeOid(der.subarray(oid.start, oid.end))] ?? 'non-RSA';
  if (type !== 'rsa') return { type, bits: 0 };
  return parsePkcs1(der.subarray(privateKey.start, privateKey.end));
}

/** RSAPrivateKey (RFC 8017 A.1.2): version, n, e, d, p, q, dp, dq, qinv. */
function parsePkcs1(der: Uint8Array): ParsedKey | undefined {
  const outer = readTlv(der, 0, der.length);
  if (outer?.tag !== SEQUENCE || outer.end !== der.length) return undefined;
  const integers: Tlv[] = [];
  let offset = outer.start;
  while (integers.length < 9) {
    const tlv = readTlv(der, offset, outer.end);
    if (tlv?.tag !== INTEGER || tlv.end === tlv.start) return undefined;
    integers.push(tlv);
    offset = tlv.end;
  }
  const modulus = integers[1]!;
  let first = modulus.start;
  while (first < modulus.end && der[first] === 0) first++;
  if (first === modulus.end) return undefined;
  const bits = (modulus.end - first) * 8 - Math.clz32(der[first]!) + 24;
  return { type: 'rsa', bits };
}

function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0) return '';
  const first = bytes[0]!;
  const parts = [Math.min(2, Math.floor(first / 40)), first - Math.min(2, Math.floor(first / 40)) * 40];
  let value = 0;
  for (let i = 1; i < bytes.length; i++) {
    value = value * 128 + (bytes[i]! & 0x7f);
    if (!(bytes[i]! & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function encodeLength(length: number): number[] {
  if (length < 0x80) return [length];
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return [0x80 | bytes.length, ...bytes];
}

// AlgorithmIdentifier { rsaEncryption, NULL }.
const RSA_ALGORITHM = [
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/** Wraps a PKCS#1 RSAPrivateKey into PKCS#8, the only private key format WebCrypto imports. */
function wrapPkcs1(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const octetString = [OCTET_STRING, ...encodeLength(pkcs1.length)];
  const contentLength = 3 + RSA_ALGORITHM.length + octetString.length + pkcs1.length;
  const head = [
    SEQUENCE,
    ...encodeLength(contentLength),
    INTEGER,
    0x01,
    0x00,
    ...RSA_ALGORITHM,
    ...octetString,
  ];
  const out = new Uint8Array(head.length + pkcs1.length);
  out.set(head, 0);
  out.set(pkcs1, head.length);
  return out;
}
