// Type-checked (never run) as a CommonJS TypeScript file (`.cts`) with `moduleResolution` node16:
// `require` resolves through the package's `require` condition to the `.d.cts` declarations.
// Written with `import = require()` so that it also compiles under `verbatimModuleSyntax`.
import sdk = require('unico-idcloud');
import testing = require('unico-idcloud/testing');

function summary(result: sdk.ProcessResult): string {
  const advice: sdk.Advice = sdk.adviceFor(result);
  if (advice.action === 'retry-capture') return `ask for a new capture: ${advice.reason}`;
  if (result.kind === 'inconclusive') return `inconclusive, liveness ${result.liveness}`;
  if (result.kind === 'not-verified') return `not verified, liveness ${result.liveness ?? 'absent'}`;
  // @ts-expect-error liveness exists only on inconclusive and not-verified
  return `${result.kind} ${result.liveness}`;
}

async function run(imageBase64: string): Promise<string> {
  const server = await testing.startEmulatorServer();
  const client = new sdk.IdCloudClient(server.clientOptions());
  try {
    const subject = { code: testing.SCENARIOS.verified.cpf, name: 'Luke Skywalker' };
    return summary(await client.createProcess({ subject, useCase: 'Onboarding', imageBase64 }));
  } catch (err) {
    if (sdk.IdCloudError.is(err) && err.code === 'ERR_RATE_LIMITED') return `retry in ${err.retryAfterMs} ms`;
    if (err instanceof sdk.IdCloudError) return err.code;
    throw err;
  } finally {
    await client.close();
    await server.close();
  }
}

export = { run };
