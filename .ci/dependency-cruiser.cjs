/**
 * The structure of src/, enforced in CI (`npm run check:structure`). Layers point down only:
 * client -> auth -> policy -> http -> schemas / internal / errors. A rule that fails names the
 * import to move; do not loosen a rule to pass.
 */
const layer = (name, mayImport) => ({
  name: `${name}-layer`,
  comment: `src/${name} may import only: ${mayImport.join(', ') || 'nothing of src/'}`,
  severity: 'error',
  from: { path: `^src/${name}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/${name}/`, ...mayImport.map((p) => `^src/${p}`)],
  },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-orphans',
      severity: 'error',
      from: { orphan: true, path: '^src/', pathNot: '\\.d\\.ts$' },
      to: {},
    },
    {
      name: 'product-never-imports-testing',
      comment: 'the emulator is a test tool: nothing shipped in the main entry may depend on it',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/testing/', '^src/cli/'] },
      to: { path: '^src/testing/' },
    },
    layer('auth', ['errors.ts', 'internal/', 'policy/', 'http/', 'schemas/']),
    layer('policy', ['errors.ts', 'internal/', 'http/retry.ts']),
    layer('http', ['errors.ts', 'internal/']),
    layer('schemas', ['errors.ts', 'internal/']),
    layer('internal', ['errors.ts']),
    layer('redis', ['auth/token-store.ts', 'errors.ts', 'internal/']),
    layer('platform', ['http/']),
    {
      name: 'errors-is-a-leaf',
      severity: 'error',
      from: { path: '^src/errors\\.ts$' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
