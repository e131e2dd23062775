// Runs `npx unico-idcloud doctor` the way a user does, in a fresh project (argv[2]) that installed
// only the packed tarball, against the emulator started here: a healthy configuration, then three
// broken ones. `npx --no` never reaches a registry: the bin must come from the tarball.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulatorServer } from 'unico-idcloud/testing';

const [project] = process.argv.slice(2);
assert.ok(project, 'usage: consumer-doctor.mjs <project with the tarball installed>');

function doctor(env, args = ['--json']) {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no', 'unico-idcloud', 'doctor', ...args], {
      cwd: project,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const byName = (stdout) => Object.fromEntries(JSON.parse(stdout).checks.map((c) => [c.name, c]));

const dir = mkdtempSync(join(tmpdir(), 'doctor-consumer-'));
const server = await startEmulatorServer();
const other = await startEmulatorServer();
try {
  const c = server.emulator.credentials;
  const keyFile = join(dir, 'key.pem');
  writeFileSync(keyFile, c.privateKey);
  const healthy = {
    UNICO_ACCOUNT_NAME: c.accountName,
    UNICO_TENANT_ID: c.tenantId,
    UNICO_PRIVATE_KEY_FILE: keyFile,
    UNICO_API_KEY: c.apiKey,
    UNICO_API_BASE_URL: server.environment.apiBaseUrl,
    UNICO_TOKEN_URL: server.environment.tokenUrl,
  };

  const ok = await doctor(healthy);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.ok(
    Object.values(byName(ok.stdout)).every((check) => check.status === 'ok'),
    ok.stdout,
  );
  const table = await doctor(healthy, []);
  assert.equal(table.code, 0);
  assert.match(table.stdout, /All checks passed\.\n$/);

  const aud = await doctor({ ...healthy, UNICO_AUDIENCE: 'https://identity.acesso.io' });
  assert.equal(aud.code, 1);
  assert.match(byName(aud.stdout).token.detail, /Unico code 1\.2\.5/);

  const publicKeyFile = join(dir, 'public.pem');
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  const pub = await doctor({ ...healthy, UNICO_PRIVATE_KEY_FILE: publicKeyFile });
  assert.equal(pub.code, 1);
  assert.match(byName(pub.stdout)['private key'].detail, /is a public key/);

  const apiKey = await doctor({ ...healthy, UNICO_API_KEY: other.emulator.credentials.apiKey });
  assert.equal(apiKey.code, 1);
  assert.match(byName(apiKey.stdout)['API key'].detail, /HTTP 403, code 10201/);

  for (const run of [ok, table, aud, pub, apiKey]) {
    assert.ok(
      !run.stdout.includes(c.apiKey) && !run.stdout.includes('PRIVATE KEY-----'),
      'a secret was printed',
    );
  }
  assert.equal(server.emulator.stats.processRequests, 0, 'the doctor created a process');
  console.log(`doctor consumer: ok on node ${process.versions.node}`);
} finally {
  await server.close();
  await other.close();
  rmSync(dir, { recursive: true, force: true });
}
