import { describe, expect, it } from 'vitest';
import { backoffMs, parseRetryAfter } from '../../src/http/retry.js';

describe('backoffMs', () => {
  it('waits half the step when the jitter source returns 0', () => {
    expect(backoffMs(0, 1_000, 60_000, () => 0)).toBe(500);
  });

  it('waits (almost) the whole step when the jitter source returns its maximum', () => {
    expect(backoffMs(0, 1_000, 60_000, () => 0.999_999)).toBe(1_000);
  });

  it('doubles the step with every attempt (1 s, 2 s, 4 s, 8 s)', () => {
    const full = (attempt: number) => backoffMs(attempt, 1_000, 60_000, () => 0.999_999);
    expect([0, 1, 2, 3].map(full)).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('never exceeds the cap however many attempts were made', () => {
    expect(backoffMs(10, 1_000, 60_000, () => 0.999_999)).toBe(60_000);
    expect(backoffMs(50, 1_000, 60_000, () => 0)).toBe(30_000);
    expect(backoffMs(2_000, 250, 4_000, () => 0.5)).toBe(3_000);
  });

  it('stays between half and all of the step for any jitter value', () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const step = Math.min(4_000, 250 * 2 ** attempt);
      for (const r of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999]) {
        const ms = backoffMs(attempt, 250, 4_000, () => r);
        expect(ms).toBeGreaterThanOrEqual(step / 2);
        expect(ms).toBeLessThanOrEqual(step);
      }
    }
  });

  it('returns whole milliseconds', () => {
    expect(Number.isInteger(backoffMs(0, 333, 10_000, () => 0.123))).toBe(true);
  });

  it('uses Math.random when no jitter source is given and stays in bounds', () => {
    for (let i = 0; i < 50; i++) {
      const ms = backoffMs(2, 250, 4_000);
      expect(ms).toBeGreaterThanOrEqual(500);
      expect(ms).toBeLessThanOrEqual(1_000);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('returns undefined when the header is absent', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it.each([
    ['0', 0],
    ['1', 1_000],
    ['30', 30_000],
    [' 3 ', 3_000],
    ['1.5', 1_500],
    ['1.25', 1_250],
    ['60', 60_000],
  ])('reads delta-seconds %j as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([
    ['61', 61_000],
    ['120', 120_000],
    ['86400', 86_400_000],
  ])('reports delta-seconds %s as asked, uncapped (%i ms)', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:20 GMT', now)).toBe(20_000);
  });

  it('reports an HTTP-date far in the future as asked, uncapped', () => {
    expect(parseRetryAfter('Thu, 02 Jan 2025 00:00:00 GMT', now)).toBe(86_400_000);
  });

  it('reads the asctime form of an HTTP-date (no comma)', () => {
    expect(parseRetryAfter('Wed Jan  1 00:00:30 2025', now)).toBe(30_000);
  });

  it('reads an HTTP-date in the past as no wait at all', () => {
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
  });

  it('measures an HTTP-date against Date.now() by default', () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    const ms = parseRetryAfter(inTenSeconds);
    expect(ms).toBeGreaterThan(8_000);
    expect(ms).toBeLessThanOrEqual(10_000);
  });

  it.each(['', 'soon', 'later please', '5 seconds', 'Infinity', 'NaN', '1e3', '0x10'])(
    'returns undefined for the unreadable value %j',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );

  // Regression: V8's lenient Date.parse read these as past dates, i.e. "retry now".
  it.each(['-1', 'abc 12', 'x Wed, 01 Jan 2025 00:00:20 GMT'])(
    'returns undefined for the malformed value %j instead of 0',
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});
