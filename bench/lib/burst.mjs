// Memory child: one contender, 64 concurrent calls with 800 KB images, in a fresh process.
// Prints the RSS before the burst and the process's peak RSS.
import { capture, FACTORIES, fetchToken, makeInput } from './contenders.mjs';

const name = process.argv[2];
const calls = Number(process.argv[3] ?? 64);
const imageBytes = Number(process.argv[4] ?? 800 * 1024);
const port = Number(process.env.BENCH_PORT);
const config = {
  port,
  pem: process.env.BENCH_PEM,
  sdkUrl: process.env.BENCH_SDK,
  token: await fetchToken(port),
};
const contender = await FACTORIES[name](config);
// Warm: modules loaded, token cached, one connection open; then the inputs the caller holds anyway.
await contender.call(makeInput(1024));
const inputs = Array.from({ length: calls }, () => ({
  ...makeInput(1024),
  imageBase64: capture(imageBytes),
}));
globalThis.gc?.();
const baseline = process.memoryUsage().rss;
const started = performance.now();
await Promise.all(inputs.map((input) => contender.call(input)));
const elapsedMs = performance.now() - started;
const peak = process.resourceUsage().maxRSS * 1024;
await contender.close();
process.stdout.write(JSON.stringify({ baseline, peak, elapsedMs }));
