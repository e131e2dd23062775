// Allocation child: bytes allocated per call by one contender, in a fresh process.
// V8 heap: the sampling heap profiler, counting objects already collected (an image-sized
// string is always sampled). Off-heap: Buffer/TextEncoder allocations made through the JS API.
import { Session } from 'node:inspector/promises';
import { FACTORIES, fetchToken, makeInput } from './contenders.mjs';

const name = process.argv[2];
const bodyBytes = Number(process.argv[3] ?? 1024 * 1024);
const calls = Number(process.argv[4] ?? 40);
const kind = process.argv[5] ?? 'capture';
const port = Number(process.env.BENCH_PORT);
const config = {
  port,
  pem: process.env.BENCH_PEM,
  sdkUrl: process.env.BENCH_SDK,
  token: await fetchToken(port),
};
const contender = await FACTORIES[name](config);
const input = makeInput(bodyBytes, kind);
for (let i = 0; i < 10; i++) await contender.call(input);

let external = 0;
let depth = 0;
const wrap = (owner, key, size) => {
  const original = owner[key];
  owner[key] = function (...args) {
    // Count the outermost call only: Buffer.from() may allocate through Buffer.allocUnsafe().
    depth++;
    try {
      const out = original.apply(this, args);
      if (depth === 1) external += size(out, args);
      return out;
    } finally {
      depth--;
    }
  };
};
const byteLength = (out) => out?.byteLength ?? 0;
for (const key of ['from', 'alloc', 'allocUnsafe', 'allocUnsafeSlow', 'concat'])
  wrap(Buffer, key, byteLength);
wrap(TextEncoder.prototype, 'encode', byteLength);

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
globalThis.gc?.();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
for (let i = 0; i < calls; i++) await contender.call(input);
const { profile } = await session.post('HeapProfiler.stopSampling');
const externalPerCall = external / calls;

const sites = new Map();
let heap = 0;
const walk = (node, stack) => {
  const frame = node.callFrame;
  const here = frame.functionName || '(anonymous)';
  const where = frame.url
    ? `${here} ${frame.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(bench|dist)/, '$1')}:${frame.lineNumber + 1}`
    : here;
  heap += node.selfSize;
  if (node.selfSize > 0) sites.set(where, (sites.get(where) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child, stack);
};
walk(profile.head, []);
const top = [...sites.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, 6)
  .map(([site, bytes]) => ({ site, bytesPerCall: Math.round(bytes / calls) }));
await contender.close();
process.stdout.write(
  JSON.stringify({
    heapPerCall: Math.round(heap / calls),
    externalPerCall: Math.round(externalPerCall),
    top,
  }),
);
