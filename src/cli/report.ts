import type { ResolvedEnvironment } from '../client/environment.js';
import type { Check } from './check.js';

/** What a doctor run found. */
export interface DoctorReport {
  /** No check failed (warnings allowed). */
  readonly ok: boolean;
  readonly environment?: ResolvedEnvironment;
  readonly checks: readonly Check[];
}

const LABEL = { ok: 'ok', warn: 'warn', fail: 'FAIL', skipped: '-' } as const;

/**
 * The report as a table: one row per check, the fix under every failure and warning.
 * @param report - what the run found
 * @returns the text, ending with a summary line
 */
export function formatTable(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const indent = ' '.repeat(width + 12);
  const lines = ['unico-idcloud doctor', ''];
  report.checks.forEach((check, i) => {
    lines.push(
      `${String(i + 1).padStart(2)}  ${check.name.padEnd(width)}  ${LABEL[check.status].padEnd(4)}  ${check.detail}`,
    );
    if (check.fix !== undefined) lines.push(`${indent}fix: ${check.fix}`);
  });
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push('', failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`);
  return `${lines.join('\n')}\n`;
}

/**
 * The report as JSON, for CI.
 * @param report - what the run found
 * @returns one JSON document
 */
export function formatJson(report: DoctorReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
