/** The outcome of one doctor check. `warn` does not fail the run; `skipped` follows a failure. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One row of the doctor's table. Never holds a secret: no key, token or APIKEY, not even masked. */
export interface Check {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do, for `fail` and `warn`. */
  readonly fix?: string;
}

export const ok = (name: string, detail: string): Check => ({ name, status: 'ok', detail });
export const warn = (name: string, detail: string, fix: string): Check => ({
  name,
  status: 'warn',
  detail,
  fix,
});
export const fail = (name: string, detail: string, fix: string): Check => ({
  name,
  status: 'fail',
  detail,
  fix,
});
export const skipped = (name: string, after: string): Check => ({
  name,
  status: 'skipped',
  detail: `not run: ${after} failed`,
});
