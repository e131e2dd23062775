import { z } from 'zod';
import type { FieldIssue } from '../errors.js';
import { isValidCpf, normalizeCpf } from '../internal/cpf.js';
import { checkImage, type ImageKind } from '../internal/image.js';

// Runs with the raw issue, which still carries the input: tells "missing" from "wrong type".
const expected =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${what}`;
const text = () => z.string({ error: expected('a string') });

const isoDate = (value: string): boolean => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().startsWith(value);
};

const cpf = text().transform((value, ctx) => {
  const digits = normalizeCpf(value);
  if (digits === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a CPF: 11 digits, or formatted as 000.000.000-00' });
    return z.NEVER;
  }
  if (!isValidCpf(digits)) {
    ctx.addIssue({ code: 'custom', message: 'is not a valid CPF (check digits do not match)' });
    return z.NEVER;
  }
  return digits;
});

const subjectSchema = z.strictObject(
  {
    code: cpf,
    name: text()
      .refine((v) => v.trim().length > 0, 'must not be empty')
      .refine((v) => v === v.trim(), 'must not start or end with spaces')
      .refine((v) => !v.includes('  '), 'must not contain two consecutive spaces'),
    gender: z.enum(['M', 'F'], { error: expected('"M" or "F"') }).optional(),
    birthDate: text().refine(isoDate, 'must be a date as YYYY-MM-DD').optional(),
    email: z.email({ error: 'must be an e-mail address' }).optional(),
    phone: text()
      .regex(/^\d{10,15}$/, 'must be 10 to 15 digits: country code, area code and number, no "+"')
      .optional(),
    clientReference: text()
      .regex(/^\S{1,256}$/, 'must be 1 to 256 characters without spaces')
      .optional(),
  },
  { error: expected('an object') },
);

const inputSchema = z.strictObject(
  {
    subject: subjectSchema,
    useCase: text().refine((v) => v.trim().length > 0, 'must not be empty'),
    imageBase64: text(),
    subsidiaryId: z.uuid({ error: 'must be a UUID' }).optional(),
  },
  { error: expected('an object') },
);

/** The request body a caller gives to `createProcess`. */
export interface CreateProcessInput {
  /** The person being verified. */
  readonly subject: {
    /** CPF: 11 digits, or `000.000.000-00` (normalised to digits before sending). */
    readonly code: string;
    /** Full name. */
    readonly name: string;
    /** `"M"` or `"F"`. */
    readonly gender?: 'M' | 'F' | undefined;
    /** `YYYY-MM-DD`. */
    readonly birthDate?: string | undefined;
    readonly email?: string | undefined;
    /** Digits only: country code + area code + number, e.g. `5511974749090`. */
    readonly phone?: string | undefined;
    /** Your own id for the person (≤ 256 chars, no spaces); only for tenants with Multi Accounts. */
    readonly clientReference?: string | undefined;
  };
  /** Free text for segmentation, e.g. `"Onboarding"`. */
  readonly useCase: string;
  /**
   * The capture SDK's `encrypted` value (needed for liveness), or a plain base64 PNG/JPEG/WebP
   * (≤ 800 KB decoded, no `data:` prefix; identity verification only, liveness is not checked).
   */
  readonly imageBase64: string;
  /** Branch id (UUID), only for service accounts with several branches. */
  readonly subsidiaryId?: string | undefined;
}

/** A validated request, ready to send. */
export interface PreparedRequest {
  /** JSON body. */
  readonly body: string;
  readonly imageKind: ImageKind;
  /** Values of this call to scrub from any server text that ends up in an error. */
  readonly sensitive: readonly string[];
}

export type PrepareOutcome = { ok: true; request: PreparedRequest } | { ok: false; issues: FieldIssue[] };

/**
 * Validates a CreateProcess input and builds the JSON body. Every problem is reported, with its
 * field path and without the offending value.
 * @param input - what the caller passed
 * @returns the prepared request or the list of issues
 */
export function prepareCreateProcess(input: unknown): PrepareOutcome {
  const parsed = inputSchema.safeParse(input);
  const issues: FieldIssue[] = parsed.success ? [] : parsed.error.issues.flatMap(toFieldIssues);
  const image = (input as { imageBase64?: unknown } | null)?.imageBase64;
  const check = typeof image === 'string' ? checkImage(image) : undefined;
  if (check !== undefined && !check.ok) issues.push({ path: 'imageBase64', message: check.message });
  if (!parsed.success || check === undefined || !check.ok || issues.length > 0) return { ok: false, issues };

  const { imageBase64, subject, ...rest } = parsed.data;
  // The image was proven to hold only base64/JWT characters, which need no JSON escaping, so it
  // is spliced in rather than run through JSON.stringify a second time.
  const head = JSON.stringify({ subject, ...rest });
  const body = `${head.slice(0, -1)},"imageBase64":"${imageBase64}"}`;
  const sensitive = [
    subject.code,
    subject.name,
    subject.email,
    subject.phone,
    subject.clientReference,
  ].filter((v): v is string => v !== undefined);
  return { ok: true, request: { body, imageKind: check.kind, sensitive } };
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
