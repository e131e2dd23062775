// Packs the library with `npm pack`, installs the tarball into two throwaway projects outside the
// repository (one ESM, one CommonJS) and runs a consumer script in each against the emulator.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'unico-idcloud-pack-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

let failed = 0;
try {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root));
  const tarball = join(work, packed[0].filename);
  const files = packed[0].files.map((f) => f.path);
  if (files.some((f) => f.startsWith('src/') || f.startsWith('test/')))
    throw new Error('tarball contains src/ or test/');
  const msw = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.msw;

  for (const [type, script] of [
    ['module', 'consumer.mjs'],
    ['commonjs', 'consumer.cjs'],
  ]) {
    const dir = mkdtempSync(join(work, `${type}-`));
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: `consumer-${type}`, private: true, type }),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball, `msw@${msw}`], dir);
    copyFileSync(join(here, script), join(dir, script));
    try {
      process.stdout.write(run('node', [script], dir));
    } catch (err) {
      failed++;
      console.error(`${type} consumer failed: ${err.message}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed > 0) process.exit(1);
console.log(`pack test: ${2 - failed} passed, ${failed} failed`);
