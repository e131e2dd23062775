// Interleaved comparison of SDK builds against raw undici (warm path) and against the raw stack
// in fresh processes (cold start), for the experiments in bench/experiments/.
import { fork, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { capture, createSdk, createUndici, fetchToken, makeInput } from './contenders.mjs';

const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const ratio = (a, b) => median(a.map((x, i) => x / b[i]));

export async function startServer() {
  const server = fork(join(BENCH, 'lib', 'server.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { port, pem, close: () => server.send('close') };
}

/**
 * Sequential p50, client CPU per call and throughput at concurrency 16 of each build (index.js
 * paths) and of raw undici, interleaved in rotating order. Prints a Markdown table.
 * @param {{ builds: Record<string, string>, bodyBytes: number, rounds: number, title?: string }} options
 */
export async function warmCompare({ builds, bodyBytes, rounds, title }) {
  const server = await startServer();
  const config = { port: server.port, pem: server.pem, token: await fetchToken(server.port) };
  const seq = bodyBytes <= 4096 ? 400 : bodyBytes <= 400_000 ? 40 : 16;
  const conc = seq * 4;
  const contenders = { 'undici (raw)': await createUndici(config) };
  for (const [name, file] of Object.entries(builds)) {
    contenders[name] = await createSdk({ ...config, sdkUrl: pathToFileURL(file).href });
  }
  const input = makeInput(bodyBytes);
  const names = Object.keys(contenders);
  for (const name of names)
    for (let i = 0; i < Math.min(200, seq * 2); i++) await contenders[name].call(input);
  const per = Object.fromEntries(names.map((n) => [n, { p50: [], cpu: [], rps: [] }]));
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const { call } = contenders[name];
      const lat = [];
      const c0 = process.cpuUsage();
      for (let i = 0; i < seq; i++) {
        const t0 = performance.now();
        await call(input);
        lat.push(performance.now() - t0);
      }
      const c = process.cpuUsage(c0);
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < conc) {
            next++;
            await call(input);
          }
        }),
      );
      per[name].rps.push(conc / ((performance.now() - t0) / 1000));
      per[name].p50.push(median(lat));
      per[name].cpu.push((c.user + c.system) / seq);
    }
  }
  for (const c of Object.values(contenders)) await c.close();
  server.close();
  const base = per['undici (raw)'];
  const lines = [
    `${title ?? 'Warm path'}: body ${bodyBytes} B, ${rounds} rounds × ${seq} sequential + ${conc} at concurrency 16`,
    '| variant | p50 µs | p50 × | CPU µs/call | CPU × | req/s c16 | req/s × |',
    '|---|---|---|---|---|---|---|',
  ];
  const rows = {};
  for (const name of names) {
    const p = per[name];
    rows[name] = {
      p50Us: median(p.p50) * 1000,
      p50Ratio: ratio(p.p50, base.p50),
      cpuUs: median(p.cpu),
      cpuRatio: ratio(p.cpu, base.cpu),
      rps: median(p.rps),
      rpsRatio: ratio(p.rps, base.rps),
    };
    const row = rows[name];
    lines.push(
      `| ${name} | ${row.p50Us.toFixed(0)} | ${row.p50Ratio.toFixed(3)} | ${row.cpuUs.toFixed(0)} | ${row.cpuRatio.toFixed(3)} | ${row.rps.toFixed(0)} | ${row.rpsRatio.toFixed(3)} |`,
    );
  }
  console.log(lines.join('\n'));
  return rows;
}

/**
 * Cold import and first call of each build in fresh processes, interleaved with the raw stacks.
 * @param {{ builds: Record<string, string>, rounds: number }} options
 */
export async function coldCompare({ builds, rounds }) {
  const server = await startServer();
  const env = {
    ...process.env,
    BENCH_PORT: String(server.port),
    BENCH_PEM: server.pem,
    BENCH_IMAGE: capture(900),
  };
  const runs = { bare: { args: ['-e', '0'] } };
  for (const [name, file] of Object.entries(builds)) {
    const sdk = pathToFileURL(file).href;
    runs[`import, ${name}`] = { args: [join(BENCH, 'cold', 'import-sdk.mjs')], sdk };
    runs[`first call, ${name}`] = { args: [join(BENCH, 'cold', 'first-call-sdk.mjs')], sdk };
  }
  runs['import undici+jose+zod'] = { args: [join(BENCH, 'cold', 'import-raw.mjs')] };
  runs['first call undici+jose+zod'] = { args: [join(BENCH, 'cold', 'first-call-raw.mjs')] };
  const names = Object.keys(runs);
  const samples = Object.fromEntries(names.map((n) => [n, { wall: [], ready: [] }]));
  const once = (name) => {
    const run = runs[name];
    const t0 = performance.now();
    const child = spawnSync(process.execPath, run.args, {
      env: { ...env, BENCH_SDK: run.sdk ?? '' },
      encoding: 'utf8',
    });
    const wall = performance.now() - t0;
    if (child.status !== 0) throw new Error(`${name}: ${child.stderr}`);
    const out = child.stdout.trim();
    return { wall, ready: out ? JSON.parse(out).readyAt : undefined };
  };
  for (const name of names) once(name);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      const out = once(name);
      samples[name].wall.push(out.wall);
      if (out.ready !== undefined) samples[name].ready.push(out.ready);
    }
  }
  server.close();
  const bare = median(samples.bare.wall);
  const rawImport = median(samples['import undici+jose+zod'].wall) - bare;
  const rawFirst = median(samples['first call undici+jose+zod'].ready);
  const lines = [
    `Cold start: ${rounds} interleaved rounds; bare \`node -e 0\` ${bare.toFixed(1)} ms`,
    '| variant | wall ms | over bare ms | × raw import | ready at ms | × raw first call |',
    '|---|---|---|---|---|---|',
  ];
  for (const name of names) {
    const wall = median(samples[name].wall);
    const ready = median(samples[name].ready);
    const first = name.startsWith('first');
    lines.push(
      `| ${name} | ${wall.toFixed(1)} | ${(wall - bare).toFixed(1)} | ${first || name === 'bare' ? '' : ((wall - bare) / rawImport).toFixed(3)} | ${Number.isNaN(ready) ? '' : ready.toFixed(1)} | ${first ? (ready / rawFirst).toFixed(3) : ''} |`,
    );
  }
  console.log(lines.join('\n'));
}
