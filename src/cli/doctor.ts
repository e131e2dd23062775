import type { Transport } from '../http/transport.js';
import { createUndiciTransport } from '../http/undici.js';
import { type Check, skipped } from './check.js';
import { checkEnvironment, checkVariables, readSettings } from './config.js';
import { checkAssertion, checkPrivateKey } from './key-checks.js';
import { checkApiKey, checkToken } from './remote-checks.js';
import type { DoctorReport } from './report.js';

/** Inputs of a doctor run; tests pass their own transport and clock. */
export interface DoctorOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags?: Readonly<Record<string, string | undefined>>;
  readonly transport?: Transport;
  /** Local clock, epoch ms. @default Date.now */
  readonly now?: () => number;
}

const ORDER = ['variables', 'environment', 'private key', 'assertion', 'clock', 'token', 'API key'];

/**
 * Runs every check in order; a failed check skips those that need it.
 * @param options - variables, flags, transport and clock
 * @returns the report
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const settings = readSettings(options.env, options.flags ?? {});
  const now = options.now ?? Date.now;
  const checks: Check[] = [];
  const done = (): DoctorReport => {
    for (const name of ORDER.slice(checks.length)) checks.push(skipped(name, failedName(checks)));
    return { ok: checks.every((c) => c.status !== 'fail'), ...(environment ? { environment } : {}), checks };
  };

  const variables = checkVariables(settings);
  const { check: envCheck, environment } = checkEnvironment(settings);
  checks.push(variables.check, envCheck);
  const credentials = variables.credentials;
  if (credentials === undefined || environment === undefined) {
    // The key can be checked without the others.
    if (settings.privateKey ?? settings.privateKeyFile) {
      const from = settings.privateKeyFile ? 'UNICO_PRIVATE_KEY_FILE' : 'UNICO_PRIVATE_KEY';
      checks.push(
        (await checkPrivateKey({ from, value: (settings.privateKeyFile ?? settings.privateKey) as string }))
          .check,
      );
    }
    return done();
  }
  const key = await checkPrivateKey(credentials.privateKey);
  checks.push(key.check);
  if (key.key === undefined) return done();
  const signed = await checkAssertion(credentials, environment, key.key, now());
  checks.push(signed.check);
  if (signed.assertion === undefined) return done();

  const transport = options.transport ?? createUndiciTransport();
  try {
    const token = await checkToken(transport, environment, signed.assertion, now);
    checks.push(...token.checks);
    if (token.token === undefined) return done();
    checks.push(await checkApiKey(transport, environment, token.token, credentials.apiKey));
    return done();
  } finally {
    if (options.transport === undefined) await transport.close?.();
  }
}

function failedName(checks: readonly Check[]): string {
  return [...checks].reverse().find((c) => c.status === 'fail')?.name ?? 'an earlier check';
}
