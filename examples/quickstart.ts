/**
 * Quick start: one process per documented scenario, decoded and printed, plus one caught error.
 *
 * Without UNICO_* variables it starts the built-in emulator and runs against it. With them it runs
 * the same code against Unico (UAT unless UNICO_ENVIRONMENT=production) for the one person given
 * by UNICO_CPF, UNICO_NAME and UNICO_IMAGE_FILE. See README "Running the demo against Unico".
 *
 *   npm run demo
 */
import { readFileSync } from 'node:fs';
import {
  adviceFor,
  type ClientOptions,
  type CreateProcessInput,
  IdCloudClient,
  IdCloudError,
  type ProcessResult,
} from 'unico-idcloud';
import { createSamplePng, SCENARIOS, startEmulatorServer } from 'unico-idcloud/testing';

/** What to do with a verdict: Unico's guidance (`adviceFor`, docs/results.md). */
function decide(result: ProcessResult): string {
  const { action, reason } = adviceFor(result);
  return `${action}: ${reason}`;
}

function show(label: string, outcome: ProcessResult | unknown): void {
  if (IdCloudError.is(outcome)) {
    console.log(`${label.padEnd(30)} ${outcome.code.padEnd(20)} ${outcome.message}`);
    return;
  }
  const result = outcome as ProcessResult;
  const liveness = 'liveness' in result ? ` liveness=${result.liveness}` : '';
  console.log(
    `${label.padEnd(30)} ${result.kind.padEnd(20)} status=${result.status}${liveness} → ${decide(result)}`,
  );
}

async function run(client: IdCloudClient, cases: Array<[string, () => CreateProcessInput]>): Promise<void> {
  for (const [label, input] of cases) {
    try {
      show(label, await client.createProcess(input()));
    } catch (err) {
      if (!IdCloudError.is(err)) throw err;
      show(label, err);
    }
  }
  // One caught error, raised before any network call.
  try {
    await client.createProcess({
      subject: { code: '123.456.789-00', name: 'Luke' },
      useCase: 'Onboarding',
      imageBase64: '',
    });
  } catch (err) {
    if (!IdCloudError.is(err)) throw err;
    console.log(`\nCaught ${err.name} (${err.code}):`);
    if (err.code === 'ERR_INVALID_INPUT')
      for (const issue of err.issues) console.log(`  ${issue.path}: ${issue.message}`);
  }
}

function fromEnvironment(): { options: ClientOptions; input: CreateProcessInput } {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value) throw new Error(`Set ${name} (see README, "Running the demo against Unico")`);
    return value;
  };
  const keyFile = process.env['UNICO_PRIVATE_KEY_FILE'];
  const privateKey = keyFile ? readFileSync(keyFile, 'utf8') : need('UNICO_PRIVATE_KEY');
  const image = readFileSync(need('UNICO_IMAGE_FILE'));
  // The file holds either the capture SDK's `encrypted` string (opaque) or a PNG/JPEG/WebP image.
  const isImage =
    image[0] === 0x89 ||
    (image[0] === 0xff && image[1] === 0xd8) ||
    image.toString('latin1', 8, 12) === 'WEBP';
  const imageBase64 = isImage ? image.toString('base64') : image.toString('utf8').trim();
  return {
    options: {
      environment: process.env['UNICO_ENVIRONMENT'] === 'production' ? 'production' : 'uat',
      serviceAccount: {
        accountName: need('UNICO_ACCOUNT_NAME'),
        tenantId: need('UNICO_TENANT_ID'),
        privateKey,
      },
      apiKey: need('UNICO_API_KEY'),
    },
    input: {
      subject: { code: need('UNICO_CPF'), name: need('UNICO_NAME') },
      useCase: 'Onboarding',
      imageBase64,
    },
  };
}

if (process.env['UNICO_API_KEY']) {
  const { options, input } = fromEnvironment();
  const client = new IdCloudClient(options);
  console.log(`Running against Unico (${client.environment})\n`);
  await run(client, [['your subject', () => input]]);
  await client.close();
} else {
  const server = await startEmulatorServer();
  const client = new IdCloudClient(server.clientOptions());
  console.log(`Running against the built-in emulator at ${server.url} (set UNICO_* to use Unico UAT)\n`);
  const person = (cpf: string, imageBase64: string): CreateProcessInput => ({
    subject: { code: cpf, name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64,
  });
  const plainImage = createSamplePng();
  await run(client, [
    ...Object.values(SCENARIOS).map((s): [string, () => CreateProcessInput] => [
      s.name,
      () => person(s.cpf, server.emulator.createCapture()),
    ]),
    ['inconclusive, plain image', () => person(SCENARIOS['inconclusive-liveness-passed'].cpf, plainImage)],
  ]);
  console.log(
    `\nToken requests: ${server.emulator.stats.tokenRequests}, process requests: ${server.emulator.stats.processRequests}`,
  );
  await client.close();
  await server.close();
}
