import { Socket } from 'node:net';
import { inspect } from 'node:util';

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

/** Counts of live handles (sockets, timers, servers) by type. */
export function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Handle types whose count grew since `before`. */
export function leakedHandles(before: Record<string, number>): Record<string, number> {
  const now = activeHandles();
  const grown: Record<string, number> = {};
  for (const [type, count] of Object.entries(now)) {
    const delta = count - (before[type] ?? 0);
    if (delta > 0) grown[type] = delta;
  }
  return grown;
}

/**
 * This process's outgoing TCP connections, open or connecting, as `host:port` — a client's own
 * sockets. Sockets a server accepted and stdio pipes are left out, so a server's side of a
 * connection still closing cannot hide or fake a client leak.
 */
export function clientSockets(): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles
    .filter((h): h is Socket => h instanceof Socket && !(h as { server?: unknown }).server)
    .filter((s) => s.connecting || s.remotePort !== undefined)
    .map((s) => `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}${s.connecting ? ' (connecting)' : ''}`);
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
