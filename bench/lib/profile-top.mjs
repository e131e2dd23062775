// Prints the top self-time frames of a .cpuprofile (from node --cpu-prof), grouped by function.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const limit = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const deltas = profile.timeDeltas;
let total = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const dt = deltas[i] ?? 0;
  total += dt;
  const f = node.callFrame;
  const url = f.url.replace(/^.*\/node_modules\//, '').replace(/^file:\/\/.*\/(bench|dist)\//, '$1/');
  const key = `${f.functionName || '(anonymous)'}  ${url}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + dt);
});
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
for (const [key, us] of rows)
  console.log(
    `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
  );
