// Cold start: import the SDK's three dependencies directly, as a hand-written client would.
await Promise.all([import('undici'), import('jose'), import('zod')]);
process.stdout.write(JSON.stringify({ readyAt: performance.now() }));
