import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImageKind } from '../../src/internal/image.js';
import { decodeProcessBody, type ProcessResult } from '../../src/schemas/response.js';

// Any shape a block may take: documented values, near misses, and arbitrary JSON.
const blockValue = fc.oneof(
  fc.jsonValue(),
  fc.record({ result: fc.oneof(fc.constantFrom('yes', 'no', 'inconclusive', 'approved'), fc.jsonValue()) }),
  fc.record({ serpro: fc.oneof(fc.integer({ min: -3, max: 101 }), fc.jsonValue()) }),
  fc.integer({ min: -150, max: 150 }),
);
const blocks = fc.record(
  {
    identityFraudsters: blockValue,
    government: blockValue,
    score: blockValue,
    idCloud: blockValue,
    // A block no version of the docs mentions.
    somethingNew: fc.jsonValue(),
  },
  { requiredKeys: [] },
);
const plainBody = fc.record({
  id: fc.string({ minLength: 1 }),
  status: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5), fc.integer()),
  unicoId: fc.oneof(
    fc.record({ result: fc.constantFrom('yes', 'no', 'inconclusive', 'maybe') }),
    fc.jsonValue(),
  ),
  liveness: fc.oneof(fc.constantFrom(1, 2), fc.jsonValue()),
});
const imageKind = fc.constantFrom<ImageKind>('sdk-capture', 'plain-image');

function decode(json: unknown, kind: ImageKind): ProcessResult {
  const outcome = decodeProcessBody(json, kind, 'req-1');
  if (!outcome.ok) throw new Error('a body with id and status must decode');
  return outcome.result;
}

describe('extra blocks of any shape', () => {
  it('never throw, never change kind, status, liveness or raw, and only add the typed fields', () => {
    fc.assert(
      fc.property(plainBody, blocks, imageKind, (body, extra, kind) => {
        const without = decode(structuredClone(body), kind);
        const withBlocks = decode({ ...structuredClone(body), ...structuredClone(extra) }, kind);
        expect(withBlocks.kind).toBe(without.kind);
        expect(withBlocks.status).toBe(without.status);
        expect('liveness' in withBlocks ? withBlocks.liveness : undefined).toEqual(
          'liveness' in without ? without.liveness : undefined,
        );
        expect(withBlocks.raw).toEqual({ ...body, ...extra });
        const typed = { behaviorAlert: 'identityFraudsters', riskScore: 'score', flowResult: 'idCloud' };
        for (const [field, block] of Object.entries(typed)) expect(field in withBlocks).toBe(block in extra);
        const government = (extra as Record<string, unknown>)['government'];
        const hasSerpro = typeof government === 'object' && government !== null && 'serpro' in government;
        expect('serpro' in withBlocks).toBe(hasSerpro);
      }),
      { numRuns: 500 },
    );
  });

  it('decode every present block to a documented value or to unknown with the raw value', () => {
    fc.assert(
      fc.property(plainBody, blocks, imageKind, (body, extra, kind) => {
        const result = decode({ ...body, ...extra }, kind);
        for (const field of ['behaviorAlert', 'serpro', 'riskScore', 'flowResult'] as const) {
          const value = result[field];
          if (value === undefined) continue;
          expect(typeof value.value).toBe('string');
          if (value.value === 'unknown') expect(value).toHaveProperty('raw');
          if (value.value === 'score' && 'score' in value) expect(Number.isFinite(value.score)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
