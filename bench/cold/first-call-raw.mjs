// The same first call written by hand on undici + jose + zod: key import, RS256 assertion, token
// request, input validation, CreateProcess, response decoding.
import { createPrivateKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { Agent, request } from 'undici';
import { z } from 'zod';

const origin = `http://127.0.0.1:${process.env.BENCH_PORT}`;
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

const key = createPrivateKey(process.env.BENCH_PEM);
const agent = new Agent({ keepAliveTimeout: 4_000 });
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
const tokenRes = await request(`${origin}/oauth2/token`, {
  dispatcher: agent,
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
  body: new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion,
  }).toString(),
});
const token = tokenSchema.parse(JSON.parse(await tokenRes.body.text()));
const res = await request(`${origin}/processes/v1`, {
  dispatcher: agent,
  method: 'POST',
  headers: {
    authorization: `Bearer ${token.access_token}`,
    apikey: 'bench-api-key',
    'content-type': 'application/json',
    accept: 'application/json',
    'x-request-id': randomUUID(),
  },
  body: JSON.stringify(input),
});
const result = resultSchema.parse(JSON.parse(await res.body.text()));
if (result.unicoId?.result !== 'yes') throw new Error('unexpected result');
const readyAt = performance.now();
await agent.close();
process.stdout.write(JSON.stringify({ readyAt }));
