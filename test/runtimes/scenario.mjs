// The scenario every runtime under test runs, through the SDK as that runtime resolves it (the edge
// build). Plain JavaScript with no imports of its own: workerd, Deno, Bun and the edge VM load it
// as it is. Returns a JSON-able report that run.mjs checks on the Node side.

/**
 * @param {typeof import('../../src/index.js')} sdk - the package, as imported by the runtime
 * @param {{
 *   environment: { apiBaseUrl: string, tokenUrl: string },
 *   accountName: string, tenantId: string, privateKey: string, privateKeyPkcs1: string, apiKey: string,
 *   image: string, cpf: { verified: string, notFound: string }, refusedUrl: string,
 * }} config - from the Node side: the emulator's URLs and credentials, a PNG, a closed port
 */
export async function runScenario(sdk, config) {
  const { IdCloudClient, IdCloudError } = sdk;
  const report = {
    keyImport: typeof globalThis.process?.getBuiltinModule === 'function' ? 'node:crypto' : 'webcrypto',
  };
  const base = {
    environment: config.environment,
    serviceAccount: {
      accountName: config.accountName,
      tenantId: config.tenantId,
      privateKey: config.privateKey,
    },
    apiKey: config.apiKey,
    timeoutMs: 15_000,
  };
  const input = (cpf) => ({
    subject: { code: cpf, name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64: config.image,
  });
  const describeError = (err) => ({
    isIdCloudError: IdCloudError.is(err),
    instanceOfIdCloudError: err instanceof IdCloudError,
    name: err?.name,
    code: err?.code,
    httpStatus: err?.httpStatus,
    unicoCode: err?.unicoCode,
    reason: err?.reason,
    message: String(err?.message).slice(0, 200),
    causes: causes(err),
  });

  // 1. The PEM key, the default transport: a verdict for a plain image.
  const client = new IdCloudClient(base);
  try {
    const result = await client.createProcess(input(config.cpf.verified));
    report.verified = {
      kind: result.kind,
      status: result.status,
      livenessChecked: result.livenessChecked,
      hasId: typeof result.id === 'string' && result.id.length > 0,
    };
  } catch (err) {
    report.verified = { error: describeError(err) };
  }

  // 1b. The same key as PKCS#1, newlines as the two characters \n (as environment variables give it).
  const pkcs1 = new IdCloudClient({
    ...base,
    serviceAccount: { ...base.serviceAccount, privateKey: config.privateKeyPkcs1 },
  });
  try {
    report.pkcs1 = { kind: (await pkcs1.createProcess(input(config.cpf.verified))).kind };
  } catch (err) {
    report.pkcs1 = { error: describeError(err) };
  }
  await pkcs1.close();

  // 2. A typed API error: 400 with Unico's code 20507 (no such CPF).
  try {
    const result = await client.createProcess(input(config.cpf.notFound));
    report.apiError = { unexpectedResult: result.kind };
  } catch (err) {
    report.apiError = describeError(err);
  }
  await client.close();

  // 3. A KMS/HSM-style signer over WebCrypto instead of a PEM.
  try {
    const der = pemToDer(config.privateKey);
    const key = await crypto.subtle.importKey(
      'pkcs8',
      der,
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    let signed = 0;
    const signer = async (signingInput) => {
      signed++;
      return new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, signingInput));
    };
    const withSigner = new IdCloudClient({
      ...base,
      serviceAccount: { accountName: config.accountName, tenantId: config.tenantId, signer },
    });
    const result = await withSigner.createProcess(input(config.cpf.verified));
    report.signer = { kind: result.kind, signed };
    await withSigner.close();
  } catch (err) {
    report.signer = { error: describeError(err) };
  }

  // 4. Nothing listens on the API port: what the fetch transport makes of a refused connection.
  const refused = new IdCloudClient({
    ...base,
    environment: { ...config.environment, apiBaseUrl: config.refusedUrl },
    maxRetries: 0,
  });
  try {
    const result = await refused.createProcess(input(config.cpf.verified));
    report.refused = { unexpectedResult: result.kind };
  } catch (err) {
    report.refused = describeError(err);
  }
  await refused.close();

  // 5. Two clients sharing a token store: one token request between them, under the store key the
  // runtime's own SHA-256 gives (WebCrypto where there is no node:crypto). Then a store that never
  // answers: given up on after its bound (the SDK's timers only, no Node-only setImmediate), and
  // the call still succeeds.
  const { MemoryTokenStore } = sdk;
  const memory = new MemoryTokenStore();
  const seen = { keys: new Set(), sets: 0 };
  const shared = {
    get: (key) => {
      seen.keys.add(key);
      return memory.get(key);
    },
    set: (key, token, ttlMs) => {
      seen.sets++;
      return memory.set(key, token, ttlMs);
    },
    lock: (key, ttlMs) => memory.lock(key, ttlMs),
    invalidate: (key, token) => memory.invalidate(key, token),
  };
  const a = new IdCloudClient({ ...base, tokenStore: shared });
  const b = new IdCloudClient({ ...base, tokenStore: shared });
  try {
    const results = await Promise.all([a, b].map((c) => c.createProcess(input(config.cpf.verified))));
    report.tokenStore = { kinds: results.map((r) => r.kind), keys: [...seen.keys], sets: seen.sets };
  } catch (err) {
    report.tokenStore = { error: describeError(err) };
  }
  await Promise.all([a.close(), b.close()]);
  const warnings = [];
  const quiet = () => undefined;
  const silent = new IdCloudClient({
    ...base,
    tokenStore: { get: () => new Promise(quiet), set: () => new Promise(quiet) },
    logger: { debug: quiet, info: quiet, error: quiet, warn: (fields) => warnings.push(fields) },
  });
  try {
    const result = await silent.createProcess(input(config.cpf.verified));
    report.silentStore = { kind: result.kind, warnings };
  } catch (err) {
    report.silentStore = { error: describeError(err), warnings };
  }
  await silent.close();
  return report;
}

function pemToDer(pem) {
  const body = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const binary = atob(body);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function causes(err) {
  const out = [];
  for (let c = err?.cause; c && out.length < 3; c = c.cause)
    out.push(`${c.name}: ${String(c.message).slice(0, 120)}`);
  return out;
}
