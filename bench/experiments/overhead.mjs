// Where the SDK's per-call overhead at 1 KB comes from: raw undici with the SDK's per-call work
// added one piece at a time, the built SDK, and the SDK with a leaner transport (a proposal for
// src/client/transport.ts, plugged in through the public `transport` option). Interleaved rounds,
// medians, ratios against raw undici.
//   node bench/experiments/overhead.mjs [bodyBytes=1024] [rounds=10]
import { fork } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { Agent, request } from 'undici';
import { API_KEY, createSdk, fetchToken, makeInput, USER_AGENT } from '../lib/contenders.mjs';

const BENCH = dirname(dirname(fileURLToPath(import.meta.url)));
const bodyBytes = Number(process.argv[2] ?? 1024);
const ROUNDS = Number(process.argv[3] ?? 10);
const SEQ = bodyBytes <= 4096 ? 400 : bodyBytes <= 400_000 ? 60 : 25;
const CONC = SEQ * 4;

const server = fork(join(BENCH, 'lib', 'server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise((resolve) => server.once('message', (m) => resolve(m.port)));
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const sdkUrl = process.env.BENCH_SDK ?? pathToFileURL(join(BENCH, '..', 'dist', 'index.js')).href;
const token = await fetchToken(port);
const origin = `http://127.0.0.1:${port}`;
const url = `${origin}/processes/v1`;
const headers = () => ({
  authorization: `Bearer ${token}`,
  apikey: API_KEY,
  'content-type': 'application/json',
  accept: 'application/json',
  'user-agent': USER_AGENT,
  'x-request-id': randomUUID(),
});

const agent = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 });

async function readIterated(body) {
  const chunks = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

function deadline(ms) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), ms);
  timer.unref();
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}

/**
 * The proposed transport: one URL parse per distinct URL, no Proxy around undici's handler (an
 * object of bound methods, built once per handler class), the body read with `text()` when its
 * declared length fits the cap, no `await` on an already-loaded dispatcher.
 */
function leanTransport() {
  const targets = new Map();
  const target = (u) => {
    let t = targets.get(u);
    if (t === undefined) {
      const parsed = new URL(u);
      t = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      targets.set(u, t);
    }
    return t;
  };
  const ON_WRITE = Symbol('onWrite');
  const methodsOf = new WeakMap();
  const methods = (handler) => {
    const proto = Object.getPrototypeOf(handler);
    let list = methodsOf.get(proto);
    if (list === undefined) {
      list = [];
      for (let p = handler; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
        for (const key of Object.getOwnPropertyNames(p)) {
          if (key !== 'constructor' && typeof handler[key] === 'function' && !list.includes(key))
            list.push(key);
        }
      }
      methodsOf.set(proto, list);
    }
    return list;
  };
  const trackWrites = (dispatch) => (opts, handler) => {
    const onWrite = opts[ON_WRITE];
    if (onWrite === undefined) return dispatch(opts, handler);
    const tracked = {};
    for (const key of methods(handler)) {
      const fn = handler[key];
      tracked[key] =
        key === 'onConnect' || key === 'onRequestStart'
          ? (...args) => {
              onWrite();
              return fn.apply(handler, args);
            }
          : fn.bind(handler);
    }
    return dispatch(opts, tracked);
  };
  const own = new Agent({ keepAliveTimeout: 4_000, keepAliveMaxTimeout: 30_000 }).compose(trackWrites);
  return {
    tracksWrites: true,
    async request(req) {
      const { origin: o, path } = target(req.url);
      const res = await own.request({
        origin: o,
        path,
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        signal: req.signal,
        [ON_WRITE]: req.onWrite,
      });
      const length = Number(res.headers['content-length']);
      const body = length <= req.maxResponseBytes ? await res.body.text() : await readIterated(res.body);
      return { status: res.statusCode, headers: res.headers, body };
    },
    close: () => own.close(),
  };
}

const JWT_CHARS = /[^A-Za-z0-9_.-]/;
/** The proposed body: validated image spliced into a Buffer with a latin1 (memcpy) write. */
function spliceBody(input) {
  const { imageBase64, ...rest } = input;
  if (JWT_CHARS.test(imageBase64)) throw new Error('bad image');
  const head = `${JSON.stringify(rest).slice(0, -1)},"imageBase64":"`;
  const headBytes = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headBytes + imageBase64.length + 2);
  out.write(head, 0, 'utf8');
  out.latin1Write(imageBase64, headBytes);
  out.write('"}', headBytes + imageBase64.length, 'latin1');
  return out;
}

const plain = (input) => JSON.stringify(input);
const variants = {
  'undici (raw)': async (input) => {
    const res = await request(url, { method: 'POST', headers: headers(), body: plain(input) });
    return JSON.parse(await res.body.text());
  },
  '+ own Agent, origin/path': async (input) => {
    const u = new URL(url);
    const res = await agent.request({
      origin: u.origin,
      path: u.pathname,
      method: 'POST',
      headers: headers(),
      body: plain(input),
    });
    return JSON.parse(await res.body.text());
  },
  '+ deadline signal': async (input) => {
    const d = deadline(30_000);
    try {
      const u = new URL(url);
      const res = await agent.request({
        origin: u.origin,
        path: u.pathname,
        method: 'POST',
        headers: headers(),
        body: plain(input),
        signal: d.signal,
      });
      return JSON.parse(await res.body.text());
    } finally {
      d.dispose();
    }
  },
  '+ 2 chained deadlines (as client.ts)': async (input) => {
    const d = deadline(30_000);
    const a = deadline(25_000);
    const onAbort = () => a.dispose();
    d.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const u = new URL(url);
      const res = await agent.request({
        origin: u.origin,
        path: u.pathname,
        method: 'POST',
        headers: headers(),
        body: plain(input),
        signal: a.signal,
      });
      return JSON.parse(await res.body.text());
    } finally {
      a.dispose();
      d.signal.removeEventListener('abort', onAbort);
      d.dispose();
    }
  },
  '+ for-await body read': async (input) => {
    const d = deadline(30_000);
    try {
      const u = new URL(url);
      const res = await agent.request({
        origin: u.origin,
        path: u.pathname,
        method: 'POST',
        headers: headers(),
        body: plain(input),
        signal: d.signal,
      });
      return JSON.parse(await readIterated(res.body));
    } finally {
      d.dispose();
    }
  },
};
variants['undici, Buffer body (splice)'] = async (input) => {
  const res = await request(url, { method: 'POST', headers: headers(), body: spliceBody(input) });
  return JSON.parse(await res.body.text());
};
// The SDK's contract at its cheapest: its own input validation and response decoding (src/schemas,
// bundled here with esbuild), one deadline signal, on raw undici. A floor for the SDK's ratio.
const schemasFile = join(dirname(BENCH), '.tmp', 'bench', 'schemas.mjs');
await build({
  stdin: {
    contents: `export { prepareCreateProcess } from './src/schemas/input.ts'; export { decodeProcessBody } from './src/schemas/response.ts';`,
    resolveDir: dirname(BENCH),
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  outfile: schemasFile,
  logLevel: 'warning',
});
const { prepareCreateProcess, decodeProcessBody } = await import(pathToFileURL(schemasFile).href);
variants['undici + SDK schemas + 1 deadline'] = async (input) => {
  const prepared = prepareCreateProcess(input);
  if (!prepared.ok) throw new Error('invalid input');
  const d = deadline(30_000);
  try {
    const res = await agent.request({
      origin,
      path: '/processes/v1',
      method: 'POST',
      headers: headers(),
      body: prepared.request.body,
      signal: d.signal,
    });
    const decoded = decodeProcessBody(JSON.parse(await res.body.text()), prepared.request.imageKind, 'id');
    if (!decoded.ok) throw new Error('invalid response');
    return decoded.result;
  } finally {
    d.dispose();
  }
};
const sdk = await createSdk({ sdkUrl, port, pem });
const lean = await createSdk({ sdkUrl, port, pem, clientOptions: { transport: leanTransport() } });
variants['sdk (dist)'] = sdk.call;
variants['sdk + lean transport'] = lean.call;

const input = makeInput(bodyBytes);
const names = Object.keys(variants);
for (const name of names) for (let i = 0; i < 200; i++) await variants[name](input);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const per = Object.fromEntries(names.map((n) => [n, { p50: [], cpu: [], rps: [] }]));
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + r) % names.length];
    const call = variants[name];
    const lat = [];
    const c0 = process.cpuUsage();
    for (let i = 0; i < SEQ; i++) {
      const t0 = performance.now();
      await call(input);
      lat.push(performance.now() - t0);
    }
    const c = process.cpuUsage(c0);
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < CONC) {
          next++;
          await call(input);
        }
      }),
    );
    per[name].rps.push(CONC / ((performance.now() - t0) / 1000));
    per[name].p50.push(median(lat));
    per[name].cpu.push((c.user + c.system) / SEQ);
  }
}
const base = per['undici (raw)'];
const ratio = (a, b) => median(a.map((x, i) => x / b[i]));
console.log(`body ${bodyBytes} B, ${ROUNDS} rounds × ${SEQ} sequential + ${CONC} at concurrency 16`);
console.log('| variant | p50 µs | p50 × | CPU µs/call (seq) | CPU × | req/s c16 | req/s × |');
console.log('|---|---|---|---|---|---|---|');
for (const name of names) {
  const p = per[name];
  console.log(
    `| ${name} | ${(median(p.p50) * 1000).toFixed(0)} | ${ratio(p.p50, base.p50).toFixed(3)} | ${median(p.cpu).toFixed(0)} | ${ratio(p.cpu, base.cpu).toFixed(3)} | ${median(p.rps).toFixed(0)} | ${ratio(p.rps, base.rps).toFixed(3)} |`,
  );
}
await sdk.close();
await lean.close();
await agent.close();
server.send('close');
