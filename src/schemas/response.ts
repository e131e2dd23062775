import * as z from 'zod/mini';
import type { FieldIssue } from '../errors.js';
import type { ImageKind } from '../internal/image.js';
import { type CapabilityResults, capabilityResults } from './capabilities.js';
import { lazy } from './lazy.js';

// Only the envelope is required: unknown fields and values must never make a verdict throw.
const processBodySchema = lazy(() =>
  z.looseObject({
    id: z.string().check(z.minLength(1)),
    status: z.number().check(z.int()),
    unicoId: z.catch(z.optional(z.looseObject({ result: z.unknown() })), undefined),
    liveness: z.optional(z.unknown()),
  }),
);

/** `'not-checked'`: a plain image was sent, no liveness check ran (spec §3.3); `'unknown'`: undocumented. */
export type Liveness = 'passed' | 'failed' | 'not-checked' | 'unknown';

interface ResultBase extends CapabilityResults {
  /** Unico's process id: log it, use it for `GET /processes/v1/{id}` and support. */
  readonly id: string;
  /** Unico's process status as received. */
  readonly status: number;
  /** Client-generated id of the call (sent as `X-Request-Id`). */
  readonly requestId: string;
  /** The response body exactly as received, unknown fields included (frozen). */
  readonly raw: Readonly<Record<string, unknown>>;
}

interface CompletedBase extends ResultBase {
  readonly status: 3;
  /** True for the capture SDK's payload (a liveness verdict is in the result), false for a plain image. */
  readonly livenessChecked: boolean;
}

/** Status 3, `unicoId.result = "yes"`: the face belongs to the CPF holder (liveness included when checked). */
export interface VerifiedResult extends CompletedBase {
  /** Discriminant: the face belongs to the CPF holder. */
  readonly kind: 'verified';
  /** Present only when Unico sent a `liveness` field (usually absent: "yes" includes liveness). */
  readonly liveness?: Liveness;
}

/** Status 3, `unicoId.result = "no"`: the face does not belong to the CPF holder. */
export interface NotVerifiedResult extends CompletedBase {
  /** Discriminant: the face does not belong to the CPF holder. */
  readonly kind: 'not-verified';
  /** Present only when Unico sent a `liveness` field (usually absent for `no`). */
  readonly liveness?: Liveness;
}

/** Status 3, `unicoId.result = "inconclusive"`: not enough evidence; see `liveness`. */
export interface InconclusiveResult extends CompletedBase {
  /** Discriminant: no identity verdict; `liveness` decides what to do. */
  readonly kind: 'inconclusive';
  /** `'failed'`: reprove. `'passed'` (live person, identity undetermined): retry with a new capture. */
  readonly liveness: Liveness;
}

/** Status 5: processing failed. Unico's advice: retry with a new capture (the old one is consumed). */
export interface ProcessErrorResult extends ResultBase {
  /** Discriminant: processing failed (status 5). */
  readonly kind: 'process-error';
  readonly status: 5;
}

/** Any other status (1 processing, 2 divergence, 4 canceled, or one not documented today): no verdict. */
export interface NotFinalResult extends ResultBase {
  /** Discriminant: the process has no final verdict (any status but 3 and 5). */
  readonly kind: 'not-final';
}

/** Status 3 without a readable `unicoId.result` (missing, or a value not documented today): no verdict. */
export interface UnrecognizedResult extends ResultBase {
  /** Discriminant: status 3 without a verdict this SDK can read. */
  readonly kind: 'unrecognized';
  readonly status: 3;
}

/** The decoded outcome of CreateProcess. Switch on `kind`. */
export type ProcessResult =
  | VerifiedResult
  | NotVerifiedResult
  | InconclusiveResult
  | ProcessErrorResult
  | NotFinalResult
  | UnrecognizedResult;

export type DecodeOutcome = { ok: true; result: ProcessResult } | { ok: false; issues: FieldIssue[] };

/** A 2xx JSON body as a {@link ProcessResult}; `imageKind` decides whether liveness was checked. */
export function decodeProcessBody(json: unknown, imageKind: ImageKind, requestId: string): DecodeOutcome {
  const parsed = processBodySchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map(({ path }) => ({
      path: path.map(String).join('.'),
      message: path.length === 0 ? 'body is not a JSON object' : 'is missing or has the wrong type',
    }));
    return { ok: false, issues };
  }
  const body = parsed.data;
  const raw = deepFreeze(json as Record<string, unknown>);
  const base = { id: body.id, requestId, raw, ...capabilityResults(raw) };
  if (body.status === 5) return { ok: true, result: { ...base, kind: 'process-error', status: 5 } };
  if (body.status !== 3) return { ok: true, result: { ...base, kind: 'not-final', status: body.status } };

  const livenessChecked = imageKind === 'sdk-capture';
  const completed = { ...base, status: 3 as const, livenessChecked };
  const liveness = livenessChecked ? (LIVENESS.get(body.liveness) ?? 'unknown') : 'not-checked';
  const verdict = body.unicoId?.result;
  if (verdict === 'inconclusive')
    return { ok: true, result: { ...completed, kind: 'inconclusive', liveness } };
  if (verdict !== 'yes' && verdict !== 'no')
    return { ok: true, result: { ...base, kind: 'unrecognized', status: 3 } };
  const kind = verdict === 'yes' ? 'verified' : 'not-verified';
  // Liveness is optional on "yes" and "no": present only when Unico sent it.
  const sent = body.liveness === undefined ? {} : { liveness };
  return { ok: true, result: { ...completed, kind, ...sent } };
}

const LIVENESS = new Map<unknown, Liveness>([
  [1, 'passed'],
  [2, 'failed'],
]);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Unico's code (as a string) and text from an error body of any shape (spec §5.1). */
export function decodeApiError(json: unknown): { code: string | undefined; text: string | undefined } {
  // `Object()` of anything but an object is an object without these fields.
  const { code, description, message } = Object(Object(json).error) as Record<string, unknown>;
  const text = [description, message].find((v): v is string => typeof v === 'string');
  return { code: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined, text };
}
