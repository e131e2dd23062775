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
 * A PKCS#8 key imported into WebCrypto on first use, where `node:crypto` is not available (workerd
 * without `nodejs_compat`, Vercel Edge): WebCrypto imports are asynchronous and construction is
 * not, so its key type and size are checked then. The DER bytes live in a closure, never on the
 * object, and are zeroed once imported.
 */
export interface DeferredKey {
  readonly kind: 'deferred-key';
  /**
   * @returns the non-extractable RSASSA-PKCS1-v1_5/SHA-256 signing key (imported once)
   * @throws KeyImportError naming the defect (non-RSA, under 2048 bits, unreadable)
   */
  load(): Promise<CryptoKey>;
}

/** A deferred key could not be used; the message names the defect, never key material. */
export class KeyImportError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KeyImportError';
  }
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
 * a WebCrypto `CryptoKey`. With `node:crypto` a PEM becomes a checked `KeyObject`; without it, a
 * {@link DeferredKey} checked when WebCrypto imports it. Messages name the defect and never contain
 * key material.
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
  const encrypted = fail('is an encrypted PEM; decrypt it first (no passphrase support)');
  if (label === 'ENCRYPTED PRIVATE KEY') return encrypted;
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
  if (/^Proc-Type:.*ENCRYPTED/m.test(body)) return encrypted;
  const unparsable = fail(`could not be parsed as ${label} (corrupted or incomplete base64 body)`);
  if (nodeCrypto !== null) {
    try {
      return checkKeyObject(nodeCrypto.createPrivateKey({ key: pem, format: 'pem' }));
    } catch {
      // The underlying message is OpenSSL's; ours names the likely defect and nothing of the key.
      return unparsable;
    }
  }
  const der = decodeBase64(body.replace(/^[\w-]+:.*$/gm, '').replace(/\s+/g, ''));
  if (der === undefined) return unparsable;
  return { ok: true, key: deferKey(label === 'PRIVATE KEY' ? der : wrapPkcs1(der)) };
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

function deferKey(pkcs8: Uint8Array<ArrayBuffer>): DeferredKey {
  let imported: Promise<CryptoKey> | undefined;
  return Object.freeze({
    kind: 'deferred-key' as const,
    load(): Promise<CryptoKey> {
      imported ??= (async () => {
        const bytes = pkcs8;
        let key: CryptoKey;
        try {
          key = await crypto.subtle.importKey('pkcs8', bytes, WEBCRYPTO_RS256, false, ['sign']);
        } catch (err) {
          const type = nonRsaType(bytes);
          throw new KeyImportError(
            type === undefined
              ? 'could not be imported into WebCrypto'
              : `is a ${type} key; RS256 needs an RSA key`,
            err,
          );
        } finally {
          bytes.fill(0);
        }
        const bits = (key.algorithm as { modulusLength?: number }).modulusLength ?? 0;
        if (bits < 2048) throw new KeyImportError(`is a ${bits}-bit RSA key; RS256 needs at least 2048 bits`);
        return key;
      })();
      return imported;
    },
  });
}

// DER of the algorithm OIDs of PKCS#8 keys WebCrypto refuses as RSASSA, named as node:crypto names them.
const OTHER_KEY_TYPES: ReadonlyArray<readonly [string, string]> = [
  ['06092a864886f70d01010a', 'rsa-pss'],
  ['06072a8648ce3d0201', 'ec'],
  ['06072a8648ce380401', 'dsa'],
  ['06032b656e', 'x25519'],
  ['06032b656f', 'x448'],
  ['06032b6570', 'ed25519'],
  ['06032b6571', 'ed448'],
];

/** The key type named by a PKCS#8 header (its first 32 bytes hold the algorithm OID), unless RSA. */
function nonRsaType(pkcs8: Uint8Array): string | undefined {
  const head = Array.from(pkcs8.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join('');
  return OTHER_KEY_TYPES.find(([oid]) => head.includes(oid))?.[1];
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length === 0 || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

const derLength = (n: number): number[] =>
  n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
// AlgorithmIdentifier { rsaEncryption, NULL }.
const RSA_ALGORITHM = [
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING }, for WebCrypto. */
function wrapPkcs1(pkcs1: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const octets = [0x04, ...derLength(pkcs1.length)];
  const size = 3 + RSA_ALGORITHM.length + octets.length + pkcs1.length;
  const head = [0x30, ...derLength(size), 0x02, 0x01, 0x00, ...RSA_ALGORITHM, ...octets];
  const out = new Uint8Array(head.length + pkcs1.length);
  out.set(head);
  out.set(pkcs1, head.length);
  pkcs1.fill(0);
  return out;
}
