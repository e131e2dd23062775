/** Scenarios of keys with more capabilities than Liveness + Identity Verification. */
export type CapabilityScenario =
  | 'behavior-alert'
  | 'serpro-similarity'
  | 'serpro-no-face'
  | 'risk-score'
  | 'flow-result'
  | 'processing-then-completed'
  | 'processing-then-error';

/** One scenario of a richer key: the CPF that selects it and what the emulator answers. */
export interface CapabilityScenarioInfo {
  /** The scenario's name, its key in {@link CAPABILITY_SCENARIOS}. */
  readonly name: CapabilityScenario;
  /** A valid CPF (check digits correct) that selects this scenario. */
  readonly cpf: string;
  /** What the emulated API answers. */
  readonly description: string;
}

const THEN = 'GET answers status 1 `pollsBeforeFinal` times, then';

/** The scenarios of keys with Behavior Alert, Serpro, Risk Score or a flow, keyed by name. */
export const CAPABILITY_SCENARIOS: Readonly<Record<CapabilityScenario, CapabilityScenarioInfo>> =
  Object.freeze(
    Object.fromEntries(
      (
        [
          [
            'behavior-alert',
            '10000001171',
            'status 3, unicoId "inconclusive", identityFraudsters "yes", score -45',
          ],
          [
            'serpro-similarity',
            '10000001252',
            'status 3, unicoId "yes", identityFraudsters "inconclusive", serpro 87',
          ],
          ['serpro-no-face', '10000001333', 'status 3, unicoId "yes", government.serpro -1'],
          ['risk-score', '10000001414', 'status 3, unicoId "inconclusive", liveness 1, score 28'],
          ['flow-result', '10000001503', 'status 3, idCloud.result "reproved" (a flow-based key)'],
          [
            'processing-then-completed',
            '10000001686',
            `status 1 with Behavior Alert and Serpro; ${THEN} 3 with score 62`,
          ],
          ['processing-then-error', '10000001767', `status 1; ${THEN} 5`],
        ] as const
      ).map(([name, cpf, description]) => [name, { name, cpf, description: `HTTP 200, ${description}` }]),
    ) as Record<CapabilityScenario, CapabilityScenarioInfo>,
  );

/** What a scenario of a richer API key answers: the CreateProcess body, and what GET ends with. */
export interface CapabilityAnswer {
  readonly created: Record<string, unknown>;
  /** For a process created with status 1: the body GET answers after `pollsBeforeFinal` polls. */
  readonly final?: Record<string, unknown>;
}

/**
 * Bodies shaped like Unico's documented examples of keys with Behavior Alert, Serpro, Risk Score
 * or a flow (developer portal GET example, by Client Onboarding page, Postman collection, MX page).
 * @param scenario - the scenario played
 * @param liveness - the liveness value to report (always 1 for a plain image)
 * @returns the answer
 */
export function capabilityAnswer(
  scenario: CapabilityScenario,
  liveness: (value: 1 | 2) => 1 | 2,
): CapabilityAnswer {
  const inconclusive = { unicoId: { result: 'inconclusive' }, liveness: liveness(1) };
  const processing = {
    status: 1,
    ...inconclusive,
    identityFraudsters: { result: 'inconclusive' },
    government: { serpro: 50 },
  };
  switch (scenario) {
    case 'behavior-alert':
      return { created: { status: 3, ...inconclusive, identityFraudsters: { result: 'yes' }, score: -45 } };
    case 'serpro-similarity':
      return {
        created: {
          status: 3,
          unicoId: { result: 'yes' },
          identityFraudsters: { result: 'inconclusive' },
          government: { serpro: 87 },
          liveness: liveness(1),
        },
      };
    case 'serpro-no-face':
      return { created: { status: 3, unicoId: { result: 'yes' }, government: { serpro: -1 } } };
    case 'risk-score':
      return { created: { status: 3, ...inconclusive, score: 28 } };
    case 'flow-result':
      return { created: { status: 3, idCloud: { result: 'reproved' } } };
    case 'processing-then-completed':
      return { created: processing, final: { ...processing, status: 3, score: 62 } };
    case 'processing-then-error':
      return { created: processing, final: { status: 5 } };
  }
}
