import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Advice, adviceFor } from '../src/advice.js';
import type { ImageKind } from '../src/internal/image.js';
import { decodeProcessBody, type ProcessResult } from '../src/schemas/response.js';

interface Row extends Advice {
  readonly kind: string;
  /** `field: value` pairs a result must match; empty for "any". */
  readonly when: ReadonlyArray<readonly [string, string]>;
  readonly line: string;
}

/** The rows of the adviceFor table in docs/results.md, the one a reader sees. */
function docRows(): Row[] {
  const doc = readFileSync(new URL('../docs/results.md', import.meta.url), 'utf8');
  const table = doc.split('<!-- adviceFor table')[1]?.split('\n\n')[0];
  if (table === undefined) throw new Error('docs/results.md: the adviceFor table marker is gone');
  const unquote = (cell: string) => cell.replace(/^`|`$/g, '').replace(/^'|'$/g, '');
  const lines = table.split('\n');
  return lines
    .slice(lines.findIndex((line) => line.startsWith('|---')) + 1)
    .filter((line) => line.startsWith('|'))
    .map((line) => {
      const [kind, when, action, reason] = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      const conditions =
        when === 'any'
          ? []
          : (when ?? '').split(', ').map((pair) => {
              const [field = '', value = ''] = unquote(pair).split(': ');
              return [field, unquote(value)] as const;
            });
      return {
        kind: unquote(kind ?? ''),
        when: conditions,
        action: unquote(action ?? '') as Advice['action'],
        reason: reason ?? '',
        line,
      };
    });
}

/** Every shape of result the decoder produces: each documented body, liveness and image kind. */
function everyResult(): ProcessResult[] {
  const bodies: Record<string, unknown>[] = [{ status: 5 }, { status: 1 }, { status: 2 }, { status: 4 }];
  for (const result of ['yes', 'no', 'inconclusive', 'maybe', undefined]) {
    for (const liveness of [1, 2, 7, undefined]) bodies.push({ status: 3, unicoId: { result }, liveness });
  }
  // Richer keys: Behavior Alert and Risk Score beside an inconclusive identity (and a verified one).
  for (const result of ['inconclusive', 'yes']) {
    for (const fraud of ['yes', 'inconclusive', undefined]) {
      for (const score of [-50, -1, 0, 1, 28, undefined]) {
        bodies.push({
          status: 3,
          unicoId: { result },
          liveness: 1,
          ...(fraud === undefined ? {} : { identityFraudsters: { result: fraud } }),
          ...(score === undefined ? {} : { score }),
        });
      }
    }
  }
  const kinds: ImageKind[] = ['sdk-capture', 'plain-image'];
  return bodies.flatMap((body) =>
    kinds.map((kind) => {
      const decoded = decodeProcessBody({ id: 'p-1', ...body }, kind, 'r-1');
      if (!decoded.ok) throw new Error(`fixture did not decode: ${JSON.stringify(body)}`);
      return decoded.result;
    }),
  );
}

/** A result's field as the table names it: blocks by their decoded `value`, `riskScore` by comparison. */
function holds(result: ProcessResult, field: string, value: string): boolean {
  const fields = result as unknown as Record<string, unknown>;
  if (field === 'riskScore') {
    const block = result.riskScore;
    if (block?.value !== 'score') return false;
    const [, op = '=', n = ''] = /^(<=|<|>=|>)?\s*(-?\d+)$/.exec(value) ?? [];
    const limit = Number(n);
    return (
      {
        '<=': block.score <= limit,
        '<': block.score < limit,
        '>=': block.score >= limit,
        '>': block.score > limit,
        '=': block.score === limit,
      }[op] ?? false
    );
  }
  const actual = fields[field];
  if (typeof actual === 'object' && actual !== null)
    return String((actual as { value?: unknown }).value) === value;
  return String(actual) === value;
}

const matches = (row: Row, result: ProcessResult) =>
  row.kind === result.kind && row.when.every(([field, value]) => holds(result, field, value));

describe('adviceFor, against the table in docs/results.md', () => {
  const rows = docRows();

  it('finds the table', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
  });

  it('gives, for every result, the action and reason of the first row that matches it', () => {
    for (const result of everyResult()) {
      const row = rows.find((r) => matches(r, result));
      const shape = `${result.kind} ${JSON.stringify(result.raw)} livenessChecked=${String('livenessChecked' in result && result.livenessChecked)}`;
      expect(row, shape).toBeDefined();
      expect(adviceFor(result), shape).toEqual({ action: row?.action, reason: row?.reason });
    }
  });

  it('uses every row of the table (each is the first match of some result)', () => {
    const results = everyResult();
    for (const row of rows)
      expect(
        results.some((r) => rows.find((candidate) => matches(candidate, r)) === row),
        row.line,
      ).toBe(true);
  });

  it('returns frozen advice', () => {
    const [first] = everyResult();
    expect(Object.isFrozen(adviceFor(first as ProcessResult))).toBe(true);
  });
});
