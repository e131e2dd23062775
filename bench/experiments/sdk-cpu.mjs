// The SDK's own CPU per createProcess, without network or server noise: a custom transport answers at
// once, so what is measured is validation, body building, the call loop, the policy and decoding.
// Low noise (±1 µs): use it to compare builds before a full `npm run bench`.
//   node bench/experiments/sdk-cpu.mjs [file:///path/to/dist/index.js]   (default: this tree's dist/)
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const url =
  process.argv[2] ??
  pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'index.js')).href;
const { IdCloudClient } = await import(url);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const body = JSON.stringify({
  id: '80371b2a-3ac7-432e-866d-57fe37896ac6',
  status: 3,
  unicoId: { result: 'yes' },
});
const tokenBody = JSON.stringify({ access_token: 'tok', token_type: 'Bearer', expires_in: 3600 });
const transport = {
  async request(req) {
    if (req.url.includes('/oauth2/token')) return { status: 200, headers: {}, body: tokenBody };
    return { status: 200, headers: {}, body };
  },
};
const client = new IdCloudClient({
  environment: { apiBaseUrl: 'http://127.0.0.1:1', tokenUrl: 'http://127.0.0.1:1/oauth2/token' },
  serviceAccount: { accountName: 'a', tenantId: 't', privateKey: pem },
  apiKey: 'k',
  transport,
});
const input = {
  useCase: 'onboarding',
  subject: { code: '11144477735', name: 'Luke Skywalker' },
  imageBase64: `eyJ${'a'.repeat(1000)}.x.y`,
};
for (let i = 0; i < 20000; i++) await client.createProcess(input);
const res = [];
for (let r = 0; r < 5; r++) {
  const t0 = process.cpuUsage();
  const n = 40000;
  for (let i = 0; i < n; i++) await client.createProcess(input);
  const t = process.cpuUsage(t0);
  res.push(((t.user + t.system) / n).toFixed(2));
}
console.log(`${url}: ${res.join(' ')} µs of CPU per call (5 batches of 40,000)`);
await client.close();
