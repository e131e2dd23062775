#!/usr/bin/env node
import { runCli } from './run.js';

// No top-level await: the same entry is also built as CommonJS.
void runCli(process.argv.slice(2), process.env, (text) => process.stdout.write(text)).then((code) => {
  process.exitCode = code;
});
