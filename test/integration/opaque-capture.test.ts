import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { IdCloudClient } from '../../src/index.js';
import { createSamplePng, SCENARIOS, startEmulatorServer } from '../../src/testing/index.js';
import { closeAfterTest, inputFor, setup } from '../helpers/emulator.js';

const JWE = 'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.k3Y-abc_DEF.iv0123.Q2lwaGVy_-.dGFn';

/** A loopback API host that keeps the raw bytes of every CreateProcess body and answers "verified". */
async function recordingApi(): Promise<{ url: string; bodies: Buffer[] }> {
  const bodies: Buffer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/processes/v1') bodies.push(Buffer.concat(chunks));
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"id":"a0acf800-c631-4f93-9597-779553e276e6","status":3,"unicoId":{"result":"yes"}}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closeAfterTest({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

/** A client whose token endpoint is an emulator and whose API host records what it receives. */
async function clientAndRecorder() {
  const emulator = await startEmulatorServer();
  closeAfterTest(emulator);
  const api = await recordingApi();
  const client = new IdCloudClient(
    emulator.clientOptions({ environment: { apiBaseUrl: api.url, tokenUrl: emulator.environment.tokenUrl } }),
  );
  closeAfterTest(client);
  return { client, bodies: api.bodies };
}

const CAPTURES: Array<[string, string]> = [
  ['2 segments', 'eyJhbGciOiJFUzI1NiJ9.c2lnbmF0dXJl'],
  ['no dots', 'k3YabcDEFiv0123456789Q2lwaGVydGV4dA'],
  ['a "v2:" prefix', `v2:${JWE}`],
  ['a quote and a backslash', `v2:"${JWE}\\`],
  ['a control character', `${JWE}\u0007`],
  ['non-ASCII text', `captura-ção-日本-${JWE}`],
];

describe('an SDK capture is opaque: any shape is sent unchanged and decoded as a capture', () => {
  it.each(CAPTURES)(
    'sends a capture with %s unchanged, and decodes it with livenessChecked',
    async (_what, capture) => {
      const { client, bodies } = await clientAndRecorder();
      const result = await client.createProcess(inputFor(SCENARIOS.verified.cpf, capture));
      expect(result).toMatchObject({ kind: 'verified', livenessChecked: true });
      expect(bodies).toHaveLength(1);
      const received = bodies[0]!;
      expect((JSON.parse(received.toString('utf8')) as { imageBase64: string }).imageBase64).toBe(capture);
      // Byte for byte: spliced raw when it needs no escaping, else exactly as JSON encodes it.
      const encoded = /^[ !#-[\]-~]*$/.test(capture) ? `"${capture}"` : JSON.stringify(capture);
      expect(received.subarray(received.length - Buffer.byteLength(encoded) - 1).toString('utf8')).toBe(
        `${encoded}}`,
      );
    },
  );

  it('sends a plain image declared as a capture unchanged, and decodes it with livenessChecked', async () => {
    const { client, bodies } = await clientAndRecorder();
    const png = createSamplePng();
    const result = await client.createProcess({
      ...inputFor(SCENARIOS.verified.cpf, png),
      imageKind: 'sdk-capture',
    });
    expect(result).toMatchObject({ kind: 'verified', livenessChecked: true });
    expect(bodies[0]!.toString('utf8')).toBe(
      `{"subject":{"code":"${SCENARIOS.verified.cpf}","name":"Luke Skywalker"},"useCase":"Onboarding","imageBase64":"${png}"}`,
    );
  });

  it.each(CAPTURES)('passes the emulator with a capture with %s, as Unico would', async (_what, shape) => {
    const { server, client } = await setup();
    const capture = server.emulator.createCapture(shape);
    const result = await client.createProcess(
      inputFor(SCENARIOS['inconclusive-liveness-failed'].cpf, capture),
    );
    expect(result).toMatchObject({ kind: 'inconclusive', liveness: 'failed', livenessChecked: true });
    const post = server.emulator.received.find((r) => r.path === '/processes/v1');
    expect((JSON.parse(post!.body) as { imageBase64: string }).imageBase64).toBe(capture);
  });
});
