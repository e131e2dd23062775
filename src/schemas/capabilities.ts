/** The blocks richer API keys add to a process body (spec §4.1), decoded without ever throwing. */

/** A value Unico sent that is not documented today; `raw` is the value as received. */
export interface UndocumentedValue {
  /** Always `'unknown'`: the SDK did not recognise the value. */
  readonly value: 'unknown';
  /** The value exactly as Unico sent it. */
  readonly raw: unknown;
}

/**
 * Behavior Alert (`identityFraudsters.result`): `'fraud-signals'` ("yes": the face has been involved
 * in identity fraud), `'no-fraud-signals'` ("inconclusive": no such evidence; never a clean bill).
 */
export type BehaviorAlert =
  | {
      /** The alert, named for what it means. */
      readonly value: 'fraud-signals' | 'no-fraud-signals';
    }
  | UndocumentedValue;

/**
 * Serpro similarity (`government.serpro`): a `score` of 0–100 (higher is more similar), or the codes
 * -1 (`'no-face-on-file'`) and -2 (`'serpro-error'`: the integration failed), which are not scores.
 */
export type SerproSimilarity =
  | {
      /** A similarity score was returned. */
      readonly value: 'score';
      /** 0–100, higher is more similar. */
      readonly score: number;
    }
  | {
      /** One of the two documented codes that are not scores. */
      readonly value: 'no-face-on-file' | 'serpro-error';
    }
  | UndocumentedValue;

/** Risk Score (`score`): -100 to 100; positive points to the CPF holder, 0 is a capture error. */
export type RiskScore =
  | {
      /** A score was returned. */
      readonly value: 'score';
      /** -100 to 100. */
      readonly score: number;
    }
  | UndocumentedValue;

/** A flow-based key's verdict (`idCloud.result`), as Unico names it. */
export type FlowVerdict =
  | 'approved'
  | 'denied'
  | 'reproved'
  | 'critical-risk'
  | 'high-risk'
  | 'retry'
  | 'inconclusive';

/** Flow result (`idCloud.result`) of a flow-based key. */
export type FlowResult =
  | {
      /** The verdict, spelling normalised. */
      readonly value: FlowVerdict;
    }
  | UndocumentedValue;

/** Blocks of other capabilities on the key: each present only when Unico sent it. */
export interface CapabilityResults {
  /** Behavior Alert, from `identityFraudsters`. */
  readonly behaviorAlert?: BehaviorAlert;
  /** Serpro similarity, from `government.serpro`. */
  readonly serpro?: SerproSimilarity;
  /** Risk Score, from `score` (Risk Score orchestration, usually with an inconclusive identity). */
  readonly riskScore?: RiskScore;
  /** Flow result, from `idCloud` (flow-based keys). */
  readonly flowResult?: FlowResult;
}

// Each spelling of a verdict: the MX page's list of test CURPs spells two of them the other way round.
const FLOW_VERDICTS: ReadonlyMap<unknown, FlowVerdict> = new Map<unknown, FlowVerdict>([
  ['approved', 'approved'],
  ['denied', 'denied'],
  ['reproved', 'reproved'],
  ['critical-risk', 'critical-risk'],
  ['high-risk', 'high-risk'],
  ['retry', 'retry'],
  ['inconclusive', 'inconclusive'],
  ['risk-critical', 'critical-risk'],
  ['risk-high', 'high-risk'],
]);

/** The blocks present in a body, undocumented values as `'unknown'` with the raw value. */
export function capabilityResults(body: Readonly<Record<string, unknown>>): CapabilityResults {
  const found: { -readonly [K in keyof CapabilityResults]: CapabilityResults[K] } = {};
  if ('identityFraudsters' in body) {
    const { value, raw } = leaf(body['identityFraudsters'], 'result');
    if (value === 'yes') found.behaviorAlert = { value: 'fraud-signals' };
    else if (value === 'inconclusive') found.behaviorAlert = { value: 'no-fraud-signals' };
    else found.behaviorAlert = { value: 'unknown', raw };
  }
  const government = body['government'];
  if (typeof government === 'object' && government !== null && 'serpro' in government) {
    const raw = government.serpro;
    if (raw === -1) found.serpro = { value: 'no-face-on-file' };
    else if (raw === -2) found.serpro = { value: 'serpro-error' };
    else if (inRange(raw, 0, 100)) found.serpro = { value: 'score', score: raw };
    else found.serpro = { value: 'unknown', raw };
  }
  if ('score' in body) {
    const raw = body['score'];
    found.riskScore = inRange(raw, -100, 100) ? { value: 'score', score: raw } : { value: 'unknown', raw };
  }
  if ('idCloud' in body) {
    const { value, raw } = leaf(body['idCloud'], 'result');
    const verdict = FLOW_VERDICTS.get(value);
    found.flowResult = verdict === undefined ? { value: 'unknown', raw } : { value: verdict };
  }
  return found;
}

// Not an object: no value, and the whole block as `raw`.
function leaf(block: unknown, key: string): { value: unknown; raw: unknown } {
  if (typeof block !== 'object' || block === null || Array.isArray(block))
    return { value: undefined, raw: block };
  const value = (block as Record<string, unknown>)[key];
  return { value, raw: value };
}

function inRange(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}
