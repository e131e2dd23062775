import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** A redis-server this test file started on a loopback port. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Finds a `redis-server` binary: `$REDIS_SERVER_BIN`, then `$PATH`, then the Debian locations.
 * @returns its path, or `undefined` when there is none
 */
export function findRedisServer(): string | undefined {
  const candidates = [
    process.env['REDIS_SERVER_BIN'],
    ...(process.env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, 'redis-server')),
    '/usr/bin/redis-server',
    '/usr/local/bin/redis-server',
    '/usr/sbin/redis-server',
  ];
  for (const candidate of candidates) {
    if (!candidate) continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

/** The binary, looked up once per test file. */
export const REDIS_SERVER_BIN = findRedisServer();

const MISSING =
  'no redis-server binary: install the Debian package redis-server (.ci/run does) or set REDIS_SERVER_BIN. The real-Redis token-store tests FAIL without it; they never skip';

/**
 * Prints, once per file and outside any test (the console guard only watches tests), why the
 * suite is about to fail when there is no redis-server binary.
 * @param file - the test file's name
 */
export function announceMissingServer(file: string): void {
  if (REDIS_SERVER_BIN !== undefined) return;
  const bar = '!'.repeat(100);
  process.stderr.write(`\n${bar}\n!!! ${file}: ${MISSING}\n${bar}\n\n`);
}

/**
 * Starts `redis-server` on a free loopback port, without persistence, and waits until it answers PING.
 * @returns the running server
 */
export async function startRedisServer(): Promise<RedisServer> {
  const bin = REDIS_SERVER_BIN;
  if (bin === undefined) throw new Error(MISSING);
  const port = await freePort();
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPong(port, child, 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not start on port ${port}: ${(err as Error).message}\n${output}`);
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Sends one inline command over a raw socket and returns the first reply line (no client library,
 * so it works whatever state the libraries under test are in).
 * @param port - the server's port
 * @param command - e.g. `['FLUSHALL']`
 * @returns the reply's first line, e.g. `+OK`
 */
export function rawCommand(port: number, command: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => {
      const parts = command.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join('');
      socket.write(`*${command.length}\r\n${parts}`);
    });
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.split('\r\n')[0] ?? '');
      }
    });
    socket.on('error', reject);
  });
}

async function waitForPong(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}`);
    try {
      if ((await rawCommand(port, ['PING'])) === '+PONG') return;
    } catch (err) {
      if (Date.now() > until) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
