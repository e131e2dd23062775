// Runs inside a throwaway ESM project that installed the packed tarball: `import` of both entries.
import assert from 'node:assert/strict';
import { adviceFor, IdCloudClient, IdCloudError, InvalidInputError } from 'unico-idcloud';
import { SCENARIOS, startEmulatorServer } from 'unico-idcloud/testing';

const server = await startEmulatorServer();
const client = new IdCloudClient(server.clientOptions());
try {
  const result = await client.createProcess({
    subject: { code: SCENARIOS['inconclusive-liveness-failed'].cpf, name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64: server.emulator.createCapture(),
  });
  assert.equal(result.kind, 'inconclusive');
  assert.equal(result.liveness, 'failed');
  assert.equal(result.livenessChecked, true);
  assert.ok(Object.isFrozen(result.raw));
  assert.deepEqual(adviceFor(result), { action: 'reprove', reason: 'liveness declined' });
  await assert.rejects(
    client.createProcess({
      subject: { code: SCENARIOS['cpf-not-found'].cpf, name: 'Luke Skywalker' },
      useCase: 'Onboarding',
      imageBase64: server.emulator.createCapture(),
    }),
    (err) =>
      IdCloudError.is(err) &&
      err instanceof IdCloudError &&
      err.code === 'ERR_API' &&
      err.httpStatus === 400 &&
      err.unicoCode === '20507' &&
      typeof err.requestId === 'string',
  );
  await assert.rejects(
    client.createProcess({ subject: { code: '1', name: 'x' }, useCase: 'x', imageBase64: 'x' }),
    (err) =>
      err instanceof InvalidInputError &&
      err.code === 'ERR_INVALID_INPUT' &&
      err.issues.some((i) => i.path === 'subject.code'),
  );
  console.log(`esm consumer: ok on node ${process.versions.node}`);
} finally {
  await client.close();
  await server.close();
}
