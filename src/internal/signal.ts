/** Deadline and abort plumbing. Internal. */

/** What stopped an attempt. */
export type AttemptStop = 'attempt-timeout' | 'call-timeout' | 'aborted';

/** One signal for one HTTP attempt: its own budget, the call's end, and the caller's signal. */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  stop(): AttemptStop | undefined;
  /** Restarts the attempt's own budget from now (still bounded by the call's end). */
  arm(attemptMs: number): void;
  dispose(): void;
}

/** One controller, one timer, one listener, however many budgets; `attemptMs` may be `Infinity`. */
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

/** A budget of `timeoutMs` from now joined with the caller's signal; `dispose()` when the work settles. */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  remainingMs(): number;
  reason(): 'timeout' | 'aborted' | undefined;
  dispose(): void;
}

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

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wait = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return raceSignal(wait, signal).finally(() => clearTimeout(timer));
}

/** Settles like `promise`, or rejects as the signal fires (the work itself carries on: it may be shared). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
