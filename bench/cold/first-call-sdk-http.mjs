// First call with the SDK on a node:http transport passed through the public `transport` option:
// what a default transport that does not load undici for the first request would cost.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true });
const transport = {
  request(req) {
    return new Promise((resolve, reject) => {
      const url = new URL(req.url);
      const out = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          agent,
          signal: req.signal,
          headers:
            req.body === undefined
              ? req.headers
              : { ...req.headers, 'content-length': Buffer.byteLength(req.body) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const headers = {};
            for (const [name, value] of Object.entries(res.headers)) {
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: res.statusCode, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
        },
      );
      out.on('error', reject);
      out.end(req.body);
    });
  },
  close: async () => agent.destroy(),
};

const { IdCloudClient } = await import(process.env.BENCH_SDK);
const origin = `http://127.0.0.1:${process.env.BENCH_PORT}`;
const client = new IdCloudClient({
  environment: { apiBaseUrl: origin, tokenUrl: `${origin}/oauth2/token` },
  serviceAccount: { accountName: 'bench', tenantId: 'bench-tenant', privateKey: process.env.BENCH_PEM },
  apiKey: 'bench-api-key',
  transport,
});
const result = await client.createProcess({
  subject: { code: '52998224725', name: 'Luke Skywalker' },
  useCase: 'Onboarding',
  imageBase64: process.env.BENCH_IMAGE,
});
if (result.kind !== 'verified') throw new Error(`unexpected ${result.kind}`);
const readyAt = performance.now();
await client.close();
await transport.close();
process.stdout.write(JSON.stringify({ readyAt }));
