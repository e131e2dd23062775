// Bundled with esbuild (platform node, CommonJS and ESM output) by run-pack-test.mjs, then run from a
// directory whose node_modules holds msw only: the bundle must carry everything else.
// No top-level await, so the same source bundles to CommonJS.
import assert from 'node:assert/strict';
import { IdCloudClient, IdCloudError, InvalidInputError } from 'unico-idcloud';
import { createSamplePng, SCENARIOS, startEmulatorServer } from 'unico-idcloud/testing';

async function main() {
  const server = await startEmulatorServer();
  const client = new IdCloudClient(server.clientOptions());
  try {
    const notVerified = await client.createProcess({
      subject: { code: SCENARIOS['not-verified'].cpf, name: 'Luke Skywalker' },
      useCase: 'Onboarding',
      imageBase64: server.emulator.createCapture(),
    });
    assert.equal(notVerified.kind, 'not-verified');
    assert.equal(notVerified.livenessChecked, true);

    // A plain image: identity only, Unico's liveness 1 is decoded as not checked.
    const plain = await client.createProcess({
      subject: { code: SCENARIOS['inconclusive-liveness-passed'].cpf, name: 'Luke Skywalker' },
      useCase: 'Onboarding',
      imageBase64: createSamplePng(),
    });
    assert.equal(plain.kind, 'inconclusive');
    assert.equal(plain.livenessChecked, false);
    assert.equal(plain.liveness, 'not-checked');

    const processError = await client.createProcess({
      subject: { code: SCENARIOS['process-error'].cpf, name: 'Luke Skywalker' },
      useCase: 'Onboarding',
      imageBase64: server.emulator.createCapture(),
    });
    assert.equal(processError.kind, 'process-error');

    await assert.rejects(
      client.createProcess({
        subject: { code: SCENARIOS['cpf-not-found'].cpf, name: 'Luke Skywalker' },
        useCase: 'Onboarding',
        imageBase64: server.emulator.createCapture(),
      }),
      (err) => IdCloudError.is(err) && err.code === 'ERR_API' && err.unicoCode === '20507',
    );
    await assert.rejects(
      client.createProcess({ subject: { code: '1', name: 'x' }, useCase: 'x', imageBase64: 'x' }),
      (err) => err instanceof InvalidInputError && err instanceof IdCloudError,
    );
    console.log(`bundle consumer: ok on node ${process.versions.node}`);
  } finally {
    await client.close();
    await server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
