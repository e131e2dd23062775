// The key path of runtimes without node:crypto (workerd without nodejs_compat, Vercel Edge):
// construction checks the PEM's armour and base64; the key is imported into WebCrypto on first
// use, which checks its type and size. Forced here by passing no node:crypto, or by hiding it.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { jwtVerify } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { signAssertion } from '../../src/auth/assertion.js';
import {
  type DeferredKey,
  importPrivateKey,
  KeyImportError,
  loadNodeCrypto,
} from '../../src/auth/private-key.js';
import { IdCloudClient, TokenError } from '../../src/index.js';
import { createSamplePng, SCENARIOS } from '../../src/testing/index.js';
import { closeAfterTest, inputFor, setup } from '../helpers/emulator.js';

let rsa: { privateKey: KeyObject; publicKey: KeyObject };
let pkcs8: string;
let pkcs1: string;

beforeAll(() => {
  rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  pkcs8 = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  pkcs1 = rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
});

const bodyOf = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----'));

function deferred(input: unknown): DeferredKey {
  const result = importPrivateKey(input, null);
  if (!result.ok) throw new Error(`expected the key to import, got: ${result.issue.message}`);
  expect(result.key).toMatchObject({ kind: 'deferred-key' });
  return result.key as DeferredKey;
}

function issue(input: unknown): string {
  const result = importPrivateKey(input, null);
  if (result.ok) throw new Error('expected the key to be rejected');
  expect(result.issue.path).toBe('serviceAccount.privateKey');
  return result.issue.message;
}

async function loadIssue(input: string): Promise<string> {
  const err = await deferred(input)
    .load()
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(KeyImportError);
  const message = (err as Error).message;
  for (const line of bodyOf(input)) expect(message).not.toContain(line.slice(0, 20));
  return message;
}

async function verifies(key: DeferredKey): Promise<void> {
  const jwt = await signAssertion({
    issuer: 'a@t.iam.acesso.io',
    audience: 'https://id.example',
    key,
    issuedAt: 1_760_000_000,
    lifetimeSeconds: 300,
  });
  const { payload } = await jwtVerify(jwt, rsa.publicKey, {
    algorithms: ['RS256'],
    currentDate: new Date(1_760_000_010_000),
  });
  expect(payload['iss']).toBe('a@t.iam.acesso.io');
}

describe('importPrivateKey without node:crypto', () => {
  it('finds node:crypto through process.getBuiltinModule on Node', () => {
    expect(loadNodeCrypto()?.createPrivateKey).toBeTypeOf('function');
  });

  it('imports a PKCS#8 PEM into WebCrypto on first use, once', async () => {
    const key = deferred(pkcs8);
    const cryptoKey = await key.load();
    expect(cryptoKey).toMatchObject({ type: 'private', extractable: false, usages: ['sign'] });
    expect(cryptoKey.algorithm).toMatchObject({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
    expect(await key.load()).toBe(cryptoKey);
    await verifies(key);
  });

  it('wraps a PKCS#1 PEM (with literal \\n, as from an environment variable) into PKCS#8', async () => {
    const key = deferred(pkcs1.trim().replace(/\n/g, '\\n'));
    expect((await key.load()).algorithm).toMatchObject({ modulusLength: 2048 });
    await verifies(key);
  });

  it('wraps 3072- and 4096-bit PKCS#1 keys (long DER lengths)', async () => {
    for (const bits of [3072, 4096]) {
      const pem = generateKeyPairSync('rsa', { modulusLength: bits })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString();
      expect((await deferred(pem).load()).algorithm).toMatchObject({ modulusLength: bits });
    }
  });

  it('keeps no key material on the object: JSON, inspect and keys show none', () => {
    const key = deferred(pkcs8);
    const shown = [
      JSON.stringify(key),
      inspect(key, { showHidden: true, depth: 5 }),
      Object.keys(key).join(),
    ];
    for (const line of bodyOf(pkcs8)) for (const text of shown) expect(text).not.toContain(line.slice(0, 20));
  });

  it('names the same defects as the node:crypto path when importing, without key material', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const ed = generateKeyPairSync('ed25519').privateKey;
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey;
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const pem = (k: KeyObject) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await loadIssue(pem(ec))).toBe('is a ec key; RS256 needs an RSA key');
    expect(await loadIssue(pem(ed))).toBe('is a ed25519 key; RS256 needs an RSA key');
    expect(await loadIssue(pem(pss))).toBe('is a rsa-pss key; RS256 needs an RSA key');
    expect(await loadIssue(pem(weak))).toBe('is a 1024-bit RSA key; RS256 needs at least 2048 bits');
    expect(await loadIssue(weak.export({ type: 'pkcs1', format: 'pem' }).toString())).toBe(
      'is a 1024-bit RSA key; RS256 needs at least 2048 bits',
    );
    expect(issue(rsa.privateKey)).toBe('must be a PEM string, a KeyObject or a CryptoKey');
  });

  it('says the same through signing, which is where a deferred key is first used', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const key = deferred(weak.export({ type: 'pkcs8', format: 'pem' }).toString());
    await expect(
      signAssertion({ issuer: 'a', audience: 'b', key, issuedAt: 1_760_000_000, lifetimeSeconds: 60 }),
    ).rejects.toThrow('the private key is a 1024-bit RSA key; RS256 needs at least 2048 bits');
  });

  it('rejects a PKCS#8 PEM with a corrupted line as unparsable at once', () => {
    const lines = pkcs8.trim().split('\n');
    lines[3] = `${'*'.repeat(8)}${lines[3]?.slice(8)}`;
    expect(issue(lines.join('\n'))).toBe(
      'could not be parsed as PRIVATE KEY (corrupted or incomplete base64 body)',
    );
  });

  it.each([
    ['a line missing', (lines: string[]) => lines.splice(Math.floor(lines.length / 2), 1)],
    ['the last line cut short', (lines: string[]) => (lines[lines.length - 2] = 'AAAA')],
  ])('refuses to import a PKCS#8 PEM with %s', async (_what, damage) => {
    const lines = pkcs8.trim().split('\n');
    damage(lines);
    expect(await loadIssue(lines.join('\n'))).toBe('could not be imported into WebCrypto');
  });

  it('rejects a legacy OpenSSL-encrypted PKCS#1 PEM (Proc-Type header) as encrypted', () => {
    const encrypted = rsa.privateKey
      .export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'correct horse' })
      .toString();
    expect(encrypted).toContain('Proc-Type: 4,ENCRYPTED');
    expect(issue(encrypted)).toBe('is an encrypted PEM; decrypt it first (no passphrase support)');
    // The node:crypto path says the same, instead of OpenSSL's "could not be parsed".
    const viaNode = importPrivateKey(encrypted);
    expect(viaNode.ok ? '' : viaNode.issue.message).toBe(
      'is an encrypted PEM; decrypt it first (no passphrase support)',
    );
  });
});

describe('IdCloudClient on a runtime without node:crypto', () => {
  it('gets a verdict from the emulator with a PEM imported through WebCrypto', async () => {
    const { server } = await setup();
    const getBuiltinModule = process.getBuiltinModule;
    const hidden = vi
      .spyOn(process, 'getBuiltinModule')
      .mockImplementation(((id: string) =>
        id === 'node:crypto' ? undefined : getBuiltinModule(id)) as typeof process.getBuiltinModule);
    let client: IdCloudClient;
    try {
      client = new IdCloudClient(server.clientOptions());
    } finally {
      hidden.mockRestore();
    }
    closeAfterTest(client);
    const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, createSamplePng()));
    expect(result.kind).toBe('verified');
  });

  it('fails the call with ERR_TOKEN when the deferred import fails, and says so without key material', async () => {
    const { server } = await setup();
    const importKey = vi
      .spyOn(crypto.subtle, 'importKey')
      .mockRejectedValue(new DOMException('bad', 'DataError'));
    const getBuiltinModule = process.getBuiltinModule;
    const hidden = vi
      .spyOn(process, 'getBuiltinModule')
      .mockImplementation(((id: string) =>
        id === 'node:crypto' ? undefined : getBuiltinModule(id)) as typeof process.getBuiltinModule);
    try {
      const client = new IdCloudClient(server.clientOptions());
      closeAfterTest(client);
      const err = await client.warmup().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TokenError);
      expect((err as TokenError).message).toBe(
        'Could not sign the client assertion: the private key could not be imported into WebCrypto',
      );
    } finally {
      hidden.mockRestore();
      importKey.mockRestore();
    }
  });
});
