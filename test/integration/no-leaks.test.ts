import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { IdCloudClient, IdCloudError, type Logger } from '../../src/index.js';
import { createSamplePng, SCENARIOS, startEmulatorServer } from '../../src/testing/index.js';
import { closeAfterTest } from '../helpers/emulator.js';
import { closedPort, startFaultServer } from '../helpers/fault-server.js';
import { renderings } from '../helpers/leaks.js';

/**
 * Plants recognisable secrets and personal data, drives every error the client can raise, and
 * scans every way an error, a result or the client can be turned into text.
 */
describe('secrets and personal data never reach output', () => {
  const API_KEY = 'apikey_PLANTED_9d8c7b6a5f4e';
  const NAME = 'Zebedeu Planted Quixotesco';
  const EMAIL = 'zebedeu.planted@example.com';
  const PHONE = '5511988887777';

  it('holds for every error code, the client, results and logger output', async () => {
    const server = await startEmulatorServer({ apiKey: API_KEY });
    closeAfterTest(server);
    const { emulator } = server;
    const pem = emulator.credentials.privateKey;
    const logged: string[] = [];
    const logger: Logger = {
      debug: (f, m) => logged.push(m, inspect(f)),
      info: (f, m) => logged.push(m, inspect(f)),
      warn: (f, m) => logged.push(m, inspect(f)),
      error: (f, m) => logged.push(m, inspect(f)),
    };
    const client = new IdCloudClient(server.clientOptions({ logger, maxRetries: 0 }));
    closeAfterTest(client);
    const png = createSamplePng();
    const input = (cpf: string, imageBase64: string) => ({
      subject: { code: cpf, name: NAME, email: EMAIL, phone: PHONE },
      useCase: 'Onboarding',
      imageBase64,
    });

    const outputs: unknown[] = [client];
    const codes = new Set<string>();
    const capture = async (promise: Promise<unknown>) => {
      try {
        outputs.push(await promise);
      } catch (err) {
        expect(IdCloudError.is(err)).toBe(true);
        codes.add((err as IdCloudError).code);
        outputs.push(err);
      }
    };

    // Results of every scenario, with the capture (a planted opaque blob) and a plain image.
    const captures: string[] = [];
    for (const scenario of Object.values(SCENARIOS)) {
      const c = emulator.createCapture();
      captures.push(c);
      await capture(client.createProcess(input(scenario.cpf, c)));
      await capture(client.createProcess(input(scenario.cpf, png)));
    }
    // ERR_API whose server description echoes the caller's data back.
    emulator.inject({
      status: 400,
      body: {
        error: {
          code: '20507',
          description: `CPF ${SCENARIOS.verified.cpf} de ${NAME} <${EMAIL}> inválido; NOME ${NAME.toUpperCase()} E-MAIL ${EMAIL.toUpperCase()} tel ${PHONE} chave ${API_KEY}`,
        },
      },
    });
    await capture(client.createProcess(input(SCENARIOS.verified.cpf, png)));
    // ERR_INVALID_INPUT with the CPF, name and image in the wrong places.
    await capture(
      client.createProcess({
        subject: { code: `${SCENARIOS.verified.cpf}0`, name: `${NAME}  x`, email: NAME },
        useCase: 'Onboarding',
        imageBase64: `data:image/png;base64,${png}`,
      }),
    );
    // ERR_INVALID_RESPONSE, ERR_ABORTED, ERR_OUTCOME_UNKNOWN (timeout), ERR_RATE_LIMITED.
    emulator.inject({ status: 200, body: '<html>' });
    await capture(client.createProcess(input(SCENARIOS.verified.cpf, png)));
    await capture(client.createProcess(input(SCENARIOS.verified.cpf, png), { signal: AbortSignal.abort() }));
    // ERR_TOKEN (wrong tenant) and ERR_TIMEOUT / ERR_NETWORK through separate clients.
    const options = server.clientOptions();
    const wrongTenant = new IdCloudClient({
      ...options,
      serviceAccount: { ...options.serviceAccount, tenantId: 'x' },
    });
    await capture(wrongTenant.createProcess(input(SCENARIOS.verified.cpf, png)));
    const stall = await startFaultServer(() => {});
    closeAfterTest(stall);
    const slowToken = new IdCloudClient(
      server.clientOptions({
        environment: { apiBaseUrl: server.url, tokenUrl: `${stall.url}/oauth2/token` },
      }),
    );
    await capture(slowToken.createProcess(input(SCENARIOS.verified.cpf, png), { timeoutMs: 100 }));
    const refused = new IdCloudClient(
      server.clientOptions({
        environment: { apiBaseUrl: await closedPort(), tokenUrl: server.environment.tokenUrl },
        maxRetries: 0,
      }),
    );
    await capture(refused.createProcess(input(SCENARIOS.verified.cpf, png)));
    const slowApi = new IdCloudClient(
      server.clientOptions({ environment: { apiBaseUrl: stall.url, tokenUrl: server.environment.tokenUrl } }),
    );
    await capture(slowApi.createProcess(input(SCENARIOS.verified.cpf, png), { timeoutMs: 300 }));
    // ERR_INVALID_CONFIG with the key and API key in the wrong places.
    try {
      new IdCloudClient({
        ...options,
        apiKey: `${API_KEY} `,
        serviceAccount: { ...options.serviceAccount, privateKey: pem.slice(0, 400) },
      });
    } catch (err) {
      codes.add((err as IdCloudError).code);
      outputs.push(err);
    }
    await Promise.all([wrongTenant.close(), slowToken.close(), refused.close(), slowApi.close()]);

    expect([...codes].sort()).toEqual([
      'ERR_ABORTED',
      'ERR_API',
      'ERR_INVALID_CONFIG',
      'ERR_INVALID_INPUT',
      'ERR_INVALID_RESPONSE',
      'ERR_NETWORK',
      'ERR_OUTCOME_UNKNOWN',
      'ERR_RATE_LIMITED',
      'ERR_TIMEOUT',
      'ERR_TOKEN',
    ]);

    const tokens = emulator.received
      .map((r) => r.headers['authorization']?.replace('Bearer ', ''))
      .filter((t): t is string => t !== undefined);
    expect(tokens.length).toBeGreaterThan(0);
    const assertions = emulator.received
      .filter((r) => r.path === '/oauth2/token')
      .map((r) => new URLSearchParams(r.body).get('assertion') ?? '');
    const pemBody = pem.split('\n').slice(1, -2).join('');
    const pemSlices = Array.from({ length: Math.floor(pemBody.length / 24) }, (_, i) =>
      pemBody.slice(i * 24, i * 24 + 24),
    );
    const cpfs = Object.values(SCENARIOS).map((s) => s.cpf);
    const forbidden = [
      API_KEY,
      NAME,
      NAME.toUpperCase(),
      'Zebedeu',
      'ZEBEDEU',
      EMAIL,
      EMAIL.toUpperCase(),
      PHONE,
      ...tokens,
      ...assertions,
      ...captures.map((c) => c.slice(0, 60)),
      png.slice(100, 160),
      ...pemSlices,
      ...cpfs,
      ...cpfs.map((c) => `${c.slice(0, 3)}.${c.slice(3, 6)}.${c.slice(6, 9)}-${c.slice(9)}`),
    ];

    const text = [...outputs.flatMap(renderings), ...logged].join('\n');
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of forbidden) {
      expect(text.includes(secret), `output contains ${secret.slice(0, 6)}…`).toBe(false);
    }
  });
});
