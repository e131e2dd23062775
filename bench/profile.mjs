// Profiles one contender on the warm path, for explaining a ratio:
//   node --cpu-prof --cpu-prof-dir=.tmp/bench/prof bench/profile.mjs sdk 1024 5000 [concurrency] [capture|plain]
//   node bench/lib/profile-top.mjs .tmp/bench/prof/<file>.cpuprofile
// Uses the built SDK in dist/ and the same loopback server child as the bench.
import { fork } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FACTORIES, fetchToken, makeInput } from './lib/contenders.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const [name = 'sdk', bytes = '1024', calls = '5000', concurrency = '1', kind = 'capture'] =
  process.argv.slice(2);
const server = fork(join(BENCH, 'lib', 'server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const config = {
  port,
  pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  sdkUrl: process.env.BENCH_SDK ?? pathToFileURL(join(BENCH, '..', 'dist', 'index.js')).href,
  token: await fetchToken(port),
};
const contender = await FACTORIES[name](config);
const input = makeInput(Number(bytes), kind);
let next = 0;
const total = Number(calls);
const worker = async () => {
  while (next < total) {
    next++;
    await contender.call(input);
  }
};
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const ms = performance.now() - t0;
console.log(
  `${name} ${kind} ${bytes} B × ${total} (concurrency ${concurrency}): ${((ms * 1000) / total).toFixed(1)} µs/call`,
);
await contender.close();
server.send('close');
