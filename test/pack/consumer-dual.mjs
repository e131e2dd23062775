// Runs inside a throwaway ESM project: loads the CommonJS build (createRequire) and the ESM build
// (import) of the packed package into one process, the "dual package hazard". An error raised by
// one copy must be recognised by the other copy's `IdCloudError.is()` and `instanceof IdCloudError`,
// which check the `Symbol.for('unico-idcloud.error')` brand rather than the prototype chain.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const copies = {
  cjs: { sdk: require('unico-idcloud'), testing: require('unico-idcloud/testing') },
  esm: { sdk: await import('unico-idcloud'), testing: await import('unico-idcloud/testing') },
};
assert.match(require.resolve('unico-idcloud'), /index\.cjs$/);
assert.match(import.meta.resolve('unico-idcloud'), /index\.js$/);
assert.notEqual(copies.cjs.sdk.IdCloudError, copies.esm.sdk.IdCloudError, 'expected two copies');

/** Calls the emulator through one copy: a decoded result, then the error of `scenario`. */
async function callThrough(copy, scenario) {
  const server = await copy.testing.startEmulatorServer();
  const client = new copy.sdk.IdCloudClient(server.clientOptions());
  const input = (name) => ({
    subject: { code: copy.testing.SCENARIOS[name].cpf, name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64: server.emulator.createCapture(),
  });
  try {
    const result = await client.createProcess(input('inconclusive-liveness-passed'));
    const error = await client.createProcess(input(scenario)).then(
      () => {
        throw new Error(`scenario ${scenario} did not reject`);
      },
      (err) => err,
    );
    return { result, error };
  } finally {
    await client.close();
    await server.close();
  }
}

function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

for (const [from, to] of [
  ['cjs', 'esm'],
  ['esm', 'cjs'],
]) {
  const own = copies[from].sdk;
  const other = copies[to].sdk;

  // Raised by a call against the emulator, after a decoded result.
  const { result, error: api } = await callThrough(copies[from], 'cpf-not-found');
  assert.equal(result.kind, 'inconclusive');
  assert.equal(result.liveness, 'passed');
  assert.ok(api instanceof own.ApiError, `${from}: own class`);
  // Not through the prototype chain: only the brand can make the next two checks pass.
  assert.ok(!Object.prototype.isPrototypeOf.call(other.IdCloudError.prototype, api), 'really another copy');
  assert.ok(other.IdCloudError.is(api), `${to}.IdCloudError.is(error from ${from})`);
  assert.ok(api instanceof other.IdCloudError, `error from ${from} instanceof ${to}.IdCloudError`);
  assert.equal(api.code, 'ERR_API');
  assert.equal(api.unicoCode, '20507');
  assert.ok(other.ERROR_CODES.includes(api.code));

  // Raised synchronously by the constructor, before any I/O.
  const config = thrown(() => new own.IdCloudClient({ environment: 'staging' }));
  assert.ok(other.IdCloudError.is(config), `${to}.IdCloudError.is(config error from ${from})`);
  assert.ok(config instanceof other.IdCloudError, `config error from ${from} instanceof ${to}.IdCloudError`);
  assert.equal(config.code, 'ERR_INVALID_CONFIG');
  assert.ok(config.issues.some((i) => i.path === 'environment'));

  // Look-alikes are not SDK errors: other libraries use the same code names.
  const lookalike = Object.assign(new Error('socket hang up'), { code: 'ERR_NETWORK' });
  assert.ok(!other.IdCloudError.is(lookalike));
  assert.ok(!(lookalike instanceof other.IdCloudError));
  assert.ok(!other.IdCloudError.is(null) && !other.IdCloudError.is('ERR_API'));
}
console.log(`dual-copy consumer: ok on node ${process.versions.node}`);
