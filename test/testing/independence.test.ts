import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const TESTING = join(import.meta.dirname, '..', '..', 'src', 'testing');

describe('the emulator is independent of the SDK it tests', () => {
  it('imports no check of the SDK: nothing from src/internal or src/schemas', () => {
    for (const file of readdirSync(TESTING)) {
      const source = readFileSync(join(TESTING, file), 'utf8');
      expect(source, file).not.toMatch(/from '\.\.\/(internal|schemas)\//);
    }
  });

  it('keeps every file under 300 lines', () => {
    for (const file of readdirSync(TESTING)) {
      expect(readFileSync(join(TESTING, file), 'utf8').split('\n').length, file).toBeLessThanOrEqual(300);
    }
  });
});

describe('unico-idcloud/testing without msw installed', () => {
  // Bundled, msw left external, into a folder where no node_modules/msw can be found.
  const dir = mkdtempSync(join(tmpdir(), 'no-msw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['esm', 'cjs'] as const)(
    'fails on import (%s) with a message saying what to install',
    async (format) => {
      const file = join(dir, format === 'esm' ? 'testing.mjs' : 'testing.cjs');
      await build({
        entryPoints: [join(TESTING, 'index.ts')],
        bundle: true,
        platform: 'node',
        format,
        outfile: file,
        external: ['msw'],
        logLevel: 'silent',
      });
      const probe = join(dir, `probe-${format}.mjs`);
      writeFileSync(
        probe,
        format === 'esm'
          ? `import(${JSON.stringify(file)}).then(() => console.log('loaded'), (e) => console.log(e.message));`
          : `import { createRequire } from 'node:module';
try { createRequire(import.meta.url)(${JSON.stringify(file)}); console.log('loaded'); } catch (e) { console.log(e.message); }`,
      );
      const out = execFileSync(process.execPath, [probe], { cwd: dir, encoding: 'utf8' }).trim();
      expect(out).toBe(
        'unico-idcloud/testing serves its emulator through msw, which is not installed: run `npm i -D msw` (msw >= 2.15)',
      );
    },
  );
});
