import type { InconclusiveResult, Liveness, ProcessResult } from './schemas/response.js';

/** What Unico's guidance suggests doing with a result. */
export type AdviceAction = 'approve' | 'reprove' | 'retry-capture' | 'no-decision';

/** Unico's guidance for one result: an action and why (English, safe to log: no personal data). */
export interface Advice {
  /** The suggested action. */
  readonly action: AdviceAction;
  /** Why, in one sentence. */
  readonly reason: string;
}

const advice = (action: AdviceAction, reason: string): Advice => Object.freeze({ action, reason });

const INCONCLUSIVE: Readonly<Record<Liveness, Advice>> = {
  failed: advice('reprove', 'liveness declined'),
  passed: advice('retry-capture', 'a live person, identity undetermined: retry with a new capture'),
  'not-checked': advice(
    'no-decision',
    'identity undetermined and no liveness check ran (a plain image was sent)',
  ),
  unknown: advice('no-decision', 'identity undetermined and an undocumented liveness value: log raw'),
};

// Unico's rows for a live person of inconclusive identity, when a Risk Score (and Behavior Alert) came.
function riskAdvice(result: InconclusiveResult): Advice | undefined {
  const score = result.riskScore?.value === 'score' ? result.riskScore.score : undefined;
  if (score === undefined) return undefined;
  if (result.behaviorAlert?.value === 'fraud-signals' && score <= 0)
    return advice('reprove', 'Behavior Alert found fraud signals and the Risk Score is not positive');
  if (score < 0) return advice('reprove', 'identity undetermined and a negative Risk Score');
  if (score === 0)
    return advice('retry-capture', 'a Risk Score of 0 is a capture error (the CPF may be wrong): retry');
  return undefined;
}

/**
 * Unico's decision guidance for a result (docs/results.md, row for row, tied by a test). Guidance,
 * not a business rule: `if (adviceFor(result).action === 'approve') approve();`
 */
export function adviceFor(result: ProcessResult): Advice {
  switch (result.kind) {
    case 'verified':
      return result.livenessChecked
        ? advice('approve', 'the face belongs to the CPF holder, liveness included')
        : advice(
            'no-decision',
            'the face belongs to the CPF holder, but no liveness check ran (a plain image was sent)',
          );
    case 'not-verified':
      return advice('reprove', 'the face does not belong to the CPF holder');
    case 'inconclusive':
      return result.liveness === 'passed'
        ? (riskAdvice(result) ?? INCONCLUSIVE.passed)
        : INCONCLUSIVE[result.liveness];
    case 'process-error':
      return advice(
        'retry-capture',
        'Unico could not process it; the capture is consumed: ask for a new one',
      );
    case 'not-final':
      return advice('no-decision', 'no final verdict (status 1 and 2 come with Risk Score, 4 is canceled)');
    case 'unrecognized':
      return advice('no-decision', 'an undocumented identity result: log raw and contact Unico');
  }
}
