// Narrowing on `result.kind`: each kind carries exactly the fields its status allows.
import type {
  IdCloudClient,
  InconclusiveResult,
  Liveness,
  NotFinalResult,
  NotVerifiedResult,
  ProcessErrorResult,
  ProcessResult,
  UnrecognizedResult,
  VerifiedResult,
} from 'unico-idcloud';
import { type Equal, expectTrue } from './assert.js';

declare const client: IdCloudClient;
declare const result: ProcessResult;

expectTrue<Equal<Awaited<ReturnType<IdCloudClient['createProcess']>>, ProcessResult>>();
expectTrue<
  Equal<
    ProcessResult['kind'],
    'verified' | 'not-verified' | 'inconclusive' | 'process-error' | 'not-final' | 'unrecognized'
  >
>();
expectTrue<Equal<Liveness, 'passed' | 'failed' | 'not-checked' | 'unknown'>>();

// Fields every result has.
expectTrue<Equal<ProcessResult['id'], string>>();
expectTrue<Equal<ProcessResult['status'], number>>();
expectTrue<Equal<ProcessResult['requestId'], string>>();
expectTrue<Equal<ProcessResult['raw'], Readonly<Record<string, unknown>>>>();
// @ts-expect-error raw is frozen: read-only
result.raw['id'] = 'x';
// @ts-expect-error liveness exists only after narrowing to a kind that has it
result.liveness;
// @ts-expect-error livenessChecked exists only after narrowing to a status-3 kind
result.livenessChecked;

switch (result.kind) {
  case 'verified':
    expectTrue<Equal<typeof result, VerifiedResult>>();
    expectTrue<Equal<typeof result.status, 3>>();
    expectTrue<Equal<typeof result.livenessChecked, boolean>>();
    // "yes" includes liveness; the field is there only when Unico sent one anyway (spec §9.1).
    expectTrue<Equal<typeof result.liveness, Liveness | undefined>>();
    break;
  case 'not-verified':
    expectTrue<Equal<typeof result, NotVerifiedResult>>();
    expectTrue<Equal<typeof result.status, 3>>();
    expectTrue<Equal<typeof result.livenessChecked, boolean>>();
    // Optional: present only when Unico sent it.
    expectTrue<Equal<typeof result.liveness, Liveness | undefined>>();
    break;
  case 'inconclusive':
    expectTrue<Equal<typeof result, InconclusiveResult>>();
    expectTrue<Equal<typeof result.status, 3>>();
    expectTrue<Equal<typeof result.livenessChecked, boolean>>();
    // Always present on inconclusive: it decides between reprove and retry.
    expectTrue<Equal<typeof result.liveness, Liveness>>();
    break;
  case 'process-error':
    expectTrue<Equal<typeof result, ProcessErrorResult>>();
    expectTrue<Equal<typeof result.status, 5>>();
    // @ts-expect-error no verdict, so no liveness
    result.liveness;
    // @ts-expect-error livenessChecked is only on status-3 kinds
    result.livenessChecked;
    break;
  case 'not-final':
    expectTrue<Equal<typeof result, NotFinalResult>>();
    expectTrue<Equal<typeof result.status, number>>();
    // @ts-expect-error no verdict, so no liveness
    result.liveness;
    // @ts-expect-error livenessChecked is only on status-3 kinds
    result.livenessChecked;
    break;
  case 'unrecognized':
    expectTrue<Equal<typeof result, UnrecognizedResult>>();
    expectTrue<Equal<typeof result.status, 3>>();
    // @ts-expect-error no readable verdict, so no liveness
    result.liveness;
    // @ts-expect-error livenessChecked is only on the three status-3 kinds with a verdict
    result.livenessChecked;
    break;
  default:
    // Exhaustive: a new kind must be added to this test (and to callers' switches).
    expectTrue<Equal<typeof result, never>>();
}

// @ts-expect-error not a kind
if (result.kind === 'approved') result.id;

export async function decide(): Promise<'approve' | 'reprove' | 'retry' | 'wait'> {
  const r = await client.createProcess({ subject: { code: '1', name: 'n' }, useCase: 'u', imageBase64: 'i' });
  if (r.kind === 'verified') return r.livenessChecked ? 'approve' : 'wait';
  if (r.kind === 'inconclusive') return r.liveness === 'failed' ? 'reprove' : 'retry';
  if (r.kind === 'not-verified') return 'reprove';
  return r.kind === 'process-error' ? 'retry' : 'wait';
}
