import { parseArgs } from 'node:util';
import { VERSION } from '../version.js';
import { SETTINGS } from './config.js';
import { type DoctorOptions, runDoctor } from './doctor.js';
import { formatJson, formatTable } from './report.js';

const FLAGS = Object.values(SETTINGS).flatMap(({ flag }) => (flag === undefined ? [] : [flag]));

const USAGE = `Usage: unico-idcloud doctor [--json] [flags]

Checks a Unico IDCloud configuration in order — variables, environment, private key, the
assertion's claims, clock skew, a token, the APIKEY — and prints the fix for every failure.
Makes one token request and one GET of a made-up process id: no process is created.
Exits 1 if a check fails. Never prints the key, the token or the APIKEY.

Reads the variables of the demo; each flag overrides its variable:
${Object.values(SETTINGS)
  .map(({ variable, flag }) => `  ${variable.padEnd(24)} ${flag === undefined ? '' : `--${flag}`}`)
  .join('\n')}

UNICO_ENVIRONMENT is uat (default) or production. UNICO_API_BASE_URL and UNICO_TOKEN_URL select
custom endpoints (a proxy, the emulator); aud is then UNICO_AUDIENCE or the token URL's origin.
Prefer the UNICO_API_KEY variable to --api-key: flags show in the process list.
`;

/**
 * The `unico-idcloud` command.
 * @param argv - arguments after the command name
 * @param env - the process environment
 * @param write - where the output goes
 * @param overrides - transport and clock, for tests
 * @returns the exit code: 0 all passed, 1 a check failed, 2 a usage error
 */
export async function runCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  write: (text: string) => void,
  overrides: Omit<DoctorOptions, 'env' | 'flags'> = {},
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values['version']) {
    write(`${VERSION}\n`);
    return 0;
  }
  if (values['help'] || positionals[0] !== 'doctor' || positionals.length > 1) {
    write(USAGE);
    return values['help'] ? 0 : 2;
  }
  const flags: Record<string, string | undefined> = {};
  for (const flag of FLAGS) flags[flag] = values[flag] as string | undefined;
  const report = await runDoctor({ env, flags, ...overrides });
  write(values['json'] ? formatJson(report) : formatTable(report));
  return report.ok ? 0 : 1;
}

function parse(argv: readonly string[]) {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    json: { type: 'boolean' },
    help: { type: 'boolean' },
    version: { type: 'boolean' },
  };
  for (const flag of FLAGS) options[flag] = { type: 'string' };
  return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
}
