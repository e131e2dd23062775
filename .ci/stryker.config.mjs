// Mutation testing (`npm run mutation`): how many small, realistic bugs planted in the SDK's core the
// unit suite catches. Results: .tmp/mutation/ (HTML + JSON); docs/testing.md explains how to read
// them and lists the survivors.
// STRYKER_OUT and STRYKER_TMP let several folders run at once (.ci/mutation-by-folder.sh --parallel):
// each run then has its own sandbox and reports.
const out = process.env.STRYKER_OUT ?? '.tmp/mutation';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: '.ci/vitest.mutation.config.mjs', related: false },
  // Each mutant runs only the tests that executed its code during the initial run.
  coverageAnalysis: 'perTest',
  mutate: [
    'src/client/**/*.ts',
    'src/auth/**/*.ts',
    'src/policy/**/*.ts',
    'src/http/**/*.ts',
    'src/schemas/**/*.ts',
    'src/internal/**/*.ts',
  ],
  // Mutants in module-level constants run only once, at import: each would need the whole suite.
  // Stryker reports them as "ignored"; docs/testing.md says how to include them.
  ignoreStatic: true,
  // One test runner per core (measured on 2 cores; see docs/testing.md).
  concurrency: 2,
  // Real sockets and real waits (Retry-After rows): give slow mutants room before calling them timeouts.
  timeoutMS: 15_000,
  timeoutFactor: 2,
  // The whole suite once with coverage: ~80 s idle, over 5 min (the default limit) at load 8.
  dryRunTimeoutMinutes: 20,
  // A re-run tests again only the mutants whose code or covering tests changed since the last one.
  incremental: true,
  incrementalFile: '.tmp/mutation/incremental.json',
  tempDirName: process.env.STRYKER_TMP ?? '.tmp/stryker',
  ignorePatterns: ['dist', 'coverage', 'docs/api', 'bench/results', '.scratch', '.tmp'],
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `${out}/mutation.json` },
  htmlReporter: { fileName: `${out}/index.html` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
};
