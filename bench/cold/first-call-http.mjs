// The same first call written by hand on node:http + jose + zod (reference for "another design").
import { createPrivateKey, randomUUID } from 'node:crypto';
import http from 'node:http';
import { SignJWT } from 'jose';
import { z } from 'zod';

const port = Number(process.env.BENCH_PORT);
const origin = `http://127.0.0.1:${port}`;
const inputSchema = z.strictObject({
  subject: z.strictObject({ code: z.string().regex(/^\d{11}$/), name: z.string().min(1) }),
  useCase: z.string().min(1),
  imageBase64: z.string().regex(/^eyJ[\w-]*(\.[\w-]*){2,4}$/),
});
const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string().optional(),
});
const resultSchema = z.looseObject({
  id: z.string().min(1),
  status: z.number().int(),
  unicoId: z.looseObject({ result: z.unknown() }).optional(),
});

const agent = new http.Agent({ keepAlive: true });
const post = (path, headers, body) =>
  new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });

const key = createPrivateKey(process.env.BENCH_PEM);
const input = inputSchema.parse({
  subject: { code: '52998224725', name: 'Luke Skywalker' },
  useCase: 'Onboarding',
  imageBase64: process.env.BENCH_IMAGE,
});
const assertion = await new SignJWT({ scope: '*' })
  .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
  .setIssuer('bench@bench-tenant.iam.acesso.io')
  .setAudience(origin)
  .setIssuedAt()
  .setExpirationTime('5m')
  .sign(key);
const token = tokenSchema.parse(
  await post(
    '/oauth2/token',
    { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
  ),
);
const result = resultSchema.parse(
  await post(
    '/processes/v1',
    {
      authorization: `Bearer ${token.access_token}`,
      apikey: 'bench-api-key',
      'content-type': 'application/json',
      accept: 'application/json',
      'x-request-id': randomUUID(),
    },
    JSON.stringify(input),
  ),
);
if (result.unicoId?.result !== 'yes') throw new Error('unexpected result');
const readyAt = performance.now();
agent.destroy();
process.stdout.write(JSON.stringify({ readyAt }));
