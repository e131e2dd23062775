// Packs the library with `npm pack` and tests the tarball the way users get it, each consumer in its
// own throwaway project (directory and package.json) outside the repository; the projects share one
// node_modules, installed once, as hoisted in a monorepo.
//
// - Runtime consumers call the emulator and check a decoded result and a typed error: ESM `import`,
//   CommonJS `require`, and both builds loaded together in one process (errors recognised across the
//   two copies), each on this Node and on every other Node we support (the `engines.node` floor, 22
//   and 24: the npm package `node-<platform>-<arch>`, installed once into a cache under the OS temp
//   dir); and esbuild bundles (platform node, CommonJS and ESM output) run from a directory without
//   node_modules.
// - TypeScript consumers are type-checked by this repository's tsc against the tarball's
//   declarations: `moduleResolution` node16 (an ESM `.ts` and a CommonJS `.cts`), bundler and node10,
//   each with every type test of test/types/, and the declarations compiled with `skipLibCheck` off.
//
// Prints one line per consumer, then `pack test: N passed, M failed`; exits 1 on any failure. A
// Node that cannot be installed fails its consumers: nothing is skipped. UNICO_IDCLOUD_PACK_KEEP=1
// keeps the projects for debugging; UNICO_IDCLOUD_NODE_CACHE moves the cache.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBundledVersions, checkLinks } from './tarball-checks.mjs';

/** Node releases run besides this one and the `engines.node` floor. Bump deliberately. */
const NODE_RELEASES = ['22.23.3', '24.21.0'];
const NODE_CACHE = process.env.UNICO_IDCLOUD_NODE_CACHE ?? join(tmpdir(), 'unico-idcloud-node-cache');
const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
const RUN_TIMEOUT_MS = 120_000;
const MAX_UNPACKED_BYTES = 1_000_000;
const INSTALL_TIMEOUT_MS = 600_000;

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const tscVersion = JSON.parse(
  readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8'),
).version;
const started = performance.now();

// Children get a clean Node environment: no loader or flag of the parent (tsx, coverage) leaks in.
const childEnv = { ...process.env };
for (const name of ['NODE_OPTIONS', 'NODE_V8_COVERAGE', 'NODE_PATH']) delete childEnv[name];

/** Runs a command; resolves with its output, rejects with the output when it fails or times out. */
function exec(command, args, { cwd, timeoutMs = RUN_TIMEOUT_MS } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      output += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      reject(new Error(`${command} ${args.join(' ')}: ${why}\n${output.trim()}`));
    });
  });
}

/** Runs at most `size` commands at once; the rest wait their turn. */
function pool(size) {
  let running = 0;
  const queue = [];
  return async (...args) => {
    if (running >= size) await new Promise((resolve) => queue.push(resolve));
    running++;
    try {
      return await exec(...args);
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}
const cpu = pool(Math.max(2, availableParallelism())); // node and tsc runs
const io = pool(4); // npm installs: mostly waiting on disk and the cache

/** The lowest version `engines.node` allows. It is always run, so the field cannot drift. */
function enginesFloor() {
  const match = /^>=\s*(\d+\.\d+\.\d+)$/.exec(manifest.engines?.node ?? '');
  if (!match) throw new Error(`engines.node must be ">=x.y.z", is ${JSON.stringify(manifest.engines?.node)}`);
  return match[1];
}

/**
 * The binary of Node `version` from the npm package `node-<platform>-<arch>`, installed once into
 * the cache: into a staging directory first, renamed when complete, so that concurrent runs and
 * interrupted downloads never leave a half-installed Node behind.
 */
async function nodeBinary(version) {
  const pkg = `node-${process.platform}-${process.arch}`;
  if (process.platform === 'win32') throw new Error(`${pkg}: the Windows package layout is not handled`);
  const dir = join(NODE_CACHE, `${pkg}@${version}`);
  const binary = join(dir, 'node_modules', pkg, 'bin', 'node');
  const works = async () => (await exec(binary, ['--version'])).trim() === `v${version}`;
  if (existsSync(binary) && (await works().catch(() => false))) return binary;

  mkdirSync(NODE_CACHE, { recursive: true });
  rmSync(dir, { recursive: true, force: true }); // broken or partial
  const staging = mkdtempSync(join(NODE_CACHE, `.staging-${version}-`));
  try {
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ private: true }));
    await io('npm', [...INSTALL, `${pkg}@${version}`], { cwd: staging, timeoutMs: INSTALL_TIMEOUT_MS });
    try {
      renameSync(staging, dir);
    } catch (err) {
      if (!existsSync(binary)) throw err; // else another run installed it first
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  if (!(await works())) throw new Error(`${binary} is not Node ${version}`);
  return binary;
}

const work = mkdtempSync(join(tmpdir(), 'unico-idcloud-pack-'));
let installed;

/**
 * A throwaway consumer project: its own directory and package.json (with its module `type`) under
 * `work/consumers`, whose node_modules holds the tarball and the consumers' dev packages, installed
 * once for all of them (as hoisted in a monorepo), then `files` copied from test/.
 */
async function project(name, type, files) {
  await installed;
  const dir = join(work, 'consumers', name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type }));
  for (const file of files) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    copyFileSync(join(here, '..', file), join(dir, file));
  }
  return dir;
}

/**
 * A TypeScript consumer project: this repository's strict flags, no DOM lib (a Node project),
 * `skipLibCheck` on as `tsc --init` and the @tsconfig bases set it, unless overridden.
 */
async function tsProject(name, type, files, compilerOptions) {
  const dir = await project(name, type, files);
  const options = {
    target: 'ES2022',
    lib: ['ES2022'],
    types: ['node'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noPropertyAccessFromIndexSignature: true,
    noFallthroughCasesInSwitch: true,
    skipLibCheck: true,
    noEmit: true,
    ...compilerOptions,
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: options, files }, null, 2));
  return dir;
}

const results = [];
/** Registers a consumer: its check starts now, concurrently with the others; lines print in order. */
function consumer(name, runtime, check) {
  const t0 = performance.now();
  const outcome = check().then(
    (detail) => ({ ok: true, detail, ms: performance.now() - t0 }),
    (err) => ({
      ok: false,
      detail: err instanceof Error ? err.message : String(err),
      ms: performance.now() - t0,
    }),
  );
  results.push({ name, runtime, outcome });
}

try {
  const packed = JSON.parse(await exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: root }));
  const tarball = join(work, packed[0].filename);
  const consumers = join(work, 'consumers');
  mkdirSync(consumers);
  writeFileSync(join(consumers, 'package.json'), JSON.stringify({ name: 'consumers', private: true }));
  const devPackages = [
    `msw@${manifest.devDependencies.msw}`,
    `@types/node@${manifest.devDependencies['@types/node']}`,
  ];
  installed = io('npm', [...INSTALL, tarball, ...devPackages], {
    cwd: consumers,
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  // A fresh project with the tarball alone, as `npm i unico-idcloud` leaves it.
  const fresh = join(work, 'fresh');
  mkdirSync(join(fresh, 'pack'), { recursive: true });
  writeFileSync(
    join(fresh, 'package.json'),
    JSON.stringify({ name: 'fresh', private: true, type: 'module' }),
  );
  for (const file of ['consumer-fresh.mjs', 'consumer-fresh.cjs'])
    copyFileSync(join(here, file), join(fresh, 'pack', file));
  const freshInstalled = io('npm', [...INSTALL, tarball], { cwd: fresh, timeoutMs: INSTALL_TIMEOUT_MS });
  freshInstalled.catch(() => {}); // reported by each consumer of it

  // 1. The tarball: dist/ (no sourcemaps), docs/, examples/ and the documents only, every file the
  //    manifest points to, and at most 1 MB unpacked.
  consumer('tarball contents', '-', async () => {
    const files = packed[0].files.map((f) => f.path);
    const documents = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'];
    const stray = files.filter((f) => !/^(dist|docs|examples)\//.test(f) && !documents.includes(f));
    if (stray.length > 0) throw new Error(`unexpected files in the tarball: ${stray.join(', ')}`);
    const maps = files.filter((f) => f.endsWith('.map'));
    if (maps.length > 0)
      throw new Error(`sourcemaps of sources the tarball does not ship: ${maps.join(', ')}`);
    const targets = (value) =>
      typeof value === 'string' ? [value] : Object.values(value ?? {}).flatMap(targets);
    const referenced = [
      manifest.main,
      manifest.module,
      manifest.types,
      manifest.exports,
      manifest.typesVersions,
      manifest.bin,
    ];
    const missing = [...new Set(targets(referenced))]
      .map((f) => f.replace(/^\.\//, ''))
      .filter((f) => !files.includes(f));
    if (missing.length > 0) throw new Error(`missing from the tarball: ${missing.join(', ')}`);
    const unpacked = packed[0].unpackedSize;
    if (unpacked > MAX_UNPACKED_BYTES)
      throw new Error(`${unpacked} bytes unpacked, more than ${MAX_UNPACKED_BYTES}`);
    return `${files.length} files, ${Math.round(packed[0].size / 1024)} kB packed, ${Math.round(unpacked / 1024)} kB unpacked`;
  });
  consumer('bundled packages = package-lock.json', '-', async () => {
    await installed;
    return checkBundledVersions(join(consumers, 'node_modules', manifest.name));
  });
  consumer('relative links of the packed docs resolve', '-', async () => {
    await installed;
    return checkLinks(join(consumers, 'node_modules', manifest.name));
  });
  consumer('engines.node floor is run', '-', async () => `${manifest.engines.node}: ${enginesFloor()} below`);

  // 2. Runtimes and projects, all installed concurrently.
  let floor = [];
  try {
    floor = [enginesFloor()];
  } catch {
    // reported by the engines line
  }
  const runtimes = [...new Set([process.versions.node, ...floor, ...NODE_RELEASES])].map((version) => {
    const binary =
      version === process.versions.node ? Promise.resolve(process.execPath) : nodeBinary(version);
    binary.catch(() => {}); // reported by each consumer on this runtime
    return { version, binary };
  });
  const typeTests = readdirSync(join(root, 'test', 'types'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `types/${f}`);
  const projects = {
    esm: project('esm', 'module', ['pack/consumer.mjs']),
    cjs: project('cjs', 'commonjs', ['pack/consumer.cjs']),
    dual: project('dual', 'module', ['pack/consumer-dual.mjs']),
    esbuild: project('esbuild', 'module', ['pack/consumer-bundle.mjs']),
    doctor: project('doctor', 'module', ['pack/consumer-doctor.mjs']),
    nodenext: tsProject('ts-nodenext', 'module', ['pack/consumer.ts', 'pack/consumer.cts', ...typeTests], {
      module: 'nodenext',
      moduleResolution: 'nodenext',
    }),
    node16: tsProject('ts-node16', 'module', ['pack/consumer.ts', 'pack/consumer.cts', ...typeTests], {
      module: 'node16',
      moduleResolution: 'node16',
    }),
    bundler: tsProject('ts-bundler', 'module', ['pack/consumer.ts', ...typeTests], {
      module: 'esnext',
      moduleResolution: 'bundler',
    }),
    node10: tsProject('ts-node10', 'commonjs', ['pack/consumer.ts', ...typeTests], {
      module: 'commonjs',
      moduleResolution: 'node10',
    }),
    // Our own declarations (and undici's) compiled, not skipped. Without the `./testing` entry:
    // msw's declarations do not compile under skipLibCheck false. No DOM lib: a Node project's
    // view (the key option spells out the CryptoKey shape rather than naming the DOM global).
    declarations: tsProject(
      'ts-declarations',
      'module',
      typeTests.filter((f) => f !== 'types/testing.ts'),
      { module: 'node16', moduleResolution: 'node16', skipLibCheck: false, lib: ['ES2022'] },
    ),
  };
  for (const p of Object.values(projects)) p.catch(() => {}); // reported by each consumer of it

  // 3. esbuild bundles, written outside any project so that nothing but msw can resolve from
  // node_modules. unico-idcloud/testing loads msw (an optional peer) at run time, so that it can say
  // what to install when msw is missing: a bundle that includes the emulator keeps msw external and
  // needs it installed. Everything else — the SDK, undici, zod, jose — must be in the bundle.
  const bundles = join(work, 'bundles');
  mkdirSync(join(bundles, 'node_modules'), { recursive: true });
  symlinkSync(join(root, 'node_modules', 'msw'), join(bundles, 'node_modules', 'msw'), 'dir');
  const bundle = async (format, outfile, extra = []) => {
    const cwd = await projects.esbuild;
    const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
    const out = join(bundles, outfile);
    const args = [
      'pack/consumer-bundle.mjs',
      '--bundle',
      '--platform=node',
      `--format=${format}`,
      '--external:msw',
    ];
    await cpu(esbuild, [...args, `--outfile=${out}`, '--log-level=error', ...extra], { cwd });
    return out;
  };
  const bundled = {
    cjs: bundle('cjs', 'consumer.cjs'),
    // The usual banner of ESM bundles whose CommonJS dependencies (undici, msw) call require().
    esm: bundle('esm', 'consumer.mjs', [
      "--banner:js=import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    ]),
  };
  for (const p of Object.values(bundled)) p.catch(() => {});

  // 4. Runtime consumers on every runtime.
  const runOn = (runtime, cwd, script) => async () => {
    const [node, dir, file] = await Promise.all([runtime.binary, cwd, script]);
    const stdout = await cpu(node, [file], { cwd: dir });
    if (!stdout.trim().endsWith(`ok on node ${runtime.version}`))
      throw new Error(`unexpected output: ${stdout}`);
    return '';
  };
  for (const runtime of runtimes) {
    const on = `node ${runtime.version}`;
    consumer('ESM import', on, runOn(runtime, projects.esm, 'pack/consumer.mjs'));
    consumer('CommonJS require', on, runOn(runtime, projects.cjs, 'pack/consumer.cjs'));
    consumer('CJS + ESM copies in one process', on, runOn(runtime, projects.dual, 'pack/consumer-dual.mjs'));
  }
  // A bundle no longer resolves anything at run time: this Node is enough.
  const [current] = runtimes;
  consumer(
    'esbuild bundle, CommonJS output',
    `node ${current.version}`,
    runOn(current, bundles, bundled.cjs),
  );
  consumer('esbuild bundle, ESM output', `node ${current.version}`, runOn(current, bundles, bundled.esm));
  const freshDir = freshInstalled.then(() => fresh);
  consumer('fresh install: npm ls --omit=dev', '-', async () => {
    const tree = JSON.parse(
      await exec('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: await freshDir }),
    );
    const ours = tree.dependencies?.[manifest.name];
    // Optional peers that are not installed (msw, redis, ioredis) are listed as empty objects.
    const names = (node) =>
      Object.entries(node?.dependencies ?? {})
        .filter(([, d]) => d.version !== undefined)
        .flatMap(([n, d]) => [n, ...names(d)]);
    const runtime = names(ours);
    if (runtime.join() !== 'undici') throw new Error(`runtime dependencies: ${runtime.join(', ') || 'none'}`);
    return `${manifest.name} -> ${runtime.join(', ')}`;
  });
  consumer(
    'fresh install: ESM import, adviceFor',
    `node ${current.version}`,
    runOn(current, freshDir, 'pack/consumer-fresh.mjs'),
  );
  consumer(
    'fresh install: CommonJS require, adviceFor',
    `node ${current.version}`,
    runOn(current, freshDir, 'pack/consumer-fresh.cjs'),
  );
  consumer('npx unico-idcloud doctor vs the emulator', `node ${current.version}`, async () => {
    const [dir, project] = await Promise.all([freshDir, projects.doctor]);
    const stdout = await cpu(
      current.binary === undefined ? process.execPath : await current.binary,
      ['pack/consumer-doctor.mjs', dir],
      { cwd: project },
    );
    if (!stdout.trim().endsWith(`ok on node ${current.version}`))
      throw new Error(`unexpected output: ${stdout}`);
    return '';
  });

  // 5. TypeScript consumers, type-checked only.
  const typecheck = (dirPromise) => async () => {
    const dir = await dirPromise;
    await cpu(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir]);
    return '';
  };
  const tsc = `tsc ${tscVersion}`;
  consumer('TypeScript nodenext (.ts ESM + .cts CJS)', tsc, typecheck(projects.nodenext));
  consumer('TypeScript node16 (.ts ESM + .cts CJS)', tsc, typecheck(projects.node16));
  consumer('TypeScript bundler', tsc, typecheck(projects.bundler));
  consumer('TypeScript node10 (typesVersions)', tsc, typecheck(projects.node10));
  consumer('TypeScript declarations, skipLibCheck off', tsc, typecheck(projects.declarations));
} catch (err) {
  // Only `npm pack` can land here: without a tarball nothing else runs.
  results.push({
    name: 'npm pack',
    runtime: '-',
    outcome: Promise.resolve({ ok: false, detail: err.message, ms: 0 }),
  });
}

let passed = 0;
let failed = 0;
for (const { name, runtime, outcome } of results) {
  const { ok, detail, ms } = await outcome;
  if (ok) passed++;
  else failed++;
  const line = `${ok ? 'ok  ' : 'FAIL'}  ${name.padEnd(42)} ${runtime.padEnd(13)} ${(ms / 1000).toFixed(1).padStart(5)}s`;
  console.log(detail && ok ? `${line}  ${detail}` : line);
  if (!ok) console.log(detail.replace(/^/gm, '        '));
}
if (process.env.UNICO_IDCLOUD_PACK_KEEP) console.log(`(projects kept in ${work})`);
else rmSync(work, { recursive: true, force: true });
console.log(`(${((performance.now() - started) / 1000).toFixed(1)}s; Node binaries cached in ${NODE_CACHE})`);
console.log(`pack test: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
