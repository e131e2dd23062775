// Cold start: import the built SDK (ESM) in a fresh process.
await import(process.env.BENCH_SDK);
process.stdout.write(JSON.stringify({ readyAt: performance.now() }));
