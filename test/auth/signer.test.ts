import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { jwtVerify } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { externalSigner, signAssertion } from '../../src/auth/assertion.js';
import {
  type AssertionSigner,
  IdCloudClient,
  IdCloudError,
  InvalidConfigError,
  TokenError,
} from '../../src/index.js';
import { createSamplePng, type EmulatorServer, SCENARIOS } from '../../src/testing/index.js';
import { closeAfterTest, inputFor, setup } from '../helpers/emulator.js';

const PNG = createSamplePng();
const VERIFIED = SCENARIOS.verified.cpf;
const PLANTED = 'kms-secret-PLANTED-91f3';

/** Client options of the emulator, with a signer in place of the PEM. */
function withSigner(server: EmulatorServer, signer: unknown, overrides: Record<string, unknown> = {}) {
  const { serviceAccount, ...rest } = server.clientOptions();
  return {
    ...rest,
    serviceAccount: {
      accountName: serviceAccount.accountName,
      tenantId: serviceAccount.tenantId,
      signer: signer as AssertionSigner,
    },
    ...overrides,
  };
}

/** A signer the way a KMS does it: the key never reaches the SDK. */
function kmsSigner(server: EmulatorServer): AssertionSigner & { calls: Uint8Array[] } {
  const key = createPrivateKey(server.emulator.credentials.privateKey);
  const calls: Uint8Array[] = [];
  const signer = async (input: Uint8Array) => {
    calls.push(input);
    return sign('sha256', input, key);
  };
  return Object.assign(signer, { calls });
}

const tokenRequests = (server: EmulatorServer) =>
  server.emulator.received.filter((r) => r.path === '/oauth2/token').length;

async function tokenError(promise: Promise<unknown>): Promise<TokenError> {
  try {
    await promise;
  } catch (err) {
    expect(IdCloudError.is(err)).toBe(true);
    expect(err).toBeInstanceOf(TokenError);
    return err as TokenError;
  }
  throw new Error('expected ERR_TOKEN');
}

describe('serviceAccount.signer (KMS/HSM)', () => {
  it('gets a verdict end to end: the emulator verifies the signature the signer made', async () => {
    const { server } = await setup();
    const signer = kmsSigner(server);
    const client = new IdCloudClient(withSigner(server, signer));
    closeAfterTest(client);
    const result = await client.createProcess(inputFor(VERIFIED, PNG));
    expect(result.kind).toBe('verified');
    expect(signer.calls).toHaveLength(1);
    expect(tokenRequests(server)).toBe(1);
  });

  it('signs base64url(header).base64url(payload) with exactly alg/typ and iss, aud, scope, iat, exp', async () => {
    const { server } = await setup();
    const signer = kmsSigner(server);
    const client = new IdCloudClient(withSigner(server, signer));
    closeAfterTest(client);
    await client.warmup();
    const input = new TextDecoder().decode(signer.calls[0]);
    const [header, payload, extra] = input.split('.');
    expect(extra).toBeUndefined();
    const decode = (part = '') => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    expect(decode(header)).toStrictEqual({ alg: 'RS256', typ: 'JWT' });
    const claims = decode(payload) as Record<string, unknown>;
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'scope']);
    const { accountName, tenantId } = server.emulator.credentials;
    expect(claims).toMatchObject({
      iss: `${accountName}@${tenantId}.iam.acesso.io`,
      aud: new URL(server.environment.tokenUrl).origin,
      scope: '*',
    });
    expect((claims['exp'] as number) - (claims['iat'] as number)).toBeLessThanOrEqual(900);
  });

  it('produces the same compact JWS as signing with the key itself (RS256 is deterministic)', async () => {
    const { server } = await setup();
    const key = createPrivateKey(server.emulator.credentials.privateKey);
    const params = {
      issuer: 'a@t.iam.acesso.io',
      audience: 'https://id.example',
      issuedAt: 1_760_000_000,
      lifetimeSeconds: 300,
    };
    const viaSigner = await signAssertion({ ...params, key: externalSigner(kmsSigner(server)) });
    expect(viaSigner).toBe(await signAssertion({ ...params, key }));
    const { payload } = await jwtVerify(viaSigner, createPublicKey(key), {
      algorithms: ['RS256'],
      currentDate: new Date((params.issuedAt + 1) * 1000),
    });
    expect(payload['iss']).toBe(params.issuer);
  });

  it('passes the refresh signal, which fires when the signer is too slow: ERR_TOKEN timeout', async () => {
    const { server } = await setup();
    let signal: AbortSignal | undefined;
    const hanging = (_input: Uint8Array, options: { signal: AbortSignal }) => {
      signal = options.signal;
      return new Promise<Uint8Array>(() => {});
    };
    const client = new IdCloudClient(withSigner(server, hanging, { tokenTimeoutMs: 200 }));
    closeAfterTest(client);
    const err = await tokenError(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err.reason).toBe('timeout');
    expect(err.message).toBe('Signing the client assertion did not finish within 200 ms');
    expect(signal?.aborted).toBe(true);
    expect(tokenRequests(server)).toBe(0);
  });

  it('turns a signer that throws into ERR_TOKEN naming only the error type, and tries again on the next call', async () => {
    const { server } = await setup();
    const good = kmsSigner(server);
    const thrown = Object.assign(new Error(`AccessDenied for ${PLANTED}`), { name: 'AccessDeniedException' });
    const signer = vi.fn<AssertionSigner>().mockRejectedValueOnce(thrown).mockImplementation(good);
    const client = new IdCloudClient(withSigner(server, signer));
    closeAfterTest(client);
    const err = await tokenError(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err.message).toBe('Could not sign the client assertion: the signer threw (AccessDeniedException)');
    expect(err.reason).toBe('signing');
    expect(err.cause).toBeInstanceOf(TokenError);
    expect((err.cause as TokenError).cause).toMatchObject({ cause: thrown });
    expect(JSON.stringify(err)).not.toContain(PLANTED);
    expect(tokenRequests(server)).toBe(0);
    // A failed refresh is forgotten: the next call signs again and succeeds.
    expect((await client.createProcess(inputFor(VERIFIED, PNG))).kind).toBe('verified');
  });

  it('turns a synchronous throw into ERR_TOKEN as well', async () => {
    const { server } = await setup();
    const client = new IdCloudClient(
      withSigner(server, () => {
        throw new TypeError(PLANTED);
      }),
    );
    closeAfterTest(client);
    const err = await tokenError(client.warmup());
    expect(err.message).toBe('Could not sign the client assertion: the signer threw (TypeError)');
    expect(err.message).not.toContain(PLANTED);
  });

  it.each([
    ['a string', async () => 'c2lnbmF0dXJl', 'the signer returned a string, not a Uint8Array'],
    [
      'an ArrayBuffer',
      async () => new ArrayBuffer(256),
      'the signer returned an ArrayBuffer, not a Uint8Array',
    ],
    ['nothing', async () => undefined, 'the signer returned nothing, not a Uint8Array'],
    [
      '32 bytes (an HMAC?)',
      async () => new Uint8Array(32),
      'the signer returned 32 bytes, not an RS256 signature',
    ],
    [
      'an empty signature',
      async () => new Uint8Array(0),
      'the signer returned 0 bytes, not an RS256 signature',
    ],
  ])(
    'rejects a signer that returns %s with ERR_TOKEN, before contacting Unico',
    async (_what, signer, text) => {
      const { server } = await setup();
      const client = new IdCloudClient(withSigner(server, signer));
      closeAfterTest(client);
      const err = await tokenError(client.createProcess(inputFor(VERIFIED, PNG)));
      expect(err.message).toContain(`Could not sign the client assertion: ${text}`);
      expect(tokenRequests(server)).toBe(0);
    },
  );

  it('lets Unico reject a well-formed but wrong signature: ERR_TOKEN with the code', async () => {
    const { server } = await setup();
    const client = new IdCloudClient(withSigner(server, async () => new Uint8Array(randomBytes(256))));
    closeAfterTest(client);
    const err = await tokenError(client.createProcess(inputFor(VERIFIED, PNG)));
    expect(err.unicoCode).toBe('1.2.21');
    expect(err.reason).toBe('rejected');
  });
});

describe('serviceAccount: privateKey or signer', () => {
  const configError = (serviceAccount: Record<string, unknown>): InvalidConfigError => {
    try {
      new IdCloudClient({
        environment: 'uat',
        apiKey: 'key',
        serviceAccount: { accountName: 'a', tenantId: 't', ...serviceAccount } as never,
      });
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidConfigError);
      return err as InvalidConfigError;
    }
    throw new Error('expected InvalidConfigError');
  };

  it('accepts a signer without a privateKey, and does nothing at construction', () => {
    const signer = vi.fn<AssertionSigner>();
    const client = new IdCloudClient({
      environment: 'uat',
      apiKey: 'key',
      serviceAccount: { accountName: 'a', tenantId: 't', signer },
    });
    expect(client.environment).toBe('uat');
    expect(signer).not.toHaveBeenCalled();
  });

  it('rejects both at once, naming serviceAccount and never echoing the key', () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const err = configError({ privateKey: pem, signer: vi.fn() });
    expect(err.issues).toEqual([
      { path: 'serviceAccount', message: 'give either privateKey or signer, not both' },
    ]);
    expect(err.message).not.toContain(pem.split('\n')[1]);
  });

  it('rejects neither, saying that a signer is the alternative', () => {
    expect(configError({}).issues).toEqual([
      { path: 'serviceAccount.privateKey', message: 'is required (or give serviceAccount.signer)' },
    ]);
  });

  it('rejects a signer that is not a function', () => {
    expect(configError({ signer: 'arn:aws:kms:key' }).issues).toEqual([
      { path: 'serviceAccount.signer', message: 'must be a function (signingInput) => Promise<Uint8Array>' },
    ]);
  });
});
