// Type-only: the module itself loads on runtimes without `node:` modules (workerd, Vercel Edge).
import type * as NodeCryptoModule from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { FieldIssue } from '../errors.js';

/** What `serviceAccount.privateKey` accepts: PKCS#8 or PKCS#1 PEM, a `KeyObject` or a `CryptoKey`. */
export type PrivateKeyInput = string | KeyObject | WebCryptoKey;

/** A WebCrypto `CryptoKey`, spelled out so the public types need neither the DOM lib nor `@types/node`. */
export interface WebCryptoKey {
  /** Must be `'private'`. */
  readonly type: 'private' | 'public' | 'secret';
  /** Must be RSASSA-PKCS1-v1_5 with SHA-256, at least 2048 bits. */
  readonly algorithm: {
    /** `'RSASSA-PKCS1-v1_5'`. */
    readonly name: string;
  };
  /** Must include `'sign'`. */
  readonly usages: readonly string[];
  /** Either; `false` is recommended. */
  readonly extractable: boolean;
}

// Imported into WebCrypto on first use where `node:crypto` is missing (construction is synchronous).
export interface DeferredKey {
  readonly kind: 'deferred-key';
  load(): Promise<CryptoKey>;
}

export class KeyImportError extends Error {
  override name = 'KeyImportError';
}

export type SigningKey = KeyObject | CryptoKey | DeferredKey;

type ImportedKey = { ok: true; key: SigningKey } | { ok: false; issue: FieldIssue };

type NodeCrypto = Pick<typeof NodeCryptoModule, 'createPrivateKey' | 'KeyObject'>;

const PATH = 'serviceAccount.privateKey';
const fail = (message: string): ImportedKey => ({ ok: false, issue: { path: PATH, message } });
const tooSmall = (bits: number, what = 'key') =>
  `is a ${bits}-bit RSA ${what}; RS256 needs at least 2048 bits`;

// process.getBuiltinModule: Node ≥ 20.16, Bun, Deno, workerd with nodejs_compat; elsewhere WebCrypto signs.
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

// At construction, so the PEM need not be kept. Issues name the defect, never key material.
export function importPrivateKey(input: unknown, nodeCrypto = loadNodeCrypto() ?? null): ImportedKey {
  if (typeof input === 'string') return importPem(input, nodeCrypto);
  if (nodeCrypto !== null && input instanceof nodeCrypto.KeyObject) return checkKeyObject(input);
  if (typeof CryptoKey !== 'undefined' && input instanceof CryptoKey) return checkCryptoKey(input);
  return fail('must be a PEM string, a KeyObject or a CryptoKey');
}

function importPem(raw: string, nodeCrypto: NodeCrypto | null): ImportedKey {
  let pem = raw.trim();
  // Environment variables and JSON secrets often carry quotes and literal "\n" sequences.
  if (pem.length >= 2 && (pem[0] === '"' || pem[0] === "'") && pem.at(-1) === pem[0]) pem = pem.slice(1, -1);
  pem = pem.replace(/\\r\\n|\\n/g, '\n').replace(/\r\n/g, '\n');
  if (pem === '') return fail('is empty');
  const begin = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  if (begin === null) return fail('is not PEM: no "-----BEGIN ...-----" line found');
  const label = begin[1] as string;
  const encrypted = fail('is an encrypted PEM; decrypt it first (no passphrase support)');
  if (label === 'ENCRYPTED PRIVATE KEY') return encrypted;
  if (label.endsWith('PUBLIC KEY')) return fail('is a public key; the private key is needed');
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
      return unparsable; // OpenSSL's message is no help to a user
    }
  }
  const base64 = body.replace(/^[\w-]+:.*$/gm, '').replace(/\s+/g, '');
  if (base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return unparsable;
  const der = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return { ok: true, key: deferKey(label === 'PRIVATE KEY' ? der : wrapPkcs1(der)) };
}

function checkKeyObject(key: KeyObject): ImportedKey {
  if (key.type !== 'private') return fail(`is a ${key.type} key; a private key is needed`);
  if (key.asymmetricKeyType !== 'rsa') {
    return fail(`is a ${key.asymmetricKeyType ?? 'non-RSA'} key; RS256 needs an RSA key`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return bits < 2048 ? fail(tooSmall(bits)) : { ok: true, key };
}

function checkCryptoKey(key: CryptoKey): ImportedKey {
  const algorithm = key.algorithm as { name?: string; hash?: { name?: string }; modulusLength?: number };
  if (key.type !== 'private') return fail(`is a ${key.type} CryptoKey; a private key is needed`);
  if (algorithm.name !== 'RSASSA-PKCS1-v1_5' || algorithm.hash?.name !== 'SHA-256') {
    return fail('CryptoKey must be imported as { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }');
  }
  if (!key.usages.includes('sign')) return fail('CryptoKey must allow the "sign" usage');
  const bits = algorithm.modulusLength ?? 0;
  return bits < 2048 ? fail(tooSmall(bits, 'CryptoKey')) : { ok: true, key };
}

function deferKey(pkcs8: Uint8Array<ArrayBuffer>): DeferredKey {
  let imported: Promise<CryptoKey> | undefined;
  const load = async () => {
    let key: CryptoKey;
    try {
      const rs256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
      key = await crypto.subtle.importKey('pkcs8', pkcs8, rs256, false, ['sign']);
    } catch (err) {
      // The first 32 bytes of a PKCS#8 key hold its algorithm OID.
      const head = Array.from(pkcs8.subarray(0, 32), (b) => b.toString(16).padStart(2, '0')).join('');
      const type = OTHER_KEY_TYPES.find(([oid]) => head.includes(oid))?.[1];
      const what = type ? `is a ${type} key; RS256 needs an RSA key` : 'could not be imported into WebCrypto';
      throw new KeyImportError(what, { cause: err });
    } finally {
      pkcs8.fill(0);
    }
    const bits = (key.algorithm as { modulusLength?: number }).modulusLength ?? 0;
    if (bits < 2048) throw new KeyImportError(tooSmall(bits));
    return key;
  };
  return Object.freeze({ kind: 'deferred-key' as const, load: () => (imported ??= load()) });
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

const derLength = (n: number) => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff]);
// INTEGER 0 (version), AlgorithmIdentifier { rsaEncryption, NULL }.
const PKCS8_PREFIX = [2, 1, 0, 0x30, 0x0d, 6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 1, 1, 1, 5, 0];

// PKCS#8 PrivateKeyInfo: SEQUENCE { version, algorithm, OCTET STRING { the PKCS#1 key } }.
function wrapPkcs1(pkcs1: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const octets = [0x04, ...derLength(pkcs1.length)];
  const size = PKCS8_PREFIX.length + octets.length + pkcs1.length;
  const head = [0x30, ...derLength(size), ...PKCS8_PREFIX, ...octets];
  const out = new Uint8Array(head.length + pkcs1.length);
  out.set(head);
  out.set(pkcs1, head.length);
  pkcs1.fill(0);
  return out;
}
