// Runs in a fresh ESM project that installed only the packed tarball (no msw, no dev packages):
// the main entry loads, and adviceFor works on a decoded-looking result.
import assert from 'node:assert/strict';
import { adviceFor, VERSION } from 'unico-idcloud';

assert.equal(typeof VERSION, 'string');
const result = { kind: 'process-error', id: 'p', status: 5, requestId: 'r', raw: {} };
assert.equal(adviceFor(result).action, 'retry-capture');
console.log(`fresh consumer: ok on node ${process.versions.node}`);
