import { completeCpf } from '../internal/cpf.js';

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
        ['verified', '100000001', 'HTTP 200, status 3, unicoId "yes", no liveness field'],
        ['not-verified', '100000002', 'HTTP 200, status 3, unicoId "no", no liveness field'],
        [
          'inconclusive-liveness-passed',
          '100000003',
          'HTTP 200, status 3, unicoId "inconclusive", liveness 1',
        ],
        [
          'inconclusive-liveness-failed',
          '100000004',
          'HTTP 200, status 3, unicoId "inconclusive", liveness 2',
        ],
        ['process-error', '100000005', 'HTTP 200, status 5 (id and status only)'],
        ['processing', '100000006', 'HTTP 200, status 1 (not final: Risk Score orchestration)'],
        ['canceled', '100000007', 'HTTP 200, status 4 (not final for CreateProcess)'],
        ['rate-limited', '100000008', 'HTTP 429 with Retry-After: 1'],
        ['server-error', '100000009', 'HTTP 503 with an error body: the outcome is unknown'],
        ['cpf-not-found', '100000010', 'HTTP 400, code 20507 (valid check digits, no such person)'],
      ] as const
    ).map(([name, base, description]) => [name, { name, cpf: completeCpf(base), description }]),
  ) as Record<ScenarioName, Scenario>,
);

const BY_CPF = new Map(Object.values(SCENARIOS).map((s) => [s.cpf, s.name]));

/**
 * @param cpf - 11 digits
 * @returns the scenario the CPF selects (`verified` for any CPF not in {@link SCENARIOS})
 */
export function scenarioForCpf(cpf: string): ScenarioName {
  return BY_CPF.get(cpf) ?? 'verified';
}
