// Runs in a fresh CommonJS project that installed only the packed tarball (no msw, no dev packages).
const assert = require('node:assert/strict');
const { adviceFor } = require('unico-idcloud');

const result = { kind: 'verified', id: 'p', status: 3, requestId: 'r', raw: {}, livenessChecked: true };
assert.equal(adviceFor(result).action, 'approve');
console.log(`fresh consumer: ok on node ${process.versions.node}`);
