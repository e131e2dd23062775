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
  const kinds: ImageKind[] = ['sdk-capture', 'plain-image'];
  return bodies.flatMap((body) =>
    kinds.map((kind) => {
      const decoded = decodeProcessBody({ id: 'p-1', ...body }, kind, 'r-1');
      if (!decoded.ok) throw new Error(`fixture did not decode: ${JSON.stringify(body)}`);
      return decoded.result;
    }),
  );
}

const matches = (row: Row, result: ProcessResult) =>
  row.kind === result.kind &&
  row.when.every(([field, value]) => String((result as unknown as Record<string, unknown>)[field]) === value);

describe('adviceFor, against the table in docs/results.md', () => {
  const rows = docRows();

  it('finds the table', () => {
    expect(rows.length).toBeGreaterThanOrEqual(10);
  });

  it('gives, for every result, exactly the action and reason of the one row that matches it', () => {
    for (const result of everyResult()) {
      const matching = rows.filter((row) => matches(row, result));
      const shape = `${result.kind} ${JSON.stringify(result.raw)} livenessChecked=${String('livenessChecked' in result && result.livenessChecked)}`;
      expect(
        matching.map((r) => r.line),
        shape,
      ).toHaveLength(1);
      const [row] = matching;
      expect(adviceFor(result), shape).toEqual({ action: row?.action, reason: row?.reason });
    }
  });

  it('uses every row of the table (no row documents a case the code cannot produce)', () => {
    const results = everyResult();
    for (const row of rows)
      expect(
        results.some((r) => matches(row, r)),
        row.line,
      ).toBe(true);
  });

  it('returns frozen advice', () => {
    const [first] = everyResult();
    expect(Object.isFrozen(adviceFor(first as ProcessResult))).toBe(true);
  });
});
