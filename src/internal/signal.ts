/** Deadline and abort plumbing. Internal. */

/** What stopped an attempt. */
export type AttemptStop = 'attempt-timeout' | 'call-timeout' | 'aborted';

/** The call's end, an attempt's own budget (`arm` restarts it) and the caller's signal, as one signal. */
export function startAttempt(endsAt: number, attemptMs: number, parent?: AbortSignal) {
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
    remainingMs: () => Math.max(0, endsAt - Date.now()),
    dispose: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/** A budget of `timeoutMs` from now joined with the caller's signal, stopped by a timeout or an abort. */
export function createDeadline(timeoutMs: number, parent?: AbortSignal) {
  const attempt = startAttempt(Date.now() + timeoutMs, timeoutMs, parent);
  const reason = (): 'timeout' | 'aborted' | undefined =>
    attempt.stop() === undefined ? undefined : attempt.stop() === 'aborted' ? 'aborted' : 'timeout';
  return { ...attempt, timeoutMs, reason };
}

export type Deadline = ReturnType<typeof createDeadline>;

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
