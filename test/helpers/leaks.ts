import { inspect } from 'node:util';

/** Every way a value can be turned into text by a user or a logger. */
export function renderings(value: unknown): string[] {
  const out = [
    inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    inspect(value, { depth: Number.POSITIVE_INFINITY, getters: true }),
    String(value),
  ];
  try {
    out.push(JSON.stringify(value));
  } catch {
    /* cyclic causes: inspect covers them */
  }
  if (value instanceof Error)
    out.push(value.stack ?? '', inspect(value.cause, { depth: null, showHidden: true }));
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
