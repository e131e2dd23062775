import * as z from 'zod/mini';
import type { FieldIssue } from '../errors.js';
import { isValidCpf, normalizeCpf } from '../internal/cpf.js';
import { checkImage, type ImageKind } from '../internal/image.js';
import { lazy } from './lazy.js';

// Runs with the raw issue, which still carries the input: tells "missing" from "wrong type".
function expected(what: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`);
}
const text = () => z.string({ error: expected('a string') });

const isoDate = (value: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().startsWith(value);
};
const notBlank = (v: string): boolean => v.trim().length > 0;

// `zod/mini`: the same v4 core as `zod`, but a bundle carries only the checks used here.
const inputSchema = lazy(() => {
  const subject = z.strictObject(
    {
      // Two checks, so exactly one message comes out: the shape, else the check digits.
      code: text().check(
        z.refine(
          (v) => normalizeCpf(v) !== undefined,
          'must be a CPF: 11 digits, or formatted as ddd.ddd.ddd-dd',
        ),
        z.refine((v) => {
          const digits = normalizeCpf(v);
          return digits === undefined || isValidCpf(digits);
        }, 'is not a valid CPF (check digits do not match)'),
      ),
      name: text().check(
        z.refine(notBlank, 'must not be empty'),
        z.refine((v) => v === v.trim(), 'must not start or end with spaces'),
        z.refine((v) => !v.includes('  '), 'must not contain two consecutive spaces'),
      ),
      gender: z.optional(z.enum(['M', 'F'], { error: expected('"M" or "F"') })),
      birthDate: z.optional(text().check(z.refine(isoDate, 'must be a date as YYYY-MM-DD'))),
      email: z.optional(z.email({ error: 'must be an e-mail address' })),
      phone: z.optional(
        text().check(
          z.regex(/^\d{10,15}$/, 'must be 10 to 15 digits: country code, area code and number, no "+"'),
        ),
      ),
      clientReference: z.optional(
        text().check(z.regex(/^\S{1,256}$/, 'must be 1 to 256 characters without spaces')),
      ),
    },
    { error: expected('an object') },
  );
  return z.strictObject(
    {
      subject,
      useCase: text().check(z.refine(notBlank, 'must not be empty')),
      // The kind, alphabet and size are checked by checkImage.
      imageBase64: text(),
      imageKind: z.optional(
        z.enum(['sdk-capture', 'plain-image'], { error: expected('"sdk-capture" or "plain-image"') }),
      ),
      subsidiaryId: z.optional(z.uuid({ error: 'must be a UUID' })),
    },
    { error: expected('an object') },
  );
});

/** The request body a caller gives to `createProcess`. */
export interface CreateProcessInput {
  /** The person being verified. */
  readonly subject: {
    /** CPF: 11 digits, or formatted as `ddd.ddd.ddd-dd` (normalised to digits before sending). */
    readonly code: string;
    /** Full name. */
    readonly name: string;
    /** `"M"` or `"F"`. */
    readonly gender?: 'M' | 'F' | undefined;
    /** `YYYY-MM-DD`. */
    readonly birthDate?: string | undefined;
    /** E-mail address. */
    readonly email?: string | undefined;
    /** Digits only: country code + area code + number, e.g. `5511974749090`. */
    readonly phone?: string | undefined;
    /** Your own id for the person (≤ 256 chars, no spaces); only for tenants with Multi Accounts. */
    readonly clientReference?: string | undefined;
  };
  /** Free text for segmentation, e.g. `"Onboarding"`. */
  readonly useCase: string;
  /** The capture SDK's `encrypted` value (sent unchanged), or a plain base64 PNG/JPEG/WebP of ≤ 800 KB. */
  readonly imageBase64: string;
  /** Overrides the detection (not sent): `'sdk-capture'` sends it unchecked, `'plain-image'` checks it. */
  readonly imageKind?: ImageKind | undefined;
  /** Branch id (UUID), only for service accounts with several branches. */
  readonly subsidiaryId?: string | undefined;
}

/** A validated request, ready to send. */
export interface PreparedRequest {
  /** JSON body, UTF-8. */
  readonly body: Uint8Array<ArrayBuffer>;
  readonly imageKind: ImageKind;
  /** Values of this call to scrub from any server text that ends up in an error. */
  readonly sensitive: readonly string[];
}

export type PrepareOutcome = { ok: true; request: PreparedRequest } | { ok: false; issues: FieldIssue[] };

/** Validates a CreateProcess input (every issue, by path, never the value) and builds the JSON body. */
export function prepareCreateProcess(input: unknown): PrepareOutcome {
  const parsed = inputSchema.safeParse(input);
  const issues: FieldIssue[] = parsed.success ? [] : parsed.error.issues.flatMap(toFieldIssues);
  const given = input as { imageBase64?: unknown; imageKind?: unknown } | null;
  const declared =
    given?.imageKind === 'sdk-capture' || given?.imageKind === 'plain-image' ? given.imageKind : undefined;
  const image = given?.imageBase64;
  const check = typeof image === 'string' ? checkImage(image, declared) : undefined;
  if (check !== undefined && !check.ok) issues.push({ path: 'imageBase64', message: check.message });
  if (!parsed.success || check === undefined || !check.ok) return { ok: false, issues };

  const { imageBase64, imageKind: _notSent, subject: person, ...rest } = parsed.data;
  // The only normalisation: a formatted CPF is sent as its digits (the checks above proved it is one).
  const subject = { ...person, code: normalizeCpf(person.code) ?? person.code };
  const { code, name, email, phone, clientReference } = subject;
  const sensitive = [code, name, email, phone, clientReference].filter((v) => v !== undefined);
  const body = bodyWith(JSON.stringify({ subject, ...rest }), imageBase64, check.kind);
  return { ok: true, request: { body, imageKind: check.kind, sensitive } };
}

// A character JSON must escape ('"', "\\", controls) or that is not ASCII.
const NEEDS_ESCAPING = /[^ !#-[\]-~]/;

// `head` plus `"imageBase64"`, spliced in as is when provably ASCII needing no escaping (base64, or
// a capture NEEDS_ESCAPING finds nothing in).
function bodyWith(head: string, image: string, kind: ImageKind): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const open = `${head.slice(0, -1)},"imageBase64":`;
  if (kind === 'sdk-capture' && NEEDS_ESCAPING.test(image)) {
    return encoder.encode(`${open}${JSON.stringify(image)}}`);
  }
  // One byte buffer: a 1 MB string costs undici a flatten and an encode per call (docs/performance.md).
  const prefix = encoder.encode(`${open}"`);
  const size = prefix.length + image.length + 2;
  const NodeBuffer = globalThis.Buffer;
  // On Node, not zero-filled (~0.4 ms for 1 MB; every byte is written below), and small bodies come
  // from Node's buffer pool (~1 µs less per 1 KB call than a buffer of their own).
  const body = NodeBuffer === undefined ? new Uint8Array(size) : NodeBuffer.allocUnsafe(size);
  body.set(prefix, 0);
  if (NodeBuffer === undefined) encoder.encodeInto(image, body.subarray(prefix.length));
  else (body as Buffer).write(image, prefix.length, 'latin1');
  body[size - 2] = 0x22; // "
  body[size - 1] = 0x7d; // }
  return body;
}

function toFieldIssues(issue: z.core.$ZodIssue): FieldIssue[] {
  const base = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: base === '' ? key : `${base}.${key}`,
      message: 'unknown field',
    }));
  }
  return [{ path: base, message: issue.message }];
}
