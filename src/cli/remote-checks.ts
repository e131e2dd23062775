import { randomUUID } from 'node:crypto';
import { exchangeAssertion } from '../auth/token-exchange.js';
import type { ResolvedEnvironment } from '../client/environment.js';
import type { Transport } from '../http/transport.js';
import { type Check, fail, ok, skipped, warn } from './check.js';
import { MIXED_ENVIRONMENT_CODES, MIXED_ENVIRONMENT_HINT, TOKEN_CODES } from './token-codes.js';

const REQUEST_TIMEOUT_MS = 15_000;
const MAX_SKEW_MS = 30_000;

/**
 * Checks 5 and 6: one token request. Its `Date` header gives the clock check; its answer the
 * token check. One request per run: rejected assertions count toward Unico's lock-out (1.2.18).
 * @param transport - HTTP transport
 * @param environment - token URL and audience
 * @param assertion - a freshly signed assertion
 * @param clock - the local clock, epoch ms
 * @returns the two checks and the token, when issued
 */
export async function checkToken(
  transport: Transport,
  environment: ResolvedEnvironment,
  assertion: string,
  clock: () => number,
): Promise<{ checks: [Check, Check]; token?: string }> {
  const sent = clock();
  let outcome: Awaited<ReturnType<typeof exchangeAssertion>>;
  try {
    outcome = await exchangeAssertion(
      transport,
      environment.tokenUrl,
      assertion,
      AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    );
  } catch (err) {
    const why = err instanceof Error ? err.message : 'unknown';
    return {
      checks: [
        fail(
          'clock',
          `token host unreachable (${why})`,
          'check the token URL, DNS, firewall or proxy (HTTPS_PROXY)',
        ),
        skipped('token', 'clock'),
      ],
    };
  }
  const local = (sent + clock()) / 2;
  return {
    checks: [clockCheck(outcome.serverDateMs, local), tokenCheck(outcome, environment)],
    ...(outcome.ok ? { token: outcome.token.accessToken } : {}),
  };
}

function clockCheck(serverDateMs: number | undefined, localMs: number): Check {
  if (serverDateMs === undefined)
    return warn('clock', 'the token host sent no Date header', 'none needed if the token check passes');
  // Date is truncated to the second: its true value is, on average, half a second later.
  const skew = Math.round((localMs - serverDateMs - 500) / 1000);
  const said =
    skew === 0
      ? 'in step with the token host'
      : `${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} the token host`;
  if (Math.abs(skew) * 1000 <= MAX_SKEW_MS) return ok('clock', `local clock ${said}`);
  return fail(
    'clock',
    `local clock ${said}`,
    'synchronise the clock (NTP): Unico checks iat and exp against its own',
  );
}

function tokenCheck(
  outcome: Awaited<ReturnType<typeof exchangeAssertion>>,
  environment: ResolvedEnvironment,
): Check {
  if (outcome.ok) return ok('token', `issued, valid for ${outcome.token.lifetimeSeconds} s`);
  const { httpStatus, unicoCode } = outcome.error;
  const status = httpStatus === undefined ? '' : `HTTP ${httpStatus}`;
  const known = unicoCode === undefined ? undefined : TOKEN_CODES[unicoCode];
  if (known === undefined) {
    const detail = `${status}, ${unicoCode === undefined ? 'no Unico code' : `Unico code ${unicoCode}`}`;
    return fail(
      'token',
      `refused (${detail})`,
      'is the token URL Unico’s? A proxy or a wrong URL answers without a 1.x.x code',
    );
  }
  const [meaning, fix] = known;
  const host = new URL(environment.tokenUrl).origin;
  const aud =
    unicoCode === '1.2.5' ? ` (this run sent aud ${environment.audience}; the token host is ${host})` : '';
  const hint = MIXED_ENVIRONMENT_CODES.has(unicoCode as string) ? `; ${MIXED_ENVIRONMENT_HINT}` : '';
  return fail('token', `refused (${status}, Unico code ${unicoCode}): ${meaning}`, `${fix}${aud}${hint}`);
}

const API = 'API key';
const INFERENCE = 'an inference from the API contract, which checks credentials before it looks an id up';

/**
 * Check 7: the token and the APIKEY against the API without creating a (billable) process:
 * `GET /processes/v1/<random uuid>`. 404 means both were accepted; 401 points at the token, 403 at
 * the APIKEY.
 * @param transport - HTTP transport
 * @param environment - the API base URL
 * @param token - the access token just issued
 * @param apiKey - the APIKEY
 * @returns the check
 */
export async function checkApiKey(
  transport: Transport,
  environment: ResolvedEnvironment,
  token: string,
  apiKey: string,
): Promise<Check> {
  let status: number;
  let code: string | undefined;
  try {
    const res = await transport.request({
      method: 'GET',
      url: `${environment.apiBaseUrl}/processes/v1/${randomUUID()}`,
      headers: { authorization: `Bearer ${token}`, apikey: apiKey, accept: 'application/json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      maxResponseBytes: 64 * 1024,
    });
    status = res.status;
    code = /"code"\s*:\s*"?(\d+)/.exec(res.body)?.[1];
  } catch (err) {
    const why = err instanceof Error ? err.message : 'unknown';
    return fail(API, `API host unreachable (${why})`, 'check the API URL, DNS, firewall or proxy');
  }
  const answer = `HTTP ${status}${code === undefined ? '' : `, code ${code}`}`;
  if (status === 404)
    return ok(API, `token and APIKEY accepted: a made-up process id got ${answer} (${INFERENCE})`);
  if (status === 401)
    return fail(
      API,
      `the API refused the token: a made-up process id got ${answer} (${INFERENCE})`,
      `the token endpoint and the API host belong to different environments; ${MIXED_ENVIRONMENT_HINT}`,
    );
  if (status === 403) {
    const fix =
      code === '10201'
        ? `use the APIKEY of this environment; ${MIXED_ENVIRONMENT_HINT}`
        : 'this APIKEY lacks the Liveness + Identity Verification capability or this action: contact Unico';
    return fail(API, `the API refused the APIKEY: a made-up process id got ${answer} (${INFERENCE})`, fix);
  }
  if (code === '20001' || code === '20002')
    return fail(
      API,
      `a header did not arrive (${answer})`,
      'something between you and Unico strips Authorization or APIKEY',
    );
  if (status === 429) return warn(API, `rate limited (${answer})`, 'run again in a minute');
  return fail(
    API,
    `unexpected answer (${answer})`,
    'is the API URL Unico’s? Run again; if it persists, contact Unico',
  );
}
