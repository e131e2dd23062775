// Type-checked (never run) inside throwaway projects that installed the packed tarball, with
// `moduleResolution` node16, bundler and node10, by the repository's own tsc. Written like an
// application: a decision from `result.kind`, a reaction to each error `code`.
import {
  type Advice,
  type AdviceAction,
  type AnyIdCloudError,
  adviceFor,
  type CreateProcessInput,
  IdCloudClient,
  IdCloudError,
  type ProcessResult,
} from 'unico-idcloud';
import { SCENARIOS, startEmulatorServer } from 'unico-idcloud/testing';

type Decision =
  | { readonly action: 'approve' | 'reprove'; readonly processId: string }
  | { readonly action: 'retry-capture' | 'review'; readonly reason: string };

export function decide(result: ProcessResult): Decision {
  switch (result.kind) {
    case 'verified':
      // Optional: present only when Unico sent the field ("yes" includes liveness).
      if (result.liveness === 'failed') return { action: 'review', reason: 'yes, with liveness failed' };
      return result.livenessChecked
        ? { action: 'approve', processId: result.id }
        : { action: 'review', reason: 'identity only: a plain image was sent' };
    case 'not-verified':
      return { action: 'reprove', processId: result.id };
    case 'inconclusive': {
      const liveness: 'passed' | 'failed' | 'not-checked' | 'unknown' = result.liveness;
      return liveness === 'failed'
        ? { action: 'reprove', processId: result.id }
        : { action: 'retry-capture', reason: `inconclusive, liveness ${liveness}` };
    }
    case 'process-error':
      // @ts-expect-error livenessChecked is only on status-3 kinds
      result.livenessChecked;
      return { action: 'retry-capture', reason: `process ${result.id} failed (status ${result.status})` };
    case 'not-final':
    case 'unrecognized':
      return { action: 'review', reason: `no verdict yet (status ${result.status})` };
    default: {
      const exhaustive: never = result;
      return exhaustive;
    }
  }
}

export function tamper(advice: Advice): void {
  // @ts-expect-error the advice is read-only
  advice.action = 'approve';
}

/** Unico's guidance, mapped onto this application's own decisions. */
export function advise(result: ProcessResult): 'ok' | 'no' | 'again' | 'human' {
  const advice: Advice = adviceFor(result);
  const reason: string = advice.reason;
  const action: AdviceAction = advice.action;
  switch (action) {
    case 'approve':
      return 'ok';
    case 'reprove':
      return 'no';
    case 'retry-capture':
      return reason === '' ? 'human' : 'again';
    case 'no-decision':
      return 'human';
    default: {
      const exhaustive: never = action;
      return exhaustive;
    }
  }
}

export function describe(err: AnyIdCloudError): string {
  switch (err.code) {
    case 'ERR_INVALID_CONFIG':
    case 'ERR_INVALID_INPUT':
      return err.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    case 'ERR_TOKEN':
      return `token refused (${err.reason}, Unico code ${err.unicoCode ?? 'none'})`;
    case 'ERR_API':
      return `rejected: HTTP ${err.httpStatus}, Unico code ${err.unicoCode ?? 'none'}`;
    case 'ERR_RATE_LIMITED':
      return `retry in ${err.retryAfterMs} ms`;
    case 'ERR_OUTCOME_UNKNOWN':
      return `reconcile before retrying (${err.reason}, HTTP ${err.httpStatus ?? 'none'})`;
    case 'ERR_TIMEOUT':
      return `timed out after ${err.timeoutMs} ms`;
    case 'ERR_ABORTED':
      return err.requestSent ? 'aborted after sending' : 'aborted';
    case 'ERR_NETWORK':
      // @ts-expect-error a network error has no HTTP status
      return `unreachable (${err.httpStatus})`;
    case 'ERR_INVALID_RESPONSE':
      return `unexpected HTTP ${err.httpStatus} body`;
    case 'ERR_CLIENT_CLOSED':
      return 'client closed';
    default: {
      const exhaustive: never = err;
      return exhaustive;
    }
  }
}

export async function main(): Promise<void> {
  const server = await startEmulatorServer();
  const client = new IdCloudClient(server.clientOptions({ timeoutMs: 10_000 }));
  const input: CreateProcessInput = {
    subject: { code: SCENARIOS['inconclusive-liveness-passed'].cpf, name: 'Luke Skywalker' },
    useCase: 'Onboarding',
    imageBase64: server.emulator.createCapture(),
  };
  try {
    const decision = decide(await client.createProcess(input, { requestId: 'order-42' }));
    if ('processId' in decision) process.stdout.write(`${decision.action} ${decision.processId}\n`);
  } catch (err) {
    if (!IdCloudError.is(err)) throw err;
    process.stderr.write(`${err.code}: ${describe(err)} (request ${err.requestId ?? 'none'})\n`);
  } finally {
    await client.close();
    await server.close();
  }
}
