import { TokenError } from '../errors.js';
import { type Transport, TransportError } from '../http/transport.js';
import { createDeadline, type Deadline, sleep } from '../internal/signal.js';
import { decideTokenStep, TOKEN_REJECTION_COOLDOWN_MS } from '../policy/token.js';
import { type AssertionKey, AssertionSigningError, signAssertion } from './assertion.js';
import { exchangeAssertion } from './token-exchange.js';
import type { StoredToken } from './token-store.js';

export interface TokenProviderConfig {
  readonly transport: Transport;
  readonly tokenUrl: string;
  readonly issuer: string;
  readonly audience: string;
  readonly key: AssertionKey;
  /** Budget of one refresh, all attempts included, in ms. */
  readonly timeoutMs: number;
  /** A slow attempt is abandoned and retried. @default timeoutMs */
  readonly attemptTimeoutMs?: number | undefined;
  readonly maxRetries: number;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

// Rejects with a TokenError, or `signal.reason` once it fires.
export type TokenFetcher = (signal: AbortSignal) => Promise<StoredToken>;

// RS256 is deterministic and Unico forbids `jti`: equal `iat` and `exp` give identical assertions, refused
// as reused (1.2.7). So the lifetime varies, never repeated in a second here (a fleet's costs a retry).
const MIN_LIFETIME_SECONDS = 120;
const LIFETIME_CHOICES = 900 - MIN_LIFETIME_SECONDS + 1;
// The Date header has one-second resolution: a smaller skew is noise.
const SKEW_THRESHOLD_MS = 2_000;

// Signs a fresh assertion per attempt, sends it, and asks the token policy what next.
export function createTokenFetcher(config: TokenProviderConfig): TokenFetcher {
  const claims = createClaims();
  let rejected: { readonly error: TokenError; readonly until: number } | undefined;

  return async (signal) => {
    if (signal.aborted) throw signal.reason;
    if (rejected !== undefined && Date.now() < rejected.until) throw rejected.error;
    const deadline = createDeadline(config.timeoutMs, signal);
    // The refresh's own budget ran out, or the caller (the closed cache) stopped it.
    const stopped = (cause: unknown, what = 'Token endpoint did not answer') =>
      signal.aborted
        ? signal.reason
        : new TokenError(`${what} within ${config.timeoutMs} ms`, { reason: 'timeout', cause });
    const { transport, tokenUrl, headers, maxRetries } = config;
    let retries = 0;
    let freshAssertionUsed = false;
    try {
      for (;;) {
        const assertion = await signAssertion({ ...config, ...claims.next(), signal: deadline.signal }).catch(
          (cause: unknown) => {
            if (deadline.signal.aborted) throw stopped(cause, 'Signing the client assertion did not finish');
            // Our own messages only: what a KMS client or jose threw stays in `cause`.
            const what = cause instanceof AssertionSigningError ? cause.message : 'the key could not sign';
            throw new TokenError(`Could not sign the client assertion: ${what}`, {
              reason: 'signing',
              cause,
            });
          },
        );
        const attemptMs = Math.min(config.attemptTimeoutMs ?? config.timeoutMs, deadline.remainingMs() || 1);
        const attempt = createDeadline(attemptMs, deadline.signal);
        let thrown: unknown;
        const outcome = await exchangeAssertion(transport, tokenUrl, assertion, attempt.signal, headers)
          .catch((err: unknown) => {
            thrown = err;
          })
          .finally(() => attempt.dispose());
        claims.learnSkew(outcome?.serverDateMs);
        if (deadline.signal.aborted) throw stopped(thrown);
        if (outcome?.ok) return outcome.token;
        const what = outcome?.attempt ?? { kind: 'failed', timedOut: attempt.signal.aborted };
        const remainingMs = deadline.remainingMs();
        const step = decideTokenStep(what, { retries, maxRetries, freshAssertionUsed, remainingMs });
        if (step.step === 'fail') {
          const error = outcome?.error ?? unreachable(thrown, attempt, step.reason);
          if (step.cooldown) rejected = { error, until: Date.now() + TOKEN_REJECTION_COOLDOWN_MS };
          throw error;
        }
        if (step.step === 'fresh-assertion') freshAssertionUsed = true;
        if (step.step === 'retry') {
          retries++;
          await sleep(step.waitMs, deadline.signal).catch((err: unknown) => {
            throw stopped(err);
          });
        }
      }
    } finally {
      deadline.dispose();
    }
  };
}

function unreachable(err: unknown, attempt: Deadline, reason: TokenError['reason']): TokenError {
  // A TransportError's message is the transport's own; anything else is named, never quoted.
  const what = attempt.signal.aborted
    ? `no answer within ${attempt.timeoutMs} ms`
    : err instanceof TransportError
      ? err.message
      : `${err instanceof Error ? err.name : 'unknown error'} from the transport`;
  return new TokenError(`Token endpoint unreachable (${what})`, { reason, cause: err });
}

// `iat` by the server's clock (learned from `Date`); a random lifetime, the next one up within a second.
function createClaims() {
  let skewMs = 0;
  let last = { issuedAt: 0, offset: 0 };
  return {
    learnSkew(serverDateMs: number | undefined): void {
      if (serverDateMs === undefined) return;
      const skew = serverDateMs - Date.now();
      skewMs = Math.abs(skew) > SKEW_THRESHOLD_MS ? skew : 0;
    },
    next(): { issuedAt: number; lifetimeSeconds: number } {
      const issuedAt = Math.floor((Date.now() + skewMs) / 1000);
      const offset =
        issuedAt === last.issuedAt
          ? (last.offset + 1) % LIFETIME_CHOICES
          : Math.floor(Math.random() * LIFETIME_CHOICES);
      last = { issuedAt, offset };
      return { issuedAt, lifetimeSeconds: MIN_LIFETIME_SECONDS + offset };
    },
  };
}
