import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IdCloudClient,
  IdCloudError,
  InvalidInputError,
  type Transport,
  type TransportRequest,
} from '../../src/index.js';
import { decodeProcessBody } from '../../src/schemas/response.js';
import { createSamplePng } from '../../src/testing/index.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const TOKEN_BODY = JSON.stringify({ access_token: 'tok', expires_in: 3600, token_type: 'Bearer' });
const PNG = createSamplePng(640, 480);
const KINDS = new Set([
  'verified',
  'not-verified',
  'inconclusive',
  'process-error',
  'not-final',
  'unrecognized',
]);

/**
 * CPF check digits, written here from the published rule rather than taken from src, so a bug in
 * the SDK's CPF code cannot also be in the inputs that test it: each digit is the weighted sum
 * (weights counting down to 2) times 10, mod 11, with 10 read as 0.
 */
function withCheckDigits(nine: string): string {
  const digit = (base: string) => {
    const sum = [...base].reduce((acc, d, i) => acc + Number(d) * (base.length + 1 - i), 0);
    return String(((sum * 10) % 11) % 10);
  };
  const first = digit(nine);
  return `${nine}${first}${digit(nine + first)}`;
}

/** Valid CPFs published as examples, each with its check digits. */
const CPF_VECTORS = ['52998224725', '11144477735', '12345678909', '39053344705', '00000000191'];

/** A transport that answers the token endpoint and hands every API request to `answer`. */
function transportAnswering(answer: (req: TransportRequest) => { status: number; body: string }) {
  const apiRequests: TransportRequest[] = [];
  const transport: Transport = {
    async request(req) {
      if (req.url.endsWith('/oauth2/token')) return { status: 200, headers: {}, body: TOKEN_BODY };
      apiRequests.push(req);
      return { headers: {}, ...answer(req) };
    },
  };
  const client = new IdCloudClient({
    environment: { apiBaseUrl: 'https://api.example.com', tokenUrl: 'https://id.example.com/oauth2/token' },
    serviceAccount: { accountName: 'acct', tenantId: 'tenant', privateKey },
    apiKey: 'key',
    transport,
    maxRetries: 0,
  });
  return { client, apiRequests };
}

const validInput = {
  subject: { code: '52998224725', name: 'Luke Skywalker' },
  useCase: 'Onboarding',
  imageBase64: PNG,
};

/** Bodies shaped like Unico's, with every field sometimes wrong, missing or unknown. */
const processBody = fc.record(
  {
    id: fc.oneof(fc.uuid(), fc.string(), fc.integer(), fc.constant(null)),
    status: fc.oneof(fc.integer({ min: -2, max: 9 }), fc.double(), fc.string(), fc.constant(null)),
    unicoId: fc.oneof(
      fc.record({
        result: fc.oneof(fc.constantFrom('yes', 'no', 'inconclusive'), fc.string(), fc.integer()),
      }),
      fc.jsonValue(),
    ),
    liveness: fc.oneof(fc.constantFrom(1, 2), fc.jsonValue()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('properties', () => {
  it("the tests' own CPF generator reproduces the published vectors", () => {
    for (const cpf of CPF_VECTORS) expect(withCheckDigits(cpf.slice(0, 9))).toBe(cpf);
  });

  it('accepts every valid CPF and rejects it, unsent, with either check digit wrong', async () => {
    const nine = fc.stringMatching(/^\d{9}$/).filter((d) => !/^(\d)\1+$/.test(d));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...CPF_VECTORS), nine.map(withCheckDigits)),
        fc.constantFrom(9, 10),
        fc.integer({ min: 1, max: 9 }),
        async (cpf, at, shift) => {
          const { client, apiRequests } = transportAnswering(() => ({
            status: 200,
            body: '{"id":"p","status":3,"unicoId":{"result":"yes"}}',
          }));
          await client.createProcess({ ...validInput, subject: { ...validInput.subject, code: cpf } });
          expect(apiRequests).toHaveLength(1);
          const wrong = `${cpf.slice(0, at)}${(Number(cpf[at]) + shift) % 10}${cpf.slice(at + 1)}`;
          const err = await client
            .createProcess({ ...validInput, subject: { ...validInput.subject, code: wrong } })
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(InvalidInputError);
          expect(apiRequests).toHaveLength(1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts an input exactly when every field is valid; each wrong field gets its own issue with a message', async () => {
    // Each field: a valid value, or one that is wrong for a known reason (and must be named).
    const field = (valid: string[], invalid: string[]) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...valid).map((value) => ({ value, ok: true })) },
        { weight: 1, arbitrary: fc.constantFrom(...invalid).map((value) => ({ value, ok: false })) },
      );
    const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
    const subjectFields = {
      code: field(CPF_VECTORS, [
        '52998224726',
        '5299822472',
        '529.982.247-2',
        '529982247-25x',
        'x52998224725',
      ]),
      name: field(['Luke Skywalker', 'Leia Organa', 'Han'], ['', ' Han', 'Han ', 'Obi  Wan']),
      gender: optional(field(['M', 'F'], ['X', 'm', ''])),
      birthDate: optional(
        field(['2000-05-20', '1988-02-29'], ['2023-02-30', '20/05/2000', 'x2000-05-20', '2000-05-20x']),
      ),
      email: optional(field(['luke@example.com', 'a.b+c@d.org'], ['luke', 'luke@', '@example.com'])),
      phone: optional(
        field(
          ['5511988887777', '1199998888'],
          ['123', '+5511988887777', '5511988887777x', '55 11 98888 7777'],
        ),
      ),
      clientReference: optional(
        field(['ref_123', 'r', 'x'.repeat(256)], ['has space', '', ' lead', 'trail ', 'x'.repeat(257)]),
      ),
    };
    const inputs = fc.record({
      subject: fc.record(subjectFields, { requiredKeys: ['code', 'name'] }),
      useCase: field(['Onboarding', 'KYC'], ['', '   ']),
      subsidiaryId: optional(field(['7d8f2b1a-3c4d-4e5f-8a9b-0c1d2e3f4a5b'], ['not-a-uuid', '7d8f2b1a'])),
    });
    await fc.assert(
      fc.asyncProperty(inputs, async ({ subject, useCase, subsidiaryId }) => {
        const wrong: string[] = [];
        const plain: Record<string, string> = {};
        for (const [key, f] of Object.entries(subject)) {
          if (f === undefined) continue;
          plain[key] = f.value;
          if (!f.ok) wrong.push(`subject.${key}`);
        }
        if (!useCase.ok) wrong.push('useCase');
        if (subsidiaryId !== undefined && !subsidiaryId.ok) wrong.push('subsidiaryId');
        const { client, apiRequests } = transportAnswering(() => ({
          status: 200,
          body: '{"id":"p","status":3,"unicoId":{"result":"yes"}}',
        }));
        const outcome = await client
          .createProcess({
            subject: plain as never,
            useCase: useCase.value,
            imageBase64: PNG,
            ...(subsidiaryId === undefined ? {} : { subsidiaryId: subsidiaryId.value }),
          })
          .catch((err: unknown) => err);
        if (wrong.length === 0) {
          expect(outcome, String(outcome)).toMatchObject({ kind: 'verified' });
          expect(apiRequests).toHaveLength(1);
          return;
        }
        expect(outcome, 'a wrong field was accepted').toBeInstanceOf(InvalidInputError);
        expect(apiRequests).toHaveLength(0);
        const issues = (outcome as InvalidInputError).issues;
        expect([...new Set(issues.map((i) => i.path))].sort()).toEqual(wrong.sort());
        for (const issue of issues) expect(issue.message.length, issue.path).toBeGreaterThan(10);
      }),
      { numRuns: 400 },
    );
  });

  it('decodes any JSON value to a result or issues, never an exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), processBody),
        fc.constantFrom('sdk-capture', 'plain-image'),
        (json, kind) => {
          const decoded = decodeProcessBody(json, kind as 'sdk-capture' | 'plain-image', 'rid');
          if (decoded.ok) {
            expect(KINDS.has(decoded.result.kind)).toBe(true);
            expect(typeof decoded.result.id).toBe('string');
            expect(Number.isInteger(decoded.result.status)).toBe(true);
          } else {
            expect(decoded.issues.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('turns any API answer into a result or a typed error', async () => {
    const answers = fc.record({
      status: fc.oneof(
        fc.constantFrom(200, 201, 400, 401, 403, 404, 429, 500, 502, 503),
        fc.integer({ min: 100, max: 599 }),
      ),
      body: fc.oneof(
        processBody.map((b) => JSON.stringify(b)),
        fc.jsonValue().map((v) => JSON.stringify(v)),
        fc
          .record({
            error: fc.record({ code: fc.oneof(fc.string(), fc.integer()), description: fc.string() }),
          })
          .map((v) => JSON.stringify(v)),
        fc.string(),
      ),
    });
    await fc.assert(
      fc.asyncProperty(answers, async (answer) => {
        const { client } = transportAnswering(() => answer);
        try {
          const result = await client.createProcess(validInput);
          expect(KINDS.has(result.kind)).toBe(true);
          expect(answer.status >= 200 && answer.status < 300).toBe(true);
        } catch (err) {
          expect(IdCloudError.is(err), String(err)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('accepts an input and sends it exactly as given, or rejects it with ERR_INVALID_INPUT and sends nothing', async () => {
    // Mostly valid values with an occasional wrong one, so both outcomes are common.
    const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
      fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: invalid, weight: 1 });
    const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
    // Nine equal digits pass the checksum but are not CPFs: left out of the valid ones.
    const nine = fc.stringMatching(/^\d{9}$/).filter((d) => !/^(\d)\1+$/.test(d));
    const validCpf = fc.oneof(
      fc.constantFrom(...CPF_VECTORS),
      nine.map(withCheckDigits),
      nine.map((d) => {
        const c = withCheckDigits(d);
        return `${c.slice(0, 3)}.${c.slice(3, 6)}.${c.slice(6, 9)}-${c.slice(9)}`;
      }),
    );
    const subject = fc.record(
      {
        code: mostly(validCpf, fc.oneof(fc.stringMatching(/^\d{11}$/), fc.string(), fc.integer())),
        name: mostly(
          fc.constantFrom('Luke Skywalker', 'Leia Organa', 'Han'),
          fc.oneof(fc.constantFrom(' Han', 'Obi  Wan', ''), fc.string()),
        ),
        gender: optional(mostly(fc.constantFrom('M', 'F'), fc.string())),
        birthDate: optional(
          mostly(fc.constantFrom('2000-05-20', '1988-02-29'), fc.constantFrom('2023-02-30', '20/05/2000')),
        ),
        email: optional(mostly(fc.constantFrom('luke@example.com', 'a.b+c@d.org'), fc.string())),
        phone: optional(mostly(fc.stringMatching(/^\d{10,15}$/), fc.string())),
        clientReference: optional(mostly(fc.stringMatching(/^\w{1,20}$/), fc.constantFrom('has space', ''))),
      },
      { requiredKeys: ['code', 'name'] },
    );
    // Now and then a typo'd key, which must be reported rather than dropped.
    const subjectWithTypos = fc
      .tuple(subject, fc.integer({ min: 0, max: 19 }))
      .map(([value, dice]) => (dice === 0 ? { ...value, birthdate: '2000-05-20' } : value));
    const input = fc.oneof(
      {
        weight: 9,
        arbitrary: fc.record(
          {
            subject: mostly(subjectWithTypos, fc.jsonValue()),
            useCase: mostly(fc.constant('Onboarding'), fc.constantFrom('', '   ')),
            imageBase64: mostly(
              fc.constantFrom(PNG, 'eyJhbGciOi.eyJjaWQiOi.c2ln'),
              fc.oneof(fc.base64String(), fc.string(), fc.constant(`data:image/png;base64,${PNG}`)),
            ),
            subsidiaryId: optional(mostly(fc.uuid(), fc.string())),
          },
          { requiredKeys: ['subject', 'useCase', 'imageBase64'] },
        ),
      },
      { weight: 1, arbitrary: fc.anything() },
    );
    let accepted = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(input, async (value) => {
        const { client, apiRequests } = transportAnswering(() => ({
          status: 200,
          body: '{"id":"p","status":3,"unicoId":{"result":"yes"}}',
        }));
        try {
          await client.createProcess(value as never);
        } catch (err) {
          expect(err, String(err)).toBeInstanceOf(InvalidInputError);
          expect((err as InvalidInputError).issues.length).toBeGreaterThan(0);
          expect(apiRequests).toHaveLength(0);
          rejected++;
          return;
        }
        accepted++;
        expect(apiRequests).toHaveLength(1);
        const given = value as { subject: { code: string } };
        const sent = JSON.parse(new TextDecoder().decode(apiRequests[0]?.body as Uint8Array));
        const expected = JSON.parse(
          JSON.stringify({
            ...given,
            subject: { ...given.subject, code: given.subject.code.replace(/\D/g, '') },
          }),
        );
        expect(sent).toEqual(expected);
      }),
      { numRuns: 1_000 },
    );
    // Both branches must really be exercised, or the property proves nothing.
    expect(accepted, 'accepted inputs').toBeGreaterThan(20);
    expect(rejected, 'rejected inputs').toBeGreaterThan(20);
  });
});
