import { CAPABILITY_SCENARIOS, type CapabilityScenario } from './capability-scenarios.js';

/** Names of the scenarios the emulator plays, chosen by the CPF sent in `subject.code`. */
export type ScenarioName =
  | 'verified'
  | 'not-verified'
  | 'inconclusive-liveness-passed'
  | 'inconclusive-liveness-failed'
  | 'process-error'
  | 'processing'
  | 'canceled'
  | 'rate-limited'
  | 'server-error'
  | 'cpf-not-found';

/** One scenario: the CPF that triggers it and what the emulator answers. */
export interface Scenario {
  /** The scenario's name, its key in {@link SCENARIOS}. */
  readonly name: ScenarioName;
  /** A valid CPF (check digits correct) that selects this scenario. */
  readonly cpf: string;
  /** What the emulated API answers. */
  readonly description: string;
}

/**
 * Every scenario, keyed by name. Any other valid CPF plays `verified`.
 *
 * With a plain image instead of an SDK capture, a `liveness` field is always `1` (Unico runs no
 * liveness check), as the real API documents.
 */
export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = Object.freeze(
  Object.fromEntries(
    (
      [
        ['verified', '10000000108', 'HTTP 200, status 3, unicoId "yes", no liveness field'],
        ['not-verified', '10000000280', 'HTTP 200, status 3, unicoId "no", no liveness field'],
        [
          'inconclusive-liveness-passed',
          '10000000361',
          'HTTP 200, status 3, unicoId "inconclusive", liveness 1',
        ],
        [
          'inconclusive-liveness-failed',
          '10000000442',
          'HTTP 200, status 3, unicoId "inconclusive", liveness 2',
        ],
        ['process-error', '10000000523', 'HTTP 200, status 5 (id and status only)'],
        ['processing', '10000000604', 'HTTP 200, status 1 (not final: Risk Score orchestration)'],
        ['canceled', '10000000795', 'HTTP 200, status 4 (not final for CreateProcess)'],
        ['rate-limited', '10000000876', 'HTTP 429 with Retry-After: 1 (see `retryAfterSeconds`)'],
        ['server-error', '10000000957', 'HTTP 503 with an error body: the outcome is unknown'],
        ['cpf-not-found', '10000001090', 'HTTP 400, code 20507 (valid check digits, no such person)'],
      ] as const
    ).map(([name, cpf, description]) => [name, { name, cpf, description }]),
  ) as Record<ScenarioName, Scenario>,
);

const BY_CPF = new Map<string, ScenarioName | CapabilityScenario>(
  [...Object.values(SCENARIOS), ...Object.values(CAPABILITY_SCENARIOS)].map((s) => [s.cpf, s.name]),
);

/**
 * @param cpf - 11 digits
 * @returns the scenario the CPF selects (`verified` for any CPF in neither {@link SCENARIOS} nor
 *   {@link CAPABILITY_SCENARIOS})
 */
export function scenarioForCpf(cpf: string): ScenarioName | CapabilityScenario {
  return BY_CPF.get(cpf) ?? 'verified';
}
