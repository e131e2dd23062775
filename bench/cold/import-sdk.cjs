// Cold start: require the built SDK (CommonJS) in a fresh process.
require(process.env.BENCH_SDK_CJS);
process.stdout.write(JSON.stringify({ readyAt: performance.now() }));
