import { TokenError } from '../errors.js';
import { parseRetryAfter } from '../http/retry.js';
import type { Transport } from '../http/transport.js';
import { parseJson } from '../internal/json.js';
import { scrubText } from '../internal/redact.js';
import type { TokenAttempt } from '../policy/token.js';
import { tokenErrorSchema, tokenResponseSchema } from '../schemas/token.js';
import type { StoredToken } from './token-store.js';

// What one token request returned, before any retry decision; `attempt` is for the token policy.
export type ExchangeOutcome = { readonly serverDateMs: number | undefined } & (
  | { readonly ok: true; readonly token: StoredToken }
  | { readonly ok: false; readonly error: TokenError; readonly attempt: TokenAttempt }
);

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MAX_TOKEN_BODY_BYTES = 64 * 1024;
const UNICO_CODE = /\b(\d{1,2}\.\d{1,2}\.\d{1,3})\b/;

// Connection failures are thrown as-is; HTTP-level failures come back as `{ ok: false }`.
export async function exchangeAssertion(
  transport: Transport,
  tokenUrl: string,
  assertion: string,
  signal: AbortSignal,
  headers: Readonly<Record<string, string>> = {},
): Promise<ExchangeOutcome> {
  const sentAt = Date.now();
  const res = await transport.request({
    method: 'POST',
    url: tokenUrl,
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
    signal,
    maxResponseBytes: MAX_TOKEN_BODY_BYTES,
  });
  const date = Date.parse(res.headers['date'] ?? '');
  const serverDateMs = Number.isNaN(date) ? undefined : date;
  const json = parseJson(res.body);

  if (res.status >= 200 && res.status < 300) {
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || 'body'))].join(', ');
      const message = `Token endpoint returned an unusable body (${fields})`;
      const error = new TokenError(message, { httpStatus: res.status, reason: 'invalid-response' });
      return { ok: false, attempt: { kind: 'unreadable' }, serverDateMs, error };
    }
    const { access_token: accessToken, expires_in: lifetimeSeconds } = parsed.data;
    // Counted from when the request was sent: the token cannot outlive what the server granted.
    const expiresAt = sentAt + lifetimeSeconds * 1000;
    return { ok: true, serverDateMs, token: { accessToken, expiresAt, lifetimeSeconds } };
  }

  const { error: oauthError, error_description: rawDescription } =
    tokenErrorSchema.safeParse(json).data ?? {};
  const unicoCode = rawDescription === undefined ? undefined : UNICO_CODE.exec(rawDescription)?.[1];
  const description = rawDescription === undefined ? undefined : scrubText(rawDescription);
  const detail = unicoCode === undefined ? (oauthError ?? 'no error code') : `Unico code ${unicoCode}`;
  const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  const fields = { httpStatus: res.status, oauthError, unicoCode, description, reason: 'rejected' as const };
  return {
    ok: false,
    attempt: { kind: 'answer', status: res.status, unicoCode, retryAfterMs },
    serverDateMs,
    error: new TokenError(`Token request failed (HTTP ${res.status}, ${detail})`, fields),
  };
}
