// Runs inside a throwaway CommonJS project that installed the packed tarball: `require` of both entries.
const assert = require('node:assert/strict');
const {
  adviceFor,
  IdCloudClient,
  IdCloudError,
  InvalidInputError,
  OutcomeUnknownError,
} = require('unico-idcloud');
const { SCENARIOS, startEmulatorServer } = require('unico-idcloud/testing');

(async () => {
  assert.equal(typeof require.resolve('unico-idcloud'), 'string');
  assert.match(require.resolve('unico-idcloud'), /index\.cjs$/);
  const server = await startEmulatorServer();
  const client = new IdCloudClient(server.clientOptions());
  try {
    const result = await client.createProcess({
      subject: { code: SCENARIOS.verified.cpf, name: 'Luke Skywalker' },
      useCase: 'Onboarding',
      imageBase64: server.emulator.createCapture(),
    });
    assert.equal(result.kind, 'verified');
    assert.equal(result.status, 3);
    assert.equal(result.livenessChecked, true);
    assert.equal(adviceFor(result).action, 'approve');
    await assert.rejects(
      client.createProcess({
        subject: { code: SCENARIOS['server-error'].cpf, name: 'Luke Skywalker' },
        useCase: 'Onboarding',
        imageBase64: server.emulator.createCapture(),
      }),
      (err) =>
        IdCloudError.is(err) &&
        err instanceof OutcomeUnknownError &&
        err.code === 'ERR_OUTCOME_UNKNOWN' &&
        err.reason === 'server-error' &&
        err.httpStatus === 503,
    );
    await assert.rejects(
      client.createProcess({ subject: { code: '1', name: 'x' }, useCase: 'x', imageBase64: 'x' }),
      (err) => err instanceof InvalidInputError && err.code === 'ERR_INVALID_INPUT',
    );
    console.log(`cjs consumer: ok on node ${process.versions.node}`);
  } finally {
    await client.close();
    await server.close();
  }
})().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
