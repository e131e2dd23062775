/**
 * Wrapping recipe (docs/recipes/wrapping.md): an internal "acme-kyc" SDK over `IdCloudClient`
 * that pins company policy, maps verdicts to the company's own decision type, re-exports the error
 * guards instead of inventing new errors, and identifies itself in `User-Agent` with `appInfo`.
 *
 * In a real repository the part above "Local run" is the internal package's `src/index.ts`.
 *
 *   npx tsx examples/wrapping.ts
 */
import {
  type AdviceAction,
  type ClientOptions,
  IdCloudClient,
  IdCloudError,
  type ProcessResult,
  adviceFor as sdkAdviceFor,
  VERSION as UNICO_IDCLOUD_VERSION,
} from 'unico-idcloud';

// Re-exported, not wrapped: the caller keeps `code`, `requestId` and every field, and
// `IdCloudError.is` also recognises errors from a second copy of unico-idcloud in node_modules.
export type { AnyIdCloudError, IdCloudErrorCode } from 'unico-idcloud';
export { IdCloudError };

export const ACME_KYC_VERSION = '2.3.1';

/** The company's decision vocabulary: callers never see Unico's `kind`, `status` or `liveness`. */
export type KycOutcome = 'approved' | 'rejected' | 'recapture' | 'manual-review';

export interface KycDecision {
  readonly outcome: KycOutcome;
  /** Why, for audit logs. */
  readonly reason: string;
  /** Unico's process id: store it with the decision. */
  readonly processId: string;
  /** Sent to Unico as X-Request-Id; quote it to Unico support. */
  readonly requestId: string;
}

/** What callers configure: everything but the policy this package pins. */
export type AcmeKycOptions = Omit<ClientOptions, 'appInfo' | 'retryOutcomeUnknown'>;

/** What to do about an error, in the company's words. */
export type KycErrorAdvice = 'fix-input' | 'recapture' | 'retry-later' | 'page-on-call';

/**
 * Classifies an error thrown by {@link AcmeKyc.verify} (docs/errors.md).
 * @param err - anything caught
 * @returns the advice, or `undefined` when it is not an SDK error
 */
export function adviceFor(err: unknown): KycErrorAdvice | undefined {
  if (!IdCloudError.is(err)) return undefined;
  switch (err.code) {
    case 'ERR_INVALID_INPUT':
      return 'fix-input';
    case 'ERR_API':
      if (err.unicoCode === '10507' || err.unicoCode === '10508') return 'recapture';
      return err.httpStatus === 400 ? 'fix-input' : 'page-on-call';
    case 'ERR_OUTCOME_UNKNOWN':
    case 'ERR_ABORTED':
      return 'recapture';
    case 'ERR_RATE_LIMITED':
    case 'ERR_TIMEOUT':
    case 'ERR_NETWORK':
      return 'retry-later';
    case 'ERR_TOKEN':
    case 'ERR_INVALID_CONFIG':
    case 'ERR_INVALID_RESPONSE':
      return 'page-on-call';
  }
}

/** The internal SDK: one per service account, created at startup, closed at shutdown. */
export class AcmeKyc {
  readonly #client: IdCloudClient;

  /**
   * @param options - environment, service account, API key; tests pass `server.clientOptions()`
   * @throws InvalidConfigError (an {@link IdCloudError}) naming every bad option
   */
  constructor(options: AcmeKycOptions) {
    this.#client = new IdCloudClient({
      timeoutMs: 20_000, // company default, overridable
      ...options,
      // Company policy, not overridable: never risk a second billed process for one person.
      retryOutcomeUnknown: false,
      appInfo: { name: 'acme-kyc', version: ACME_KYC_VERSION },
    });
  }

  /**
   * Verifies a person against a capture from the capture SDK.
   * @param person - CPF and full name
   * @param capture - the capture SDK's `encrypted` string
   * @param options - cancellation and your correlation id
   * @returns the decision
   * @throws IdCloudError; classify it with {@link adviceFor}
   */
  async verify(
    person: { readonly cpf: string; readonly name: string },
    capture: string,
    options: { readonly signal?: AbortSignal; readonly requestId?: string } = {},
  ): Promise<KycDecision> {
    const result = await this.#client.createProcess(
      { subject: { code: person.cpf, name: person.name }, useCase: 'Onboarding', imageBase64: capture },
      { signal: options.signal, requestId: options.requestId },
    );
    return toDecision(result);
  }

  /** Closes the underlying client's connections. */
  close(): Promise<void> {
    return this.#client.close();
  }
}

/** Unico's guidance (`adviceFor`) in Acme's vocabulary. */
const OUTCOMES: Readonly<Record<AdviceAction, KycOutcome>> = {
  approve: 'approved',
  reprove: 'rejected',
  'retry-capture': 'recapture',
  'no-decision': 'manual-review',
};

function toDecision(result: ProcessResult): KycDecision {
  const { action, reason } = sdkAdviceFor(result);
  return { processId: result.id, requestId: result.requestId, outcome: OUTCOMES[action], reason };
}

// ---- Local run: how the internal SDK's own tests (and its users' tests) drive it ----

const { SCENARIOS, startEmulatorServer } = await import('unico-idcloud/testing');
const server = await startEmulatorServer();
const kyc = new AcmeKyc(server.clientOptions());

for (const scenario of ['verified', 'inconclusive-liveness-failed', 'process-error'] as const) {
  const decision = await kyc.verify(
    { cpf: SCENARIOS[scenario].cpf, name: 'Luke Skywalker' },
    server.emulator.createCapture(),
  );
  console.log(`${scenario.padEnd(30)} → ${decision.outcome.padEnd(10)} (${decision.reason})`);
}
try {
  await kyc.verify(
    { cpf: SCENARIOS['cpf-not-found'].cpf, name: 'Luke Skywalker' },
    server.emulator.createCapture(),
  );
} catch (err) {
  if (!IdCloudError.is(err)) throw err;
  console.log(`${'cpf-not-found'.padEnd(30)} → ${err.code} ${adviceFor(err)} (requestId ${err.requestId})`);
}
const userAgent = server.emulator.received.at(-1)?.headers['user-agent'];
console.log(`User-Agent seen by Unico: ${userAgent} (unico-idcloud ${UNICO_IDCLOUD_VERSION})`);

await kyc.close();
await server.close();
