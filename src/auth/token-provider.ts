import { backoffMs, parseRetryAfter } from '../http/retry.js';
import { type Transport, TransportError } from '../http/transport.js';
import { TokenError } from '../errors.js';
import { createDeadline, sleep } from '../internal/signal.js';
import { type AssertionKey, AssertionSigningError, signAssertion } from './assertion.js';
import { type AccessToken, exchangeAssertion } from './token-exchange.js';

/** Everything a token refresh needs. */
export interface TokenProviderConfig {
  readonly transport: Transport;
  readonly tokenUrl: string;
  readonly issuer: string;
  readonly audience: string;
  /** A key, or a KMS/HSM signing callback. */
  readonly key: AssertionKey;
  /** Budget of one refresh, all attempts included, in ms. */
  readonly timeoutMs: number;
  /** Budget of each attempt, in ms (a slow attempt is abandoned and retried). @default timeoutMs */
  readonly attemptTimeoutMs?: number;
  /** Retries of network failures, 429 and 5xx without a Unico code. */
  readonly maxRetries: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * RS256 signatures are deterministic, and Unico forbids `jti`: two assertions with the same `iat`
 * and `exp` are byte-identical, and the second is refused as reused (1.2.7). `exp` is the only free
 * claim, so each assertion draws its lifetime from a range — random across processes (a fleet
 * minting in the same second: 8 processes collide with ~3.5% odds, and a collision costs one
 * retry with a fresh assertion) and never repeated within a process. Short, well inside Unico's
 * 3600 s cap: an assertion is exchanged at once.
 */
const MIN_LIFETIME_SECONDS = 120;
const MAX_LIFETIME_SECONDS = 900;
// Codes cured by one fresh assertion (expired: clock skew; already used).
const FRESH_ASSERTION_CODES = new Set(['1.2.4', '1.2.7']);
// Ignore Date-header skew below this: the header has one-second resolution.
const SKEW_THRESHOLD_MS = 2_000;

/**
 * Returns a function that obtains one access token: signs a fresh assertion per attempt,
 * retries transient failures with jittered backoff inside its own deadline, retries once with a
 * fresh assertion on 1.2.4/1.2.7, and never retries any other 1.x.x rejection (1.2.18 locks the
 * account after repeated failures).
 * @param config - endpoint, identity and limits
 * @returns the fetcher
 */
export function createTokenFetcher(
  config: TokenProviderConfig,
): (signal: AbortSignal) => Promise<AccessToken> {
  // Server clock minus local clock, learned from the token endpoint's Date header.
  let skewMs = 0;
  const learnSkew = (serverDateMs: number | undefined, receivedAt: number) => {
    if (serverDateMs === undefined) return;
    const skew = serverDateMs - receivedAt;
    skewMs = Math.abs(skew) > SKEW_THRESHOLD_MS ? skew : 0;
  };

  // Lifetimes already used for the current second's `iat`, so no assertion repeats in-process.
  let usedSecond = 0;
  const usedLifetimes = new Set<number>();
  const nextClaims = (): { issuedAt: number; lifetimeSeconds: number } => {
    const issuedAt = Math.floor((Date.now() + skewMs) / 1000);
    if (issuedAt !== usedSecond) {
      usedSecond = issuedAt;
      usedLifetimes.clear();
    }
    const span = MAX_LIFETIME_SECONDS - MIN_LIFETIME_SECONDS + 1;
    let offset = Math.floor(Math.random() * span);
    while (usedLifetimes.has(MIN_LIFETIME_SECONDS + offset) && usedLifetimes.size < span)
      offset = (offset + 1) % span;
    const lifetimeSeconds = MIN_LIFETIME_SECONDS + offset;
    usedLifetimes.add(lifetimeSeconds);
    return { issuedAt, lifetimeSeconds };
  };

  return async (signal) => {
    const deadline = createDeadline(config.timeoutMs, signal);
    let retries = 0;
    let freshAssertionUsed = false;
    try {
      for (;;) {
        const assertion = await sign(config, nextClaims(), deadline.signal);
        let waitMs: number;
        const attempt = createDeadline(
          Math.min(config.attemptTimeoutMs ?? config.timeoutMs, deadline.remainingMs() || 1),
          deadline.signal,
        );
        try {
          const outcome = await exchangeAssertion(
            config.transport,
            config.tokenUrl,
            assertion,
            attempt.signal,
            config.headers,
          );
          learnSkew(outcome.serverDateMs, Date.now());
          if (outcome.ok) return outcome.token;
          const code = outcome.error.unicoCode;
          if (code !== undefined && FRESH_ASSERTION_CODES.has(code) && !freshAssertionUsed) {
            freshAssertionUsed = true;
            continue;
          }
          if (!outcome.retryable || retries >= config.maxRetries) throw outcome.error;
          waitMs = parseRetryAfter(outcome.retryAfterHeader) ?? backoffMs(retries, 250, 4_000);
          if (waitMs >= deadline.remainingMs()) throw outcome.error;
        } catch (err) {
          if (err instanceof TokenError) throw err;
          if (deadline.signal.aborted) {
            throw new TokenError(`Token endpoint did not answer within ${config.timeoutMs} ms`, {
              reason: 'timeout',
              cause: err,
            });
          }
          // A token request creates nothing: a lost connection or a slow attempt is safe to retry.
          const slow = attempt.signal.aborted;
          if (!slow && !(err instanceof TransportError)) throw err;
          if (retries >= config.maxRetries) {
            const what = slow ? `no answer within ${attempt.timeoutMs} ms` : (err as Error).message;
            throw new TokenError(`Token endpoint unreachable (${what})`, {
              reason: slow ? 'timeout' : 'network',
              cause: err,
            });
          }
          waitMs = backoffMs(retries, 250, 4_000);
        } finally {
          attempt.dispose();
        }
        retries++;
        await sleep(waitMs, deadline.signal).catch((err: unknown) => {
          throw new TokenError(`Token endpoint did not answer within ${config.timeoutMs} ms`, {
            reason: 'timeout',
            cause: err,
          });
        });
      }
    } finally {
      deadline.dispose();
    }
  };
}

/** Signs one assertion; any failure is a {@link TokenError}, since nothing can be sent without it. */
async function sign(
  config: TokenProviderConfig,
  claims: { issuedAt: number; lifetimeSeconds: number },
  signal: AbortSignal,
): Promise<string> {
  try {
    return await signAssertion({
      issuer: config.issuer,
      audience: config.audience,
      key: config.key,
      ...claims,
      signal,
    });
  } catch (err) {
    if (signal.aborted) {
      throw new TokenError(`Signing the client assertion did not finish within ${config.timeoutMs} ms`, {
        reason: 'timeout',
        cause: err,
      });
    }
    // Our own messages only: what a KMS client or jose threw stays in `cause`.
    const what = err instanceof AssertionSigningError ? err.message : 'the key could not sign';
    throw new TokenError(`Could not sign the client assertion: ${what}`, { reason: 'signing', cause: err });
  }
}
