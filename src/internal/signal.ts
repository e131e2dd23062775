/** Deadline and abort plumbing. Internal. */

/** What stopped an attempt. */
export type AttemptStop = 'attempt-timeout' | 'call-timeout' | 'aborted';

/** One signal for one HTTP attempt: its own budget, the call's end, and the caller's signal. */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** Which of the three fired, or `undefined` while none has. */
  stop(): AttemptStop | undefined;
  /** Restarts the attempt's own budget from now (still bounded by the call's end), in ms. */
  arm(attemptMs: number): void;
  dispose(): void;
}

/**
 * Starts the signal of one attempt: one controller, one timer, one listener, however many budgets.
 * @param endsAt - when the whole call's budget ends (epoch ms)
 * @param attemptMs - the attempt's own budget in ms (`Infinity`: the call's end only)
 * @param parent - the caller's signal, if any
 * @returns the attempt's signal; call `dispose()` when the attempt settles
 */
export function startAttempt(endsAt: number, attemptMs: number, parent?: AbortSignal): AttemptSignal {
  const controller = new AbortController();
  let why: AttemptStop | undefined;
  const stop = (reason: AttemptStop, value: unknown) => {
    if (why !== undefined) return;
    why = reason;
    controller.abort(value);
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    clearTimeout(timer);
    const leftMs = endsAt - Date.now();
    const reason: AttemptStop = ms < leftMs ? 'attempt-timeout' : 'call-timeout';
    const timeout = () => stop(reason, new DOMException('The operation timed out', 'TimeoutError'));
    timer = setTimeout(timeout, Math.max(0, Math.min(ms, leftMs)));
    // An unref'd timer never holds a process (or a frozen Lambda) open by itself.
    timer.unref?.();
  };
  arm(attemptMs);
  const onAbort = () => stop('aborted', parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    stop: () => why,
    arm,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/** A budget joined with the caller's signal. `dispose()` releases the timer and listener. */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Milliseconds left before the deadline (never below 0). */
  remainingMs(): number;
  /** Which of the two fired, or `undefined` while neither has. */
  reason(): 'timeout' | 'aborted' | undefined;
  dispose(): void;
}

/**
 * Creates a deadline of `timeoutMs` from now, joined with `parent` (the caller's signal).
 * @param timeoutMs - budget in milliseconds
 * @param parent - the caller's signal, if any
 * @returns the joined deadline; call `dispose()` when the work settles
 */
export function createDeadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const endsAt = Date.now() + timeoutMs;
  const attempt = startAttempt(endsAt, timeoutMs, parent);
  return {
    signal: attempt.signal,
    timeoutMs,
    remainingMs: () => Math.max(0, endsAt - Date.now()),
    reason: () =>
      attempt.stop() === undefined ? undefined : attempt.stop() === 'aborted' ? 'aborted' : 'timeout',
    dispose: attempt.dispose,
  };
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it fires.
 * @param ms - delay in milliseconds
 * @param signal - stops the wait early
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return raceSignal(wait, signal).finally(() => clearTimeout(timer));
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as it fires (the promise
 * itself carries on: for work shared with others, or that cannot be cancelled).
 * @param promise - the work to wait for
 * @param signal - stops the wait early
 * @returns the promise's value
 */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => signal.removeEventListener('abort', onAbort);
    promise.then(
      (value) => {
        done();
        resolve(value);
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}
