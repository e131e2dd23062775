/**
 * KMS/HSM signer recipe (docs/recipes/kms-signer.md): `serviceAccount.signer` instead of
 * `privateKey`, so the RSA key never enters this process. The SDK builds the assertion and hands
 * you its JWS signing input; you return the RS256 (RSASSA-PKCS1-v1_5, SHA-256) signature.
 *
 * Here a node:crypto `sign('sha256', data, key)` over the emulator's key stands in for the KMS
 * call. Swap `localKms` for your KMS client; nothing else changes.
 *
 *   npx tsx examples/kms-signer.ts
 */
import { createPrivateKey, sign } from 'node:crypto';
import { type AssertionSigner, IdCloudClient, IdCloudError } from 'unico-idcloud';
import { SCENARIOS, startEmulatorServer } from 'unico-idcloud/testing';

/** The part of a KMS client the signer needs. */
interface Kms {
  /** Signs `message` with RSASSA-PKCS1-v1_5 over SHA-256 (the KMS hashes it). */
  sign(message: Uint8Array, signal: AbortSignal): Promise<Uint8Array>;
}

/**
 * A stand-in for a KMS or HSM, holding the key in memory. With AWS KMS this would be a
 * `SignCommand({ KeyId, Message, MessageType: 'RAW', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' })`.
 * @param pem - the key the "KMS" holds
 * @returns the client
 */
function localKms(pem: string): Kms & { calls: number } {
  const key = createPrivateKey(pem);
  return {
    calls: 0,
    async sign(message) {
      this.calls++;
      // RSA keys sign with PKCS#1 v1.5 padding by default: exactly RS256.
      return sign('sha256', message, key);
    },
  };
}

/**
 * The signer the SDK calls: once per token request (about once an hour per process), never per
 * verification. It gets a signal that fires when the token budget (`tokenTimeoutMs`) runs out.
 * @param kms - your KMS client
 * @returns the `serviceAccount.signer`
 */
function kmsSigner(kms: Kms): AssertionSigner {
  return async (signingInput, { signal }) => kms.sign(signingInput, signal);
}

const server = await startEmulatorServer();
// The emulator issued this key pair; with Unico, the key Unico issued lives in your KMS/HSM.
const { accountName, tenantId, privateKey } = server.emulator.credentials;
const kms = localKms(privateKey);

const client = new IdCloudClient({
  environment: server.environment,
  serviceAccount: { accountName, tenantId, signer: kmsSigner(kms) },
  apiKey: server.emulator.credentials.apiKey,
});

for (const scenario of ['verified', 'not-verified', 'inconclusive-liveness-passed'] as const) {
  const result = await client.createProcess({
    subject: { code: SCENARIOS[scenario].cpf, name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64: server.emulator.createCapture(),
  });
  console.log(`${scenario.padEnd(30)} → ${result.kind}`);
}
console.log(`KMS sign calls for 3 verifications: ${kms.calls} (one per token, not per call)`);
await client.close();

// A KMS outage or a denied permission: the call fails with ERR_TOKEN before anything is sent.
const broken = new IdCloudClient({
  environment: server.environment,
  serviceAccount: {
    accountName,
    tenantId,
    signer: async () => {
      throw Object.assign(new Error('User is not authorized to perform kms:Sign'), {
        name: 'AccessDeniedException',
      });
    },
  },
  apiKey: server.emulator.credentials.apiKey,
});
try {
  await broken.warmup();
} catch (err) {
  if (!IdCloudError.is(err)) throw err;
  console.log(`failing signer → ${err.code}: ${err.message}`);
}
await broken.close();
await server.close();
