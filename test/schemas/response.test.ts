import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ImageKind } from '../../src/internal/image.js';
import { decodeApiError, decodeProcessBody, type ProcessResult } from '../../src/schemas/response.js';

const EXAMPLES = new URL('../fixtures/unico-examples/', import.meta.url);
const REQUEST_ID = 'req-123';

const load = (file: string): unknown => JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8'));

function decoded(json: unknown, imageKind: ImageKind = 'sdk-capture'): ProcessResult {
  const outcome = decodeProcessBody(json, imageKind, REQUEST_ID);
  if (!outcome.ok) throw new Error(`expected a result, got ${JSON.stringify(outcome.issues)}`);
  return outcome.result;
}

type Expected = Record<ImageKind, Record<string, unknown>>;

// What each documented response decodes to, for each kind of image sent.
const expectedByExample: Record<string, Expected> = {
  'response-unicoid-yes.json': {
    'sdk-capture': { kind: 'verified', status: 3, livenessChecked: true },
    'plain-image': { kind: 'verified', status: 3, livenessChecked: false },
  },
  'response-unicoid-no.json': {
    'sdk-capture': { kind: 'not-verified', status: 3, livenessChecked: true },
    'plain-image': { kind: 'not-verified', status: 3, livenessChecked: false },
  },
  'response-unicoid-inconclusive-liveness1.json': {
    'sdk-capture': { kind: 'inconclusive', status: 3, livenessChecked: true, liveness: 'passed' },
    'plain-image': { kind: 'inconclusive', status: 3, livenessChecked: false, liveness: 'not-checked' },
  },
  'response-unicoid-inconclusive-liveness2.json': {
    'sdk-capture': { kind: 'inconclusive', status: 3, livenessChecked: true, liveness: 'failed' },
    'plain-image': { kind: 'inconclusive', status: 3, livenessChecked: false, liveness: 'not-checked' },
  },
  'response-status5-error.json': {
    'sdk-capture': { kind: 'process-error', status: 5 },
    'plain-image': { kind: 'process-error', status: 5 },
  },
  // Examples from richer API keys (issue 12): the extra blocks decode to typed fields.
  'getprocess-devportal-example.json': {
    'sdk-capture': {
      kind: 'verified',
      liveness: 'passed',
      behaviorAlert: { value: 'no-fraud-signals' },
      serpro: { value: 'score', score: 87 },
    },
    'plain-image': {
      kind: 'verified',
      liveness: 'not-checked',
      behaviorAlert: { value: 'no-fraud-signals' },
      serpro: { value: 'score', score: 87 },
    },
  },
  'response-onboarding-all-capabilities-status1.json': {
    'sdk-capture': {
      kind: 'not-final',
      status: 1,
      behaviorAlert: { value: 'no-fraud-signals' },
      serpro: { value: 'score', score: 50 },
    },
    'plain-image': {
      kind: 'not-final',
      status: 1,
      behaviorAlert: { value: 'no-fraud-signals' },
      serpro: { value: 'score', score: 50 },
    },
  },
  'getprocess-postman-inconclusive-liveness1-score28.json': {
    'sdk-capture': { kind: 'inconclusive', liveness: 'passed', riskScore: { value: 'score', score: 28 } },
    'plain-image': {
      kind: 'inconclusive',
      liveness: 'not-checked',
      riskScore: { value: 'score', score: 28 },
    },
  },
  'getprocess-postman-divergence-status2.json': {
    'sdk-capture': { kind: 'not-final', status: 2 },
    'plain-image': { kind: 'not-final', status: 2 },
  },
  'response-mx-onboarding-idcloud-reproved.json': {
    'sdk-capture': { kind: 'unrecognized', status: 3, flowResult: { value: 'reproved' } },
    'plain-image': { kind: 'unrecognized', status: 3, flowResult: { value: 'reproved' } },
  },
};

const BLOCKS = ['behaviorAlert', 'serpro', 'riskScore', 'flowResult'] as const;

const exampleFiles = readdirSync(EXAMPLES)
  .filter((f) => /^(response|getprocess)-.*\.json$/.test(f))
  .sort();

describe('decodeProcessBody: documented examples', () => {
  it('finds every documented response example and knows what each decodes to', () => {
    expect(exampleFiles.length).toBeGreaterThanOrEqual(10);
    expect(exampleFiles).toEqual(Object.keys(expectedByExample).sort());
  });

  describe.each(exampleFiles)('%s', (file) => {
    it.each(['sdk-capture', 'plain-image'] as const)(
      'decodes the kind and liveness when a %s was sent',
      (imageKind) => {
        const json = load(file);
        const body = json as { id: string };
        const result = decoded(json, imageKind);
        const expected = expectedByExample[file]?.[imageKind];
        expect(expected).toBeDefined();
        expect(result).toMatchObject({ ...expected, id: body.id, requestId: REQUEST_ID });
        expect(result.raw).toEqual(load(file));
        if (expected !== undefined && !('liveness' in expected))
          expect(result).not.toHaveProperty('liveness');
        for (const block of BLOCKS)
          if (expected !== undefined && !(block in expected)) expect(result).not.toHaveProperty(block);
      },
    );
  });
});

describe('decodeProcessBody: tolerance', () => {
  it('keeps unknown extra fields in raw, exactly as received', () => {
    const json = {
      id: 'p-1',
      status: 3,
      unicoId: { result: 'yes', confidence: 'high' },
      identityFraudsters: { result: 'inconclusive' },
      government: { serpro: 87 },
      score: -40,
      idCloud: { result: 'approved' },
    };
    const copy = structuredClone(json);
    const result = decoded(json);
    expect(result.kind).toBe('verified');
    expect(result.raw).toEqual(copy);
  });

  it('deep-freezes raw so nothing can alter the recorded response', () => {
    const result = decoded({
      id: 'p-1',
      status: 3,
      unicoId: { result: 'no' },
      extra: { nested: [{ a: 1 }] },
    });
    const raw = result.raw as { unicoId: object; extra: { nested: Array<{ a: number }> } };
    expect(Object.isFrozen(raw)).toBe(true);
    expect(Object.isFrozen(raw.unicoId)).toBe(true);
    expect(Object.isFrozen(raw.extra)).toBe(true);
    expect(Object.isFrozen(raw.extra.nested)).toBe(true);
    expect(Object.isFrozen(raw.extra.nested[0])).toBe(true);
    expect(() => {
      (raw as Record<string, unknown>)['status'] = 5;
    }).toThrow(TypeError);
  });

  it.each([1, 2, 4])('treats status %i as not final, with no verdict', (status) => {
    const result = decoded({ id: 'p-1', status, unicoId: { result: 'yes' }, liveness: 1 });
    expect(result).toMatchObject({ kind: 'not-final', status, id: 'p-1', requestId: REQUEST_ID });
    expect(result).not.toHaveProperty('livenessChecked');
    expect(result).not.toHaveProperty('liveness');
  });

  it.each([0, 6, 99, -1])('treats the undocumented status %i as not final', (status) => {
    expect(decoded({ id: 'p-1', status })).toMatchObject({ kind: 'not-final', status });
  });

  it('treats status 5 as a process error even if other fields come along', () => {
    expect(decoded({ id: 'p-1', status: 5, unicoId: { result: 'yes' } }).kind).toBe('process-error');
  });

  it.each<[string, Record<string, unknown>]>([
    ['an unknown unicoId.result', { unicoId: { result: 'maybe' } }],
    ['an upper-case unicoId.result', { unicoId: { result: 'YES' } }],
    ['a numeric unicoId.result', { unicoId: { result: 1 } }],
    ['a unicoId without result', { unicoId: {} }],
    ['no unicoId at all', {}],
    ['a unicoId that is not an object', { unicoId: 'yes' }],
    ['a null unicoId', { unicoId: null }],
  ])('reports status 3 with %s as unrecognized', (_what, fields) => {
    const result = decoded({ id: 'p-1', status: 3, liveness: 1, ...fields });
    expect(result).toMatchObject({ kind: 'unrecognized', status: 3, id: 'p-1' });
    expect(result).not.toHaveProperty('liveness');
  });

  it('reports an undocumented liveness value as unknown', () => {
    expect(decoded({ id: 'p-1', status: 3, unicoId: { result: 'inconclusive' }, liveness: 3 })).toMatchObject(
      {
        kind: 'inconclusive',
        liveness: 'unknown',
      },
    );
    expect(
      decoded({ id: 'p-1', status: 3, unicoId: { result: 'inconclusive' }, liveness: '1' }),
    ).toMatchObject({
      liveness: 'unknown',
    });
  });

  it('reports a missing liveness on an inconclusive result as unknown for an SDK capture', () => {
    expect(decoded({ id: 'p-1', status: 3, unicoId: { result: 'inconclusive' } })).toMatchObject({
      kind: 'inconclusive',
      liveness: 'unknown',
    });
  });

  it('reports liveness 3 on a plain image as not checked', () => {
    expect(
      decoded({ id: 'p-1', status: 3, unicoId: { result: 'inconclusive' }, liveness: 3 }, 'plain-image'),
    ).toMatchObject({ liveness: 'not-checked', livenessChecked: false });
  });

  it('decodes "no" without liveness and leaves the liveness property out', () => {
    const result = decoded({ id: 'p-1', status: 3, unicoId: { result: 'no' } });
    expect(result.kind).toBe('not-verified');
    expect(result).not.toHaveProperty('liveness');
  });

  it.each<[number, ImageKind, string]>([
    [1, 'sdk-capture', 'passed'],
    [2, 'sdk-capture', 'failed'],
    [7, 'sdk-capture', 'unknown'],
    [1, 'plain-image', 'not-checked'],
    [2, 'plain-image', 'not-checked'],
  ])('decodes "no" with liveness %i from a %s as liveness %s', (liveness, imageKind, expected) => {
    expect(decoded({ id: 'p-1', status: 3, unicoId: { result: 'no' }, liveness }, imageKind)).toMatchObject({
      kind: 'not-verified',
      liveness: expected,
    });
  });

  it('decodes "yes" that comes with a liveness field as verified', () => {
    const result = decoded({ id: 'p-1', status: 3, unicoId: { result: 'yes' }, liveness: 1 });
    expect(result).toMatchObject({ kind: 'verified', livenessChecked: true });
  });
});

describe('decodeProcessBody: blocks of other capabilities', () => {
  const body = (fields: Record<string, unknown>, status = 3) => ({
    id: 'p-1',
    status,
    unicoId: { result: 'inconclusive' },
    liveness: 1,
    ...fields,
  });

  it('adds no capability field for a plain Liveness + Identity Verification body', () => {
    const result = decoded(body({}));
    for (const block of BLOCKS) expect(result).not.toHaveProperty(block);
    expect(Object.keys(result).sort()).toEqual(
      ['id', 'kind', 'liveness', 'livenessChecked', 'raw', 'requestId', 'status'].sort(),
    );
  });

  it.each<[string, Record<string, unknown>, string, unknown]>([
    [
      'Behavior Alert "yes"',
      { identityFraudsters: { result: 'yes' } },
      'behaviorAlert',
      { value: 'fraud-signals' },
    ],
    [
      'Behavior Alert "inconclusive"',
      { identityFraudsters: { result: 'inconclusive' } },
      'behaviorAlert',
      { value: 'no-fraud-signals' },
    ],
    ['Serpro 0', { government: { serpro: 0 } }, 'serpro', { value: 'score', score: 0 }],
    ['Serpro 100', { government: { serpro: 100 } }, 'serpro', { value: 'score', score: 100 }],
    [
      'Serpro 93.0 (legacy example)',
      { government: { serpro: 93.0 } },
      'serpro',
      { value: 'score', score: 93 },
    ],
    ['Serpro -1', { government: { serpro: -1 } }, 'serpro', { value: 'no-face-on-file' }],
    ['Serpro -2', { government: { serpro: -2 } }, 'serpro', { value: 'serpro-error' }],
    ['Risk Score -100', { score: -100 }, 'riskScore', { value: 'score', score: -100 }],
    ['Risk Score 0', { score: 0 }, 'riskScore', { value: 'score', score: 0 }],
    ['Risk Score 100', { score: 100 }, 'riskScore', { value: 'score', score: 100 }],
    // idCloud values from the field table (spec §4.1; only "reproved" has a documented example).
    ...(
      ['approved', 'denied', 'reproved', 'critical-risk', 'high-risk', 'retry', 'inconclusive'] as const
    ).map((v): [string, Record<string, unknown>, string, unknown] => [
      `flow result "${v}"`,
      { idCloud: { result: v } },
      'flowResult',
      { value: v },
    ]),
    [
      'flow result "risk-high" (MX test CURPs)',
      { idCloud: { result: 'risk-high' } },
      'flowResult',
      { value: 'high-risk' },
    ],
    [
      'flow result "risk-critical" (MX test CURPs)',
      { idCloud: { result: 'risk-critical' } },
      'flowResult',
      { value: 'critical-risk' },
    ],
  ])('decodes %s', (_what, fields, field, expected) => {
    const result = decoded(body(fields));
    expect(result.kind).toBe('inconclusive');
    expect(result).toHaveProperty(field, expected);
    for (const block of BLOCKS) if (block !== field) expect(result).not.toHaveProperty(block);
  });

  it.each<[string, Record<string, unknown>, string, unknown]>([
    ['Behavior Alert "no"', { identityFraudsters: { result: 'no' } }, 'behaviorAlert', 'no'],
    ['Behavior Alert "YES"', { identityFraudsters: { result: 'YES' } }, 'behaviorAlert', 'YES'],
    ['Behavior Alert without result', { identityFraudsters: {} }, 'behaviorAlert', undefined],
    ['Behavior Alert as a bare string', { identityFraudsters: 'yes' }, 'behaviorAlert', 'yes'],
    ['Behavior Alert null', { identityFraudsters: null }, 'behaviorAlert', null],
    ['Serpro 101', { government: { serpro: 101 } }, 'serpro', 101],
    ['Serpro -3', { government: { serpro: -3 } }, 'serpro', -3],
    ['Serpro "87"', { government: { serpro: '87' } }, 'serpro', '87'],
    ['Serpro null', { government: { serpro: null } }, 'serpro', null],
    ['Risk Score 101', { score: 101 }, 'riskScore', 101],
    ['Risk Score "28"', { score: '28' }, 'riskScore', '28'],
    ['Risk Score as an object', { score: { value: 28 } }, 'riskScore', { value: 28 }],
    ['flow result "maybe"', { idCloud: { result: 'maybe' } }, 'flowResult', 'maybe'],
    ['flow result as an array', { idCloud: ['approved'] }, 'flowResult', ['approved']],
  ])('keeps %s as unknown with the raw value', (_what, fields, field, raw) => {
    const result = decoded(body(fields));
    expect(result.kind).toBe('inconclusive');
    expect(result).toHaveProperty(field, { value: 'unknown', raw });
  });

  it('reads no Serpro field from a government block without serpro', () => {
    const result = decoded(body({ government: { other: 1 } }));
    expect(result).not.toHaveProperty('serpro');
    expect(result.raw).toEqual(body({ government: { other: 1 } }));
  });

  it('decodes the blocks on every kind of result', () => {
    const blocks = { identityFraudsters: { result: 'yes' }, score: -45 };
    for (const [status, unicoId, kind] of [
      [3, 'yes', 'verified'],
      [3, 'no', 'not-verified'],
      [3, 'inconclusive', 'inconclusive'],
      [3, 'other', 'unrecognized'],
      [5, 'yes', 'process-error'],
      [2, 'yes', 'not-final'],
    ] as const) {
      const result = decoded({ id: 'p-1', status, unicoId: { result: unicoId }, ...blocks });
      expect(result).toMatchObject({
        kind,
        behaviorAlert: { value: 'fraud-signals' },
        riskScore: { value: 'score', score: -45 },
      });
    }
  });
});

describe('decodeProcessBody: malformed bodies', () => {
  it.each<[string, unknown, string[]]>([
    ['a missing id', { status: 3 }, ['id']],
    ['an empty id', { id: '', status: 3 }, ['id']],
    ['a numeric id', { id: 42, status: 3 }, ['id']],
    ['a missing status', { id: 'p-1' }, ['status']],
    ['a string status', { id: 'p-1', status: '3' }, ['status']],
    ['a fractional status', { id: 'p-1', status: 3.5 }, ['status']],
    ['neither id nor status', { unicoId: { result: 'yes' } }, ['id', 'status']],
  ])('fails on %s and names the field', (_what, json, paths) => {
    const outcome = decodeProcessBody(json, 'sdk-capture', REQUEST_ID);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.issues.map((i) => i.path).sort()).toEqual(paths);
    for (const issue of outcome.issues) expect(issue.message).toBe('is missing or has the wrong type');
  });

  it.each([
    ['null', null],
    ['a string', 'ok'],
    ['a number', 3],
    ['an array', [{ id: 'p-1', status: 3 }]],
    ['undefined', undefined],
  ])('fails on %s as the body with an issue at the root', (_what, json) => {
    const outcome = decodeProcessBody(json, 'sdk-capture', REQUEST_ID);
    expect(outcome).toEqual({ ok: false, issues: [{ path: '', message: 'body is not a JSON object' }] });
  });
});

describe('decodeApiError', () => {
  it('reads the documented envelope example', () => {
    expect(decodeApiError(load('error-envelope-example.json'))).toEqual({
      code: '0000',
      text: 'error description',
    });
  });

  it('keeps a string code as given', () => {
    expect(decodeApiError({ error: { code: '20507', description: 'CPF inválido' } })).toEqual({
      code: '20507',
      text: 'CPF inválido',
    });
  });

  it('turns a numeric code into a string', () => {
    expect(decodeApiError({ error: { code: 403, message: 'Forbidden' } })).toEqual({
      code: '403',
      text: 'Forbidden',
    });
  });

  it('reads the text from message when there is no description', () => {
    expect(decodeApiError({ error: { code: '10201', message: 'AppKey inválida' } }).text).toBe(
      'AppKey inválida',
    );
  });

  it('prefers description over message when both are present', () => {
    expect(decodeApiError({ error: { code: '1', description: 'desc', message: 'msg' } }).text).toBe('desc');
  });

  it('falls back to message when description has the wrong type', () => {
    expect(decodeApiError({ error: { description: 5, message: 'msg' } })).toEqual({
      code: undefined,
      text: 'msg',
    });
  });

  it('keeps the text when the code has the wrong type', () => {
    expect(decodeApiError({ error: { code: { n: 1 }, description: 'desc' } })).toEqual({
      code: undefined,
      text: 'desc',
    });
  });

  it('returns undefined fields for an empty error object', () => {
    expect(decodeApiError({ error: {} })).toEqual({ code: undefined, text: undefined });
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'Internal Server Error'],
    ['an HTML page as text', '<html><body>502 Bad Gateway</body></html>'],
    ['an empty object', {}],
    ['an error that is a string', { error: 'server_error' }],
    ['an error that is null', { error: null }],
    [
      'a token-endpoint error body',
      { error: 'server_error', error_description: 'Falha na autenticação 1.2.21' },
    ],
    ['a top-level code and message', { code: '20507', message: 'x' }],
    ['an array', [{ error: { code: '1' } }]],
  ])('returns undefined fields for the garbage body %s', (_what, json) => {
    expect(decodeApiError(json)).toEqual({ code: undefined, text: undefined });
  });
});
