import { AbortedError, IdCloudError, InvalidInputError, RateLimitedError, TimeoutError } from '../errors.js';
import type { ImageKind } from '../internal/image.js';
import { createDeadline, type Deadline, raceSignal, sleep } from '../internal/signal.js';
import { decodeProcessBody, type ProcessResult } from '../schemas/response.js';
import { type CallOptions, readCallOptions } from './call.js';
import { integer } from './options.js';

/** Options of {@link IdCloudClient.waitForResult}. */
export interface WaitForResultOptions extends CallOptions {
  /** What the process was created with (decides what `liveness` means, as for `getProcess`). */
  readonly imageKind: ImageKind;
  /** Budget of the whole wait, every poll included, in ms. @default 60000 */
  readonly timeoutMs?: number | undefined;
  /** First pause after a poll that is not final, in ms; each next is 1.5 times longer, up to 15 s. @default 2000 */
  readonly pollIntervalMs?: number | undefined;
}

/** The one method the wait needs from a client. */
export interface ProcessReader {
  getProcess(id: string, options: CallOptions & { readonly imageKind: ImageKind }): Promise<ProcessResult>;
}

// Unico's IDUnico API guide: GetProcess "can be used every 2 seconds". The growth and the cap are
// ours, to spare the tenant's rate limit (10 requests/s, shared with CreateProcess).
const POLL_INTERVAL_MS = 2_000;
const MAX_INTERVAL_MS = 15_000;
const DEFAULT_WAIT_MS = 60_000;
const FINAL_STATUSES = new Set([3, 4, 5]);
const RETRIED = new Set<string>(['ERR_ABORTED', 'ERR_TIMEOUT', 'ERR_OUTCOME_UNKNOWN']);

type Poll = { readonly imageKind: ImageKind; readonly result: Promise<ProcessResult> };

// Per client, the GET in flight for each process id: waiters of the same process share it.
const inFlight = new WeakMap<ProcessReader, Map<string, Poll>>();

/** Polls `GET /processes/v1/{id}` until the status is final (3, 4 or 5) or the budget runs out. */
export async function waitForResult(
  reader: ProcessReader,
  id: string,
  options: WaitForResultOptions,
): Promise<ProcessResult> {
  const requestId = readCallOptions(options, ['imageKind', 'pollIntervalMs']);
  const { pollIntervalMs = POLL_INTERVAL_MS, timeoutMs = DEFAULT_WAIT_MS } = options;
  const message = integer(1, MAX_INTERVAL_MS)(pollIntervalMs);
  if (message) throw new InvalidInputError([{ path: 'options.pollIntervalMs', message }], { requestId });
  const deadline = createDeadline(timeoutMs, options.signal);
  let lastStatus: number | undefined;
  let delayMs = pollIntervalMs;
  try {
    for (;;) {
      let pauseMs = delayMs;
      try {
        const result = await raceSignal(poll(reader, id, options, deadline), deadline.signal);
        if (FINAL_STATUSES.has(result.status)) return result;
        lastStatus = result.status;
        delayMs = Math.min(delayMs * 1.5, MAX_INTERVAL_MS);
      } catch (err) {
        if (deadline.reason() !== undefined) throw err;
        // 429 past getProcess's own budget: wait as asked, then poll again.
        if (err instanceof RateLimitedError) pauseMs = Math.max(err.retryAfterMs, delayMs);
        // Else only a GET that got no answer (stopped by another waiter sharing it, or out of its
        // budget) is polled again: a read cannot create anything.
        else if (!(IdCloudError.is(err) && RETRIED.has(err.code))) throw err;
      }
      await sleep(Math.min(pauseMs, deadline.remainingMs()), deadline.signal);
    }
  } catch (err) {
    if (deadline.reason() === 'timeout')
      throw new TimeoutError(timeoutMs, { requestId, lastStatus, cause: err });
    if (deadline.reason() === 'aborted')
      throw new AbortedError(err instanceof AbortedError && err.requestSent, { requestId, cause: err });
    throw err;
  } finally {
    deadline.dispose();
  }
}

/** The GET in flight for `id`, or a new one; decoded with this waiter's image kind. */
async function poll(
  reader: ProcessReader,
  id: string,
  options: WaitForResultOptions,
  deadline: Deadline,
): Promise<ProcessResult> {
  const polls = inFlight.get(reader) ?? new Map<string, Poll>();
  inFlight.set(reader, polls);
  let current = polls.get(id);
  if (current === undefined) {
    const { imageKind, attemptTimeoutMs, requestId } = options;
    // Stopped by this waiter's deadline (its own budget ends a little later, so the deadline decides
    // how the wait ends); a waiter that joins it polls again if it stops early.
    const timeoutMs = Math.min(600_000, Math.ceil(deadline.remainingMs()) + 1_000);
    const call = { imageKind, attemptTimeoutMs, requestId, timeoutMs, signal: deadline.signal };
    current = { imageKind, result: reader.getProcess(id, call) };
    polls.set(id, current);
    const done = () => {
      if (polls.get(id) === current) polls.delete(id);
    };
    current.result.then(done, done);
  }
  const result = await current.result;
  if (current.imageKind === options.imageKind) return result;
  const again = decodeProcessBody(result.raw, options.imageKind, result.requestId);
  return again.ok ? again.result : result;
}
