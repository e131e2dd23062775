import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import { expect } from 'vitest';

// `description` on SDK errors is Unico's raw text, reachable on purpose but non-enumerable (out of
// every default rendering); the showHidden rendering below leaves it out, and tests check its
// content directly.
const HIDDEN_DESCRIPTION = /\[description\]: (?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`)/g;

/** Every way a value can be turned into text by a user or a logger. */
export function renderings(value: unknown): string[] {
  const out = [
    inspect(value, { depth: Number.POSITIVE_INFINITY }),
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }).replace(HIDDEN_DESCRIPTION, ''),
    inspect(value, { depth: Number.POSITIVE_INFINITY, getters: true }),
    String(value),
  ];
  try {
    out.push(JSON.stringify(value));
  } catch {
    /* cyclic causes: inspect covers them */
  }
  if (value instanceof Error) out.push(value.stack ?? '', inspect(value.cause, { depth: null }));
  return out;
}

/** The planted secrets found in any rendering of any value (empty when nothing leaked). */
export function leakedSecrets(values: readonly unknown[], secrets: readonly string[]): string[] {
  const text = values.flatMap(renderings).join('\n');
  return secrets.filter((s) => s.length > 0 && text.includes(s)).map((s) => `${s.slice(0, 6)}…`);
}

// Every socket this process opens as a client (undici's included, even idle and unref'd ones, which
// process._getActiveHandles() does not list), until it has closed.
const outgoing = new Set<Socket>();
subscribe('net.client.socket', (message) => {
  const { socket } = message as { socket: Socket };
  outgoing.add(socket);
  socket.once('close', () => outgoing.delete(socket));
});

/**
 * This process's outgoing connections not yet closed, as `host:port` — a client's own sockets,
 * idle keep-alive ones included. Sockets a server accepted are not counted, so a server's side of
 * a connection still closing cannot hide or fake a client leak.
 */
export function clientSockets(): string[] {
  return [...outgoing].map(
    (s) => `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}${s.connecting ? ' (connecting)' : ''}`,
  );
}

/** Live timers that keep the process alive (`setTimeout`/`setInterval` not unref'd). */
export function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
}

/**
 * Polls `done` every 10 ms until it holds or `ms` pass.
 * @returns whether it held
 */
export async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

/**
 * The check every fault row makes after `close()`: no outgoing socket is left and no more timers
 * are live than `timersBefore`. Sockets get up to 1 s to finish closing (a refused connection
 * reports its close a tick later); a client that keeps a socket open keeps it far longer (its
 * idle keep-alive timeout is 4 s).
 */
export async function expectClientGone(
  server: { openConnections(): number },
  timersBefore: number,
): Promise<void> {
  await waitUntil(() => server.openConnections() === 0 && clientSockets().length === 0, 1_000);
  expect(clientSockets(), "the client's sockets after close()").toEqual([]);
  expect(activeTimers(), 'timers after close()').toBeLessThanOrEqual(timersBefore);
}
