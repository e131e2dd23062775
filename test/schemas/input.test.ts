import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FieldIssue } from '../../src/errors.js';
import type { PreparedRequest } from '../../src/schemas/input.js';

// A fresh module for each test: the schema is built on first use and then cached, so without this
// only the file's first test would build it, and mutation testing (per-test coverage) would run
// only that test against a mutant in the schema's rules and messages.
let prepareCreateProcess: typeof import('../../src/schemas/input.js').prepareCreateProcess;
beforeEach(async () => {
  vi.resetModules();
  ({ prepareCreateProcess } = await import('../../src/schemas/input.js'));
});

/** The request body is UTF-8 bytes; the tests read it back as text. */
const utf8 = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const PNG_HEADER = [
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
];
const PNG = (() => {
  const bytes = new Uint8Array(2_000);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 13 + 5) & 0xff;
  bytes.set(PNG_HEADER);
  return Buffer.from(bytes).toString('base64');
})();
const CAPTURE = [
  Buffer.from('{"alg":"RSA-OAEP","enc":"A256GCM"}').toString('base64url'),
  'k3Y-abc_DEF',
  'iv0123456789',
  'Q2lwaGVydGV4dA_-',
  'dGFn',
].join('.');

const CPF_DIGITS = '52998224725';
const NAME = 'Maria da Silva';

const minimal = () => ({
  subject: { code: CPF_DIGITS, name: NAME },
  useCase: 'Onboarding',
  imageBase64: PNG,
});

function prepared(input: unknown): PreparedRequest {
  const outcome = prepareCreateProcess(input);
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.issues)}`);
  return outcome.request;
}

function issuesOf(input: unknown): FieldIssue[] {
  const outcome = prepareCreateProcess(input);
  if (outcome.ok) throw new Error('expected validation to fail');
  return outcome.issues;
}

/** `minimal()` with `patch` merged into `subject`. */
const withSubject = (patch: Record<string, unknown>) => {
  const base = minimal();
  return { ...base, subject: { ...base.subject, ...patch } };
};
const without = (obj: Record<string, unknown>, key: string) => {
  const { [key]: _dropped, ...rest } = obj;
  return rest;
};

describe('prepareCreateProcess: valid input', () => {
  it('builds the body of a minimal input unchanged', () => {
    const request = prepared(minimal());
    expect(JSON.parse(utf8(request.body))).toEqual({
      subject: { code: CPF_DIGITS, name: NAME },
      useCase: 'Onboarding',
      imageBase64: PNG,
    });
    expect(request.imageKind).toBe('plain-image');
  });

  it('builds the body of a full input, normalising only the formatted CPF to digits', () => {
    const input = {
      subject: {
        code: '529.982.247-25',
        name: NAME,
        gender: 'F',
        birthDate: '1990-02-28',
        email: 'maria@example.com',
        phone: '5511974749090',
        clientReference: 'customer-42',
      },
      useCase: 'Onboarding',
      imageBase64: CAPTURE,
      subsidiaryId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
    };
    const request = prepared(input);
    expect(JSON.parse(utf8(request.body))).toEqual({
      ...input,
      subject: { ...input.subject, code: '52998224725' },
    });
    expect(request.imageKind).toBe('sdk-capture');
  });

  it("does not modify the caller's object", () => {
    const input = withSubject({ code: '529.982.247-25' });
    const copy = structuredClone(input);
    prepared(input);
    expect(input).toEqual(copy);
  });

  it('produces valid JSON for a name with quotes, backslashes and accents', () => {
    const name = 'João "Jota" D\'Ávila \\ Ñ';
    const request = prepared(withSubject({ name }));
    expect((JSON.parse(utf8(request.body)) as { subject: { name: string } }).subject.name).toBe(name);
  });

  it('leaves out optional fields given as undefined', () => {
    const input = { ...withSubject({ gender: undefined, email: undefined }), subsidiaryId: undefined };
    expect(JSON.parse(utf8(prepared(input).body))).toEqual({
      subject: { code: CPF_DIGITS, name: NAME },
      useCase: 'Onboarding',
      imageBase64: PNG,
    });
  });

  it('detects a plain base64 image as "plain-image" and an SDK capture as "sdk-capture"', () => {
    expect(prepared(minimal()).imageKind).toBe('plain-image');
    expect(prepared({ ...minimal(), imageBase64: CAPTURE }).imageKind).toBe('sdk-capture');
  });

  it("lists the caller's personal values as sensitive so server text can be scrubbed of them", () => {
    const request = prepared(
      withSubject({
        code: '529.982.247-25',
        email: 'maria@example.com',
        phone: '5511974749090',
        clientReference: 'ref-1',
      }),
    );
    expect([...request.sensitive].sort()).toEqual(
      [CPF_DIGITS, NAME, 'maria@example.com', '5511974749090', 'ref-1'].sort(),
    );
  });

  it.each(['2000-02-29', '1999-12-31', '2000-01-01'])('accepts the birth date %s', (birthDate) => {
    expect(prepareCreateProcess(withSubject({ birthDate })).ok).toBe(true);
  });

  it.each(['M', 'F'])('accepts gender %s', (gender) => {
    expect(prepareCreateProcess(withSubject({ gender })).ok).toBe(true);
  });

  it('accepts a client reference of exactly 256 characters', () => {
    expect(prepareCreateProcess(withSubject({ clientReference: 'r'.repeat(256) })).ok).toBe(true);
  });

  it.each(['5519725570707', '551972557070', '1198765432'])('accepts the phone %s', (phone) => {
    expect(prepareCreateProcess(withSubject({ phone })).ok).toBe(true);
  });
});

describe('prepareCreateProcess: the image kind', () => {
  const bodyOf = (input: unknown): Record<string, unknown> => JSON.parse(utf8(prepared(input).body));

  it.each([
    ['2 segments', `${CAPTURE.split('.').slice(0, 2).join('.')}`],
    ['no dots', 'k3YabcDEFiv0123456789Q2lwaGVydGV4dA'],
    ['a "v2:" prefix', `v2:${CAPTURE}`],
    ['a standard base64 text that is not an image', Buffer.from('opaque bytes').toString('base64')],
  ])('sends a capture with %s as an SDK capture, spliced unchanged', (_what, capture) => {
    const request = prepared({ ...minimal(), imageBase64: capture });
    expect(request.imageKind).toBe('sdk-capture');
    expect(utf8(request.body).endsWith(`,"imageBase64":"${capture}"}`)).toBe(true);
  });

  it('sends a plain image spliced unchanged as the last field', () => {
    expect(utf8(prepared(minimal()).body).endsWith(`,"imageBase64":"${PNG}"}`)).toBe(true);
  });

  it('lets imageKind override the detection, and does not send imageKind', () => {
    const asCapture = prepared({ ...minimal(), imageKind: 'sdk-capture' });
    expect(asCapture.imageKind).toBe('sdk-capture');
    expect(bodyOf({ ...minimal(), imageKind: 'sdk-capture' })).toEqual({
      ...without(minimal(), 'imageKind'),
    });
    expect(prepared({ ...minimal(), imageKind: 'plain-image' }).imageKind).toBe('plain-image');
    const dataUri = `data:image/png;base64,${PNG}`;
    expect(bodyOf({ ...minimal(), imageBase64: dataUri, imageKind: 'sdk-capture' })['imageBase64']).toBe(
      dataUri,
    );
  });

  it('keeps the body valid JSON for a capture holding any UTF-16 code unit, and sends the capture unchanged', () => {
    const wrong: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const capture = `${CAPTURE.slice(0, 40)}${String.fromCharCode(c)}${CAPTURE.slice(40)}`;
      let sent: unknown;
      try {
        sent = bodyOf({ ...minimal(), imageBase64: capture })['imageBase64'];
      } catch {
        sent = undefined;
      }
      if (sent !== capture) wrong.push(`U+${c.toString(16)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('builds the same bytes without Buffer (edge runtimes) as on Node, for both kinds', () => {
    const inputs = [
      minimal(),
      { ...minimal(), imageBase64: CAPTURE },
      { ...minimal(), imageBase64: `"${CAPTURE}` },
    ];
    const onNode = inputs.map((input) => prepared(input).body);
    const saved = globalThis.Buffer;
    Reflect.set(globalThis, 'Buffer', undefined);
    let portable: Uint8Array[];
    try {
      portable = inputs.map((input) => prepared(input).body);
    } finally {
      Reflect.set(globalThis, 'Buffer', saved);
    }
    expect(portable.map(utf8)).toEqual(onNode.map(utf8));
    expect(portable.map((b) => b.length)).toEqual(onNode.map((b) => b.length));
  });

  it('escapes a capture with a quote, a backslash, a control character or non-ASCII text, and only those', () => {
    for (const bad of ['"', '\\', '\u0000', '\u001f', '\u007f', 'é', '日', '\ud83d\ude00', '\ud800']) {
      const capture = `v2:${bad}:${CAPTURE}`;
      const text = utf8(prepared({ ...minimal(), imageBase64: capture }).body);
      expect(text.endsWith(`,"imageBase64":${JSON.stringify(capture)}}`)).toBe(true);
    }
  });
});

describe('prepareCreateProcess: field errors', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['subject.code', { code: undefined }, 'is required', /^is required$/],
    ['subject.code', { code: 52998224725 }, 'not a string', /^must be a string$/],
    [
      'subject.code',
      { code: '5299822472' },
      'wrong length',
      /^must be a CPF: 11 digits, or formatted as ddd\.ddd\.ddd-dd$/,
    ],
    ['subject.code', { code: '529 982 247 25' }, 'wrongly formatted', /^must be a CPF/],
    [
      'subject.code',
      { code: '52998224726' },
      'check digits do not match',
      /^is not a valid CPF \(check digits do not match\)$/,
    ],
    ['subject.code', { code: '111.111.111-11' }, 'repeated digits', /^is not a valid CPF/],
    ['subject.name', { name: 42 }, 'not a string', /^must be a string$/],
    ['subject.name', { name: '' }, 'empty', /^must not be empty$/],
    ['subject.name', { name: ' Maria da Silva' }, 'leading space', /^must not start or end with spaces$/],
    ['subject.name', { name: 'Maria da Silva ' }, 'trailing space', /^must not start or end with spaces$/],
    [
      'subject.name',
      { name: 'Maria  da Silva' },
      'double space',
      /^must not contain two consecutive spaces$/,
    ],
    ['subject.gender', { gender: 'X' }, 'not M or F', /^must be "M" or "F"$/],
    ['subject.gender', { gender: 'm' }, 'lower case', /^must be "M" or "F"$/],
    ['subject.gender', { gender: '' }, 'empty', /^must be "M" or "F"$/],
    [
      'subject.birthDate',
      { birthDate: '2023-02-30' },
      'a day that does not exist',
      /^must be a date as YYYY-MM-DD$/,
    ],
    [
      'subject.birthDate',
      { birthDate: '2001-02-29' },
      'Feb 29 of a non-leap year',
      /^must be a date as YYYY-MM-DD$/,
    ],
    ['subject.birthDate', { birthDate: '2000-13-01' }, 'month 13', /^must be a date as YYYY-MM-DD$/],
    ['subject.birthDate', { birthDate: '20/05/2000' }, 'dd/mm/yyyy', /^must be a date as YYYY-MM-DD$/],
    ['subject.birthDate', { birthDate: '2000-5-20' }, 'unpadded', /^must be a date as YYYY-MM-DD$/],
    [
      'subject.birthDate',
      { birthDate: '2000-05-20T00:00:00Z' },
      'a timestamp',
      /^must be a date as YYYY-MM-DD$/,
    ],
    [
      'subject.birthDate',
      { birthDate: '2000-05-20T00:00' },
      'a date and time (the start of its own ISO text)',
      /^must be a date as YYYY-MM-DD$/,
    ],
    ['subject.birthDate', { birthDate: 20000520 }, 'a number', /^must be a string$/],
    ['subject.email', { email: 'maria-at-example.com' }, 'no @', /^must be an e-mail address$/],
    ['subject.email', { email: 'maria@' }, 'no domain', /^must be an e-mail address$/],
    ['subject.phone', { phone: '+5511974749090' }, 'a leading +', /^must be 10 to 15 digits/],
    ['subject.phone', { phone: '(11) 97474-9090' }, 'punctuation', /^must be 10 to 15 digits/],
    ['subject.phone', { phone: '123456789' }, 'too short', /^must be 10 to 15 digits/],
    ['subject.phone', { phone: '1234567890123456' }, 'too long', /^must be 10 to 15 digits/],
    [
      'subject.clientReference',
      { clientReference: 'customer 42' },
      'a space',
      /^must be 1 to 256 characters without spaces$/,
    ],
    [
      'subject.clientReference',
      { clientReference: '' },
      'empty',
      /^must be 1 to 256 characters without spaces$/,
    ],
    [
      'subject.clientReference',
      { clientReference: 'r'.repeat(257) },
      'too long',
      /^must be 1 to 256 characters/,
    ],
  ])('reports %s for %j (%s)', (path, patch, _why, message) => {
    const issues = issuesOf(withSubject(patch as Record<string, unknown>));
    expect(issues.length).toBeGreaterThanOrEqual(1);
    for (const issue of issues) {
      expect(issue.path).toBe(path);
      expect(issue.message).toMatch(message);
    }
  });

  it('reports a blank name as empty', () => {
    const issues = issuesOf(withSubject({ name: '   ' }));
    expect(issues.every((i) => i.path === 'subject.name')).toBe(true);
    expect(issues.map((i) => i.message)).toContain('must not be empty');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['useCase', { useCase: '' }, /^must not be empty$/],
    ['useCase', { useCase: '   ' }, /^must not be empty$/],
    ['useCase', { useCase: 7 }, /^must be a string$/],
    ['imageBase64', { imageBase64: 123 }, /^must be a string$/],
    ['imageBase64', { imageBase64: '' }, /^is empty$/],
    [
      'imageBase64',
      { imageBase64: `data:image/png;base64,${PNG}` },
      /remove the "data:\.\.\.;base64," prefix/,
    ],
    ['imageBase64', { imageBase64: PNG.replace(/(.{76})/g, '$1\n') }, /whitespace or line breaks/],
    [
      'imageBase64',
      { imageBase64: `${PNG.slice(0, 40)}*${PNG.slice(41)}` },
      /unexpected character at position 40/,
    ],
    [
      'imageBase64',
      {
        imageBase64: Buffer.from('GIF89a-not-an-accepted-format').toString('base64'),
        imageKind: 'plain-image',
      },
      /is not a PNG, JPEG or WebP/,
    ],
    ['imageKind', { imageKind: 'jwt' }, /^must be "sdk-capture" or "plain-image"$/],
    [
      'imageBase64',
      { imageBase64: CAPTURE, imageKind: 'plain-image' },
      /^is not base64: unexpected character/,
    ],
    ['subsidiaryId', { subsidiaryId: 'branch-1' }, /^must be a UUID$/],
    ['subsidiaryId', { subsidiaryId: '3f2504e0-4f89-41d3-9a0c-0305e82c330' }, /^must be a UUID$/],
    ['subsidiaryId', { subsidiaryId: 42 }, /^must be a UUID$/],
  ])('reports %s for %j', (path, patch, message) => {
    const issues = issuesOf({ ...minimal(), ...patch });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(path);
    expect(issues[0]?.message).toMatch(message);
  });

  it('rejects a plain image over 800 KB', () => {
    const big = new Uint8Array(800 * 1024 + 1);
    big.set(PNG_HEADER);
    const issues = issuesOf({ ...minimal(), imageBase64: Buffer.from(big).toString('base64') });
    expect(issues).toEqual([
      { path: 'imageBase64', message: expect.stringMatching(/decodes to 819201 bytes/) },
    ]);
  });

  it.each([
    ['subject', (i: Record<string, unknown>) => without(i, 'subject')],
    ['useCase', (i: Record<string, unknown>) => without(i, 'useCase')],
    ['imageBase64', (i: Record<string, unknown>) => without(i, 'imageBase64')],
    ['subject.code', (i: Record<string, unknown>) => ({ ...i, subject: { name: NAME } })],
  ])('says %s "is required" when it is missing', (path, drop) => {
    expect(issuesOf(drop(minimal()))).toEqual([{ path, message: 'is required' }]);
  });

  // Regression: a missing name was reported as "must be a string".
  it('says subject.name "is required" when it is missing', () => {
    expect(issuesOf({ ...minimal(), subject: { code: CPF_DIGITS } })).toEqual([
      { path: 'subject.name', message: 'is required' },
    ]);
  });

  it('reports a subject that is not an object', () => {
    expect(issuesOf({ ...minimal(), subject: 'Maria' })).toEqual([
      { path: 'subject', message: 'must be an object' },
    ]);
    expect(issuesOf({ ...minimal(), subject: null })).toEqual([
      { path: 'subject', message: 'must be an object' },
    ]);
  });

  it('reports an unknown subject field such as the typo "birthdate"', () => {
    expect(issuesOf(withSubject({ birthdate: '2000-05-20' }))).toEqual([
      { path: 'subject.birthdate', message: 'unknown field' },
    ]);
  });

  it('reports every unknown field, at both levels', () => {
    const issues = issuesOf({ ...withSubject({ cpf: '1', mail: 'x' }), image: 'x', usecase: 'x' });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'subject.cpf', message: 'unknown field' },
        { path: 'subject.mail', message: 'unknown field' },
        { path: 'image', message: 'unknown field' },
        { path: 'usecase', message: 'unknown field' },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('reports several issues at once, one per defective field', () => {
    const issues = issuesOf({
      subject: { code: '52998224726', name: NAME, gender: 'X', birthDate: '2023-02-30', email: 'nope' },
      useCase: '',
      imageBase64: `data:image/png;base64,${PNG}`,
      subsidiaryId: 'x',
    });
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'imageBase64',
        'subject.birthDate',
        'subject.code',
        'subject.email',
        'subject.gender',
        'subsidiaryId',
        'useCase',
      ].sort(),
    );
  });

  it('reports the image together with other field errors', () => {
    const issues = issuesOf({
      ...withSubject({ gender: 'X' }),
      imageBase64: `${PNG.slice(0, 99)}!${PNG.slice(100)}`,
    });
    expect(issues.map((i) => i.path).sort()).toEqual(['imageBase64', 'subject.gender']);
  });

  it.each([
    ['null', null, 'must be an object'],
    ['undefined', undefined, 'is required'],
    ['a string', 'subject', 'must be an object'],
    ['a number', 42, 'must be an object'],
    ['an array', [minimal()], 'must be an object'],
  ])('rejects %s as input with an issue at the root', (_what, input, message) => {
    expect(issuesOf(input)).toEqual([{ path: '', message }]);
  });
});

describe('prepareCreateProcess: no personal data in issues', () => {
  const badCpf = '52998224726';
  const name = 'Maria  Joaquina';
  const image = `data:image/png;base64,${PNG}`;

  it('never puts the CPF digits, the name or the image in an issue', () => {
    const inputs: unknown[] = [
      { subject: { code: badCpf, name }, useCase: 'x', imageBase64: image },
      {
        subject: { code: '529.982.247-26', name: ` ${name}` },
        useCase: 'x',
        imageBase64: PNG.replace(/(.{76})/g, '$1\n'),
      },
      {
        subject: { code: `${badCpf}0`, name: 42 },
        useCase: 'x',
        imageBase64: `${PNG.slice(0, 50)}$${PNG.slice(51)}`,
      },
      { subject: { code: badCpf, name, email: `${badCpf}@x` }, useCase: 'x', imageBase64: PNG.slice(0, -1) },
    ];
    for (const input of inputs) {
      const issues = issuesOf(input);
      expect(issues.length).toBeGreaterThan(0);
      const text = JSON.stringify(issues);
      expect(text).not.toMatch(/\d{9}/);
      expect(text).not.toContain('529.982.247');
      expect(text).not.toContain('Maria');
      expect(text).not.toContain('Joaquina');
      expect(text).not.toContain(PNG.slice(0, 12));
      for (let i = 0; i + 12 <= PNG.length; i += 12) expect(text).not.toContain(PNG.slice(i, i + 12));
    }
  });
});
