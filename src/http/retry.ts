/** Backoff and `Retry-After` handling. */

/**
 * Capped exponential backoff with jitter (between half and all of the step).
 * @param attempt - 0 for the first retry
 * @param baseMs - first step in milliseconds
 * @param capMs - largest step in milliseconds
 * @param random - source of jitter in [0, 1)
 * @returns milliseconds to wait
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const step = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.round(step / 2 + (random() * step) / 2);
}

/**
 * Reads `Retry-After` as delta-seconds or an HTTP-date: what the server asked, uncapped (whether
 * to wait that long is the caller's decision).
 * @param value - the header value
 * @param now - current epoch milliseconds
 * @returns milliseconds to wait, or `undefined` when absent or unreadable
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP-date always has a hh:mm:ss time; Date.parse alone would read junk like "-1" as a date
  // in the past and mean "retry now".
  if (!/^[A-Za-z]{3,9},? .*\b\d{2}:\d{2}:\d{2}\b/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
