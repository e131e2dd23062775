/** Deadline and abort plumbing. Internal. */

/** Why an attempt's signal fired. */
export type StopReason = 'timeout' | 'aborted';

/**
 * A call's deadline joined with the caller's signal. `dispose()` releases the timer and listener.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Milliseconds left before the deadline (never below 0). */
  remainingMs(): number;
  /** Which of the two fired, or `undefined` while neither has. */
  reason(): StopReason | undefined;
  dispose(): void;
}

/**
 * Creates a deadline of `timeoutMs` from now, joined with `parent` (the caller's signal).
 * @param timeoutMs - budget in milliseconds
 * @param parent - the caller's signal, if any
 * @returns the joined deadline; call `dispose()` when the call settles
 */
export function createDeadline(timeoutMs: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const endsAt = Date.now() + timeoutMs;
  let why: StopReason | undefined;
  const stop = (reason: StopReason, value: unknown) => {
    if (why !== undefined) return;
    why = reason;
    controller.abort(value);
  };
  const timer = setTimeout(
    () => stop('timeout', new DOMException('The operation timed out', 'TimeoutError')),
    timeoutMs,
  );
  // An unref'd timer never holds a process (or a frozen Lambda) open by itself.
  timer.unref?.();
  const onAbort = () => stop('aborted', parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timeoutMs,
    remainingMs: () => Math.max(0, endsAt - Date.now()),
    reason: () => why,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/** What stopped an attempt. */
export type AttemptStop = 'attempt-timeout' | 'call-timeout' | 'aborted';

/** One signal for one HTTP attempt: its own budget, the call's end, and the caller's signal. */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** Which of the three fired, or `undefined` while none has. */
  stop(): AttemptStop | undefined;
  dispose(): void;
}

/**
 * Starts the signal of one attempt: one controller, one timer, one listener, however many budgets.
 * @param endsAt - when the whole call's budget ends (epoch ms)
 * @param attemptMs - the attempt's own budget in ms
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
  const leftMs = endsAt - Date.now();
  const reason: AttemptStop = attemptMs < leftMs ? 'attempt-timeout' : 'call-timeout';
  const timer = setTimeout(
    () => stop(reason, new DOMException('The operation timed out', 'TimeoutError')),
    Math.max(0, Math.min(attemptMs, leftMs)),
  );
  timer.unref?.();
  const onAbort = () => stop('aborted', parent?.reason);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    stop: () => why,
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it fires.
 * @param ms - delay in milliseconds
 * @param signal - stops the wait early
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as it fires (the promise
 * itself carries on: use it for work shared with others, or that cannot be cancelled).
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
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
