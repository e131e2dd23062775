import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ClientOptions, IdCloudClient, TokenError } from '../../src/index.js';
import { createSamplePng } from '../../src/testing/index.js';
import { type Fault, faults, PLANTED, startScriptedServer } from '../helpers/scripted-server.js';

/**
 * The token endpoint answers 429 with `Retry-After`: the SDK waits what it was asked (seconds or an
 * HTTP-date) before the next token request — measured between the two requests' arrivals at a
 * real loopback server — and does not wait at all when the asked time does not fit the refresh's
 * budget.
 */

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const INPUT = {
  subject: { code: PLANTED.cpf, name: PLANTED.name },
  useCase: 'Onboarding',
  imageBase64: createSamplePng(),
};
// The SDK's own first backoff is at most 250 ms, so any gap above this bound comes from Retry-After.
const ASKED_MS = 1_000;

async function run(fault: Fault, options: Partial<ClientOptions> = {}) {
  const server = await startScriptedServer();
  const client = new IdCloudClient({
    environment: server.environment,
    serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey },
    apiKey: PLANTED.apiKey,
    ...options,
  });
  try {
    server.script('token', fault);
    const outcome = await client.createProcess(INPUT).catch((err: unknown) => err);
    const tokens = server.arrivals.filter((a) => a.endpoint === 'token').map((a) => a.at);
    return { outcome, hits: { ...server.hits }, gapMs: (tokens[1] ?? Number.NaN) - (tokens[0] ?? 0) };
  } finally {
    await client.close();
    await server.close();
  }
}

describe('token endpoint 429 with Retry-After', () => {
  it('waits the seconds it was asked (1 s) before the next token request', async () => {
    const { outcome, hits, gapMs } = await run(faults.json(429, {}, { 'retry-after': '1' }));
    expect(outcome).toMatchObject({ kind: 'verified' });
    expect(hits).toEqual({ token: 2, api: 1 });
    expect(gapMs).toBeGreaterThanOrEqual(ASKED_MS - 5);
  });

  it('waits until the HTTP-date it was given (1-2 s ahead)', async () => {
    // Built when the 429 is sent: an HTTP-date has one-second resolution, so this is 1-2 s ahead.
    const at: Fault = {
      run: (req, res, body) =>
        faults
          .json(429, {}, { 'retry-after': new Date(Date.now() + 2_000).toUTCString() })
          .run(req, res, body),
    };
    const { outcome, hits, gapMs } = await run(at);
    expect(outcome).toMatchObject({ kind: 'verified' });
    expect(hits).toEqual({ token: 2, api: 1 });
    expect(gapMs).toBeGreaterThanOrEqual(ASKED_MS - 50);
  });

  it('fails at once, with one token request, when the wait asked does not fit the refresh budget', async () => {
    const { outcome, hits } = await run(faults.json(429, {}, { 'retry-after': '30' }), {
      tokenTimeoutMs: 3_000,
    });
    expect(outcome).toBeInstanceOf(TokenError);
    expect(outcome).toMatchObject({ code: 'ERR_TOKEN', httpStatus: 429 });
    expect(hits).toEqual({ token: 1, api: 0 });
  });
});
