// First call from a fresh process with the SDK: import, key import, assertion, token, createProcess.
const { IdCloudClient } = await import(process.env.BENCH_SDK);
const origin = `http://127.0.0.1:${process.env.BENCH_PORT}`;
const client = new IdCloudClient({
  environment: { apiBaseUrl: origin, tokenUrl: `${origin}/oauth2/token` },
  serviceAccount: { accountName: 'bench', tenantId: 'bench-tenant', privateKey: process.env.BENCH_PEM },
  apiKey: 'bench-api-key',
});
const result = await client.createProcess({
  subject: { code: '52998224725', name: 'Luke Skywalker' },
  useCase: 'Onboarding',
  imageBase64: process.env.BENCH_IMAGE,
});
if (result.kind !== 'verified') throw new Error(`unexpected ${result.kind}`);
const readyAt = performance.now();
await client.close();
process.stdout.write(JSON.stringify({ readyAt }));
