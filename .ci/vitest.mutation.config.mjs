// The unit suite as StrykerJS runs it for each mutant (see .ci/stryker.config.mjs): the same setup
// and timeouts as vitest.config.ts, minus files that cover nothing in the mutated folders or only
// repeat what faster tests already cover.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [
      // src/redis and a real redis-server: outside the mutated folders.
      'test/redis/**',
      // 2,000 calls through the emulator: every mutant it would kill is killed faster elsewhere.
      'test/reliability/load.test.ts',
      // The emulator's own behaviour (src/testing is not mutated).
      'test/testing/**',
    ],
    setupFiles: ['test/helpers/setup.ts'],
    // Instrumented code runs several times slower (the 131,000-check image test above all).
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
