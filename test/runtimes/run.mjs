// Runs one request through the BUILT SDK inside real runtimes, against the loopback emulator:
//
// - workerd (Cloudflare Workers' runtime, the `workerd` npm package's binary), a Worker bundled by
//   esbuild with the `workerd` condition: once without compatibility flags (no `process`, the key is
//   imported through WebCrypto) and once with `nodejs_compat`;
// - Bun and Deno (the `bun` and `deno` npm packages' binaries), importing `unico-idcloud` from a
//   throwaway project whose node_modules links this repository, so their own `bun` / `deno` export
//   conditions pick the build;
// - Vercel's Edge Runtime (`edge-light`): it only runs on Vercel's infrastructure, so the closest
//   real thing runs here: @edge-runtime/vm, Vercel's open-source Edge Runtime sandbox (what Next.js's
//   dev server runs edge code in), with a script bundled by esbuild with the `edge-light` condition;
// - Node as the control: the `import` condition, the undici build.
//
// Each runs test/runtimes/scenario.mjs (a verdict for a plain PNG with a PKCS#8 and a PKCS#1 PEM, a
// typed ERR_API, a WebCrypto signer instead of a key, a refused connection, two clients sharing a
// token store and a store that never answers) and the Node side checks
// its report, which build the runtime loaded, and the User-Agent the emulator saw. Before that, the
// edge bundle itself is checked: no `node:` import, no undici, no Buffer, only jose and zod.
//
// The runtimes are installed on demand from the npm registry into a cache under the OS temp dir
// (UNICO_IDCLOUD_RUNTIMES_CACHE moves it), never into the repository. Their install scripts do not
// run (npm holds them back here); the binaries come from the platform packages. A failed download
// fails loudly. Prints one line per check, then `runtimes: N passed, M failed`; exits 1 on failure.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Pinned: bump deliberately. */
const VERSIONS = {
  workerd: '1.20261117.1',
  bun: '1.4.5',
  deno: '2.9.6',
  '@edge-runtime/vm': '5.0.0',
};
// The newest date this workerd supports is its own release date; any date before works.
const WORKERD_COMPATIBILITY_DATE = '2025-09-01';
const RUN_TIMEOUT_MS = 60_000;
const INSTALL_TIMEOUT_MS = 600_000;

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dist = join(root, 'dist');
const cacheRoot = process.env.UNICO_IDCLOUD_RUNTIMES_CACHE ?? join(tmpdir(), 'unico-idcloud-runtimes');
const started = Date.now();

/** @type {{ name: string, version: string, how: string, ok: boolean, detail: string }[]} */
const results = [];
function record(name, version, how, problems, report) {
  const ok = problems.length === 0;
  results.push({ name, version, how, ok, detail: problems.join('; ') });
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${name} ${version} (${how})${ok ? '' : `\n     ${problems.join('\n     ')}`}`,
  );
  if (report?.refused) {
    console.log(
      `     key import: ${report.keyImport}; refused connection: ${report.refused.code}: ${report.refused.message} <- ${report.refused.causes?.join(' <- ')}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// The edge bundle, statically.

function checkEdgeBundle() {
  const problems = [];
  const file = join(dist, 'edge.js');
  if (!existsSync(file)) {
    record('edge bundle', 'dist/edge.js', 'static check', [
      'dist/edge.js is missing: run `npm run build` first',
    ]);
    return false;
  }
  const code = readFileSync(file, 'utf8');
  const specifiers = [
    ...code.matchAll(/\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]);
  for (const spec of specifiers) {
    if (!/^(jose|zod)(\/|$)/.test(spec)) problems.push(`imports "${spec}" (only jose and zod are allowed)`);
  }
  if (/\bBuffer\b/.test(code)) problems.push('uses Buffer');
  if (/\brequire\(/.test(code)) problems.push('calls require()');
  // The only node: specifiers allowed are the getBuiltinModule lookups, which are not imports.
  const nodeSpecs = [...code.matchAll(/['"](node:[\w/]+)['"]/g)].filter(
    (m) => !code.slice(Math.max(0, m.index - 40), m.index).includes('getBuiltinModule'),
  );
  for (const m of nodeSpecs) problems.push(`mentions "${m[1]}" outside process.getBuiltinModule`);

  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const conditions = Object.keys(pkg.exports['.']);
  for (const condition of ['workerd', 'edge-light', 'deno', 'bun']) {
    const target = pkg.exports['.'][condition];
    if (target?.default !== './dist/edge.js')
      problems.push(`exports["."]["${condition}"] is not ./dist/edge.js`);
    if (target && Object.keys(target)[0] !== 'types')
      problems.push(`exports["."]["${condition}"]: types not first`);
    for (const generic of ['import', 'require', 'default']) {
      if (conditions.includes(generic) && conditions.indexOf(generic) < conditions.indexOf(condition)) {
        problems.push(`exports["."]: "${generic}" comes before "${condition}", which is then never used`);
      }
    }
  }
  record(
    'edge bundle',
    'dist/edge.js',
    'static check: imports, Buffer, require, export conditions',
    problems,
  );
  return true;
}

// ---------------------------------------------------------------------------------------------
// Installing the runtimes.

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? RUN_TIMEOUT_MS);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? `killed by ${signal}` : -1), stdout, stderr });
    });
  });
}

/** Installs the pinned packages once into the cache; returns the cache's node_modules. */
async function installRuntimes() {
  const key = createHash('sha256').update(JSON.stringify(VERSIONS)).digest('hex').slice(0, 12);
  const dir = join(cacheRoot, key);
  const marker = join(dir, 'installed.json');
  if (!existsSync(marker)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    const specs = Object.entries(VERSIONS).map(([name, version]) => `${name}@${version}`);
    console.log(`installing ${specs.join(', ')} into ${dir} (first run only)`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const out = await run(
      npm,
      ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', ...specs],
      { timeoutMs: INSTALL_TIMEOUT_MS },
    );
    if (out.code !== 0) {
      throw new Error(`npm install of the runtimes failed (exit ${out.code}):\n${out.stderr.slice(-2000)}`);
    }
    writeFileSync(marker, `${JSON.stringify(VERSIONS)}\n`);
  }
  return join(dir, 'node_modules');
}

/**
 * The runtime's binary. The `bun`, `deno` and `workerd` packages' postinstall scripts only link or
 * copy the binary of the platform package that npm installed as an optional dependency; with
 * install scripts held back, take it from wherever it is, and prove it runs.
 */
async function findBinary(modules, name, candidates) {
  for (const candidate of candidates) {
    const file = join(modules, candidate);
    if (!existsSync(file)) continue;
    const out = await run(file, ['--version'], { timeoutMs: 20_000 });
    // "deno 2.9.6 (stable, ...)", "workerd 2026-11-17", "1.4.5": the first word with a digit.
    const words = out.stdout.trim().split(/\s+/);
    if (out.code === 0) return { file, version: words.find((w) => /\d/.test(w)) ?? words[0] };
  }
  throw new Error(
    `no runnable ${name} binary in ${modules} (looked at ${candidates.join(', ')}); ` +
      `is ${process.platform}-${process.arch} supported by the ${name} npm package?`,
  );
}

// ---------------------------------------------------------------------------------------------
// The project the runtimes import the package from.

function createProject() {
  const dir = mkdtempSync(join(tmpdir(), 'unico-idcloud-runtime-project-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'unico-idcloud'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
  // Deno: resolve bare specifiers from node_modules, as installed by npm.
  writeFileSync(join(dir, 'deno.json'), '{ "nodeModulesDir": "manual" }\n');
  for (const file of ['scenario.mjs', 'host.mjs', 'worker.mjs', 'edge-vm-entry.mjs']) {
    copyFileSync(join(here, file), join(dir, file));
  }
  return dir;
}

async function bundle(project, entry, conditions, format, outfile) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(project, entry)],
    outfile: join(project, outfile),
    bundle: true,
    format,
    ...(format === 'iife' ? { globalName: '__unicoRuntimeTest' } : {}),
    platform: 'neutral',
    target: 'es2022',
    conditions,
    mainFields: ['module', 'main'],
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs).map((p) => join(process.cwd(), p));
  return { file: join(project, outfile), inputs };
}

function loadedBuild(path) {
  const rel = relative(root, path.startsWith('file:') ? fileURLToPath(path) : path);
  return rel.replaceAll('\\', '/');
}

// ---------------------------------------------------------------------------------------------
// Checking a report.

/** The key every runtime must derive for the emulator's account: the format is a fleet-wide contract. */
let expectedStoreKey;

function checkReport(report, expected) {
  const problems = [];
  const expect = (what, actual, wanted) => {
    if (actual !== wanted)
      problems.push(`${what}: ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  };
  expect('PKCS#8 PEM: kind', report.verified?.kind, 'verified');
  expect('PKCS#8 PEM: livenessChecked (plain image)', report.verified?.livenessChecked, false);
  expect('PKCS#8 PEM: has an id', report.verified?.hasId, true);
  if (report.verified?.error) problems.push(`PKCS#8 PEM: ${JSON.stringify(report.verified.error)}`);
  expect('PKCS#1 PEM with literal \\n: kind', report.pkcs1?.kind, 'verified');
  if (report.pkcs1?.error) problems.push(`PKCS#1 PEM: ${JSON.stringify(report.pkcs1.error)}`);
  expect('ERR_API: code', report.apiError?.code, 'ERR_API');
  expect('ERR_API: name', report.apiError?.name, 'ApiError');
  expect('ERR_API: httpStatus', report.apiError?.httpStatus, 400);
  expect('ERR_API: unicoCode', report.apiError?.unicoCode, '20507');
  expect('ERR_API: IdCloudError.is', report.apiError?.isIdCloudError, true);
  expect('ERR_API: instanceof IdCloudError', report.apiError?.instanceOfIdCloudError, true);
  expect('signer: kind', report.signer?.kind, 'verified');
  if (!(report.signer?.signed >= 1)) problems.push(`signer: called ${report.signer?.signed} times`);
  if (report.signer?.error) problems.push(`signer: ${JSON.stringify(report.signer.error)}`);
  expect('token store: kinds', JSON.stringify(report.tokenStore?.kinds), '["verified","verified"]');
  expect('token store: keys', JSON.stringify(report.tokenStore?.keys), JSON.stringify([expectedStoreKey]));
  expect('token store: tokens minted and stored', report.tokenStore?.sets, 1);
  if (report.tokenStore?.error) problems.push(`token store: ${JSON.stringify(report.tokenStore.error)}`);
  expect('silent store: kind', report.silentStore?.kind, 'verified');
  expect(
    'silent store: warnings',
    JSON.stringify(report.silentStore?.warnings),
    JSON.stringify([{ operation: 'get', reason: 'timeout' }]),
  );
  expect('refused connection: code', report.refused?.code, expected.refused);
  expect('key imported through', report.keyImport, expected.keyImport);
  return problems;
}

/** The User-Agent of the last API request the emulator saw, proving which runtime sent it. */
function checkUserAgent(server, from, wanted) {
  const requests = server.emulator.received.slice(from).filter((r) => r.path === '/processes/v1');
  if (requests.length === 0) return ['the emulator received no API request'];
  const agents = [...new Set(requests.map((r) => r.headers['user-agent']))];
  return agents.every((a) => wanted.test(a ?? ''))
    ? []
    : [`User-Agent ${JSON.stringify(agents)} !~ ${wanted}`];
}

// ---------------------------------------------------------------------------------------------
// The runtimes.

async function runHost(name, version, how, command, args, project, server, config, expected) {
  const from = server.emulator.received.length;
  const out = await run(command, [...args, JSON.stringify(config)], { cwd: project });
  const line = out.stdout.split('\n').find((l) => l.startsWith('RUNTIME-REPORT '));
  if (out.code !== 0 || line === undefined) {
    record(name, version, how, [`exit ${out.code}: ${(out.stderr || out.stdout).trim().slice(-1500)}`]);
    return;
  }
  const report = JSON.parse(line.slice('RUNTIME-REPORT '.length));
  const problems = checkReport(report, expected);
  const build = loadedBuild(report.resolved);
  if (build !== expected.build) problems.push(`loaded ${build}, expected ${expected.build}`);
  problems.push(...checkUserAgent(server, from, expected.userAgent));
  record(name, version, how, problems, report);
}

async function runWorkerd(binary, project, server, config, flags) {
  const label = flags.length === 0 ? 'workerd' : `workerd + ${flags.join(', ')}`;
  const how = `a Worker bundled with the "workerd" condition, served by the workerd binary${flags.length ? '' : ' (no process global: WebCrypto key import)'}`;
  const { file, inputs } = await bundle(
    project,
    'worker.mjs',
    ['workerd', 'worker', 'browser'],
    'esm',
    `worker-${flags.length}.js`,
  );
  const problems = [];
  if (!inputs.some((p) => p === join(dist, 'edge.js')))
    problems.push('the Worker bundle does not contain dist/edge.js');
  if (inputs.some((p) => p.startsWith(join(root, 'node_modules', 'undici'))))
    problems.push('the Worker bundle contains undici');
  const port = await freePort();
  const capnp = join(project, `workerd-${flags.length}.capnp`);
  writeFileSync(
    capnp,
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    # The Worker's outbound fetch: loopback (the emulator) is "local", not reachable by default.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "${file.split('/').pop()}") ],
  compatibilityDate = "${WORKERD_COMPATIBILITY_DATE}",
  compatibilityFlags = [${flags.map((f) => `"${f}"`).join(', ')}],
  globalOutbound = "internet",
);
`,
  );
  const child = spawn(binary.file, ['serve', capnp], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.on('data', (d) => {
    logs += d;
  });
  child.stderr.on('data', (d) => {
    logs += d;
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const from = server.emulator.received.length;
  let report;
  try {
    const deadline = Date.now() + 20_000;
    let response;
    while (response === undefined) {
      if (child.exitCode !== null) throw new Error(`workerd exited ${child.exitCode}: ${logs.slice(-1500)}`);
      try {
        response = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          body: JSON.stringify(config),
          signal: AbortSignal.timeout(RUN_TIMEOUT_MS),
        });
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`workerd did not listen on ${port}: ${err.message} ${logs.slice(-1500)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const text = await response.text();
    if (response.status !== 200)
      throw new Error(`the Worker answered ${response.status}: ${text.slice(0, 1500)} ${logs.slice(-1500)}`);
    report = JSON.parse(text);
    problems.push(...checkReport(report, flags.length === 0 ? EXPECTED.workerd : EXPECTED.workerdNodeCompat));
    problems.push(...checkUserAgent(server, from, /^unico-idcloud\/\S+ workerd$/));
  } catch (err) {
    problems.push(err.message);
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  record(label, `${VERSIONS.workerd} (${binary.version})`, how, problems, report);
}

async function runEdgeVm(modules, project, server, config) {
  const { file, inputs } = await bundle(
    project,
    'edge-vm-entry.mjs',
    ['edge-light', 'worker', 'browser'],
    'iife',
    'edge-vm.js',
  );
  const problems = [];
  if (!inputs.some((p) => p === join(dist, 'edge.js')))
    problems.push('the bundle does not contain dist/edge.js');
  const require = createRequire(join(modules, 'noop.js'));
  const { EdgeVM } = require('@edge-runtime/vm');
  const from = server.emulator.received.length;
  let report;
  try {
    const vm = new EdgeVM();
    vm.evaluate(readFileSync(file, 'utf8'));
    vm.context.__config = config;
    report = JSON.parse(JSON.stringify(await vm.evaluate('__unicoRuntimeTest.run(__config)')));
    problems.push(...checkReport(report, EXPECTED.edgeVm));
    problems.push(...checkUserAgent(server, from, /^unico-idcloud\/\S+ edge$/));
  } catch (err) {
    problems.push(err.message);
  }
  record(
    'edge-light: @edge-runtime/vm',
    VERSIONS['@edge-runtime/vm'],
    'Vercel Edge runs only on Vercel: its local sandbox, with a script bundled with the "edge-light" condition',
    problems,
    report,
  );
}

/** Runs one runtime's check; a failure to even start it (a bundle error, say) is that row's failure. */
async function guard(name, version, check) {
  try {
    await check();
  } catch (err) {
    record(name, version, 'could not run', [String(err?.message ?? err).slice(0, 2000)]);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * What each runtime must report. `refused`: how the fetch transport classifies a refused
 * connection there. Node's and Bun's fetch name the connect failure (ECONNREFUSED,
 * ConnectionRefused) and Deno's says "client error (Connect)": ERR_NETWORK, provably unsent.
 * workerd and the edge sandbox do not say what failed, so the transport assumes the request may
 * have been sent: ERR_OUTCOME_UNKNOWN (never retried).
 */
const EXPECTED = {
  node: {
    keyImport: 'node:crypto',
    refused: 'ERR_NETWORK',
    build: 'dist/index.js',
    userAgent: /^unico-idcloud\/\S+ node\/\S+$/,
  },
  bun: {
    keyImport: 'node:crypto',
    refused: 'ERR_NETWORK',
    build: 'dist/edge.js',
    userAgent: /^unico-idcloud\/\S+ bun\/\S+$/,
  },
  deno: {
    keyImport: 'node:crypto',
    refused: 'ERR_NETWORK',
    build: 'dist/edge.js',
    userAgent: /^unico-idcloud\/\S+ deno\/\S+$/,
  },
  workerd: { keyImport: 'webcrypto', refused: 'ERR_OUTCOME_UNKNOWN' },
  workerdNodeCompat: { keyImport: 'node:crypto', refused: 'ERR_OUTCOME_UNKNOWN' },
  // The sandbox's fetch is Node's undici underneath, which names the failure (ECONNREFUSED).
  edgeVm: { keyImport: 'webcrypto', refused: 'ERR_NETWORK' },
};

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!checkEdgeBundle()) return;
  let modules;
  try {
    modules = await installRuntimes();
  } catch (err) {
    record('install', Object.values(VERSIONS).join(', '), 'npm install into the cache', [err.message]);
    return;
  }
  const testing = await import(pathToFileURL(join(dist, 'testing.js')).href);
  const server = await testing.startEmulatorServer();
  const project = createProject();
  try {
    const { environment, serviceAccount, apiKey } = server.clientOptions();
    const { createPrivateKey } = await import('node:crypto');
    const pkcs1 = createPrivateKey(serviceAccount.privateKey)
      .export({ type: 'pkcs1', format: 'pem' })
      .toString()
      .trim()
      .replace(/\n/g, '\\n');
    const config = {
      environment,
      accountName: serviceAccount.accountName,
      tenantId: serviceAccount.tenantId,
      privateKey: serviceAccount.privateKey,
      privateKeyPkcs1: pkcs1,
      apiKey,
      image: testing.createSamplePng(),
      cpf: { verified: testing.SCENARIOS.verified.cpf, notFound: testing.SCENARIOS['cpf-not-found'].cpf },
      refusedUrl: `http://127.0.0.1:${await freePort()}`,
    };
    const identity = ['custom', environment.tokenUrl, serviceAccount.tenantId, serviceAccount.accountName];
    expectedStoreKey = `unico-idcloud:token:${createHash('sha256').update(JSON.stringify(identity)).digest('hex')}`;

    await runHost(
      'node (control)',
      process.version,
      'the "import" condition: the undici build',
      process.execPath,
      ['host.mjs'],
      project,
      server,
      config,
      EXPECTED.node,
    );

    let bun;
    let deno;
    let workerd;
    const { arch, platform } = process;
    const bunArch = arch === 'arm64' ? 'aarch64' : arch;
    const denoTarget = `${platform}-${arch}${platform === 'linux' ? '-glibc' : ''}`;
    const workerdTarget = `${platform}-${arch === 'x64' ? '64' : arch}`;
    try {
      bun = await findBinary(modules, 'bun', [
        `@oven/bun-${platform}-${bunArch}/bin/bun`,
        'bun/bin/bun.exe',
        'bun/bin/bun',
      ]);
    } catch (err) {
      record('bun', VERSIONS.bun, 'binary', [err.message]);
    }
    try {
      deno = await findBinary(modules, 'deno', [`@deno/${denoTarget}/deno`, 'deno/deno', 'deno/bin/deno']);
    } catch (err) {
      record('deno', VERSIONS.deno, 'binary', [err.message]);
    }
    try {
      workerd = await findBinary(modules, 'workerd', [
        `@cloudflare/workerd-${workerdTarget}/bin/workerd`,
        'workerd/bin/workerd',
      ]);
    } catch (err) {
      record('workerd', VERSIONS.workerd, 'binary', [err.message]);
    }

    if (bun) {
      await runHost(
        'bun',
        bun.version,
        'import "unico-idcloud" from node_modules: the "bun" condition',
        bun.file,
        ['host.mjs'],
        project,
        server,
        config,
        EXPECTED.bun,
      );
    }
    if (deno) {
      await runHost(
        'deno',
        deno.version,
        'import "unico-idcloud" from node_modules: the "deno" condition',
        deno.file,
        [
          'run',
          '--quiet',
          '--config=deno.json',
          `--allow-net=127.0.0.1`,
          `--allow-read=${project},${root}`,
          'host.mjs',
        ],
        project,
        server,
        config,
        EXPECTED.deno,
      );
    }
    if (workerd) {
      await guard('workerd', workerd.version, () => runWorkerd(workerd, project, server, config, []));
      await guard('workerd + nodejs_compat', workerd.version, () =>
        runWorkerd(workerd, project, server, config, ['nodejs_compat']),
      );
    }
    await guard('edge-light: @edge-runtime/vm', VERSIONS['@edge-runtime/vm'], () =>
      runEdgeVm(modules, project, server, config),
    );
  } finally {
    await server.close();
    if (process.env.UNICO_IDCLOUD_RUNTIMES_KEEP === '1') console.log(`kept ${project}`);
    else rmSync(project, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  record('runner', '', 'unexpected failure', [err.stack ?? String(err)]);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`runtimes took ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`runtimes: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 && results.length > 0 ? 0 : 1;
