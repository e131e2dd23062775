import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDeadline, sleep } from '../../src/internal/signal.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('createDeadline', () => {
  it('is not aborted and reports no reason before the deadline', () => {
    const deadline = createDeadline(1_000);
    vi.advanceTimersByTime(999);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.reason()).toBeUndefined();
    expect(deadline.timeoutMs).toBe(1_000);
    deadline.dispose();
  });

  it('aborts with a TimeoutError and reason "timeout" when the time runs out', () => {
    const deadline = createDeadline(1_000);
    vi.advanceTimersByTime(1_000);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.reason()).toBe('timeout');
    const reason = deadline.signal.reason as DOMException;
    expect(reason).toBeInstanceOf(DOMException);
    expect(reason.name).toBe('TimeoutError');
    deadline.dispose();
  });

  it('counts the remaining time down to 0 and never below', () => {
    const deadline = createDeadline(1_000);
    expect(deadline.remainingMs()).toBe(1_000);
    vi.advanceTimersByTime(400);
    expect(deadline.remainingMs()).toBe(600);
    vi.advanceTimersByTime(5_000);
    expect(deadline.remainingMs()).toBe(0);
    deadline.dispose();
  });

  it('aborts with the caller\'s own reason and reason "aborted" when the caller aborts', () => {
    const parent = new AbortController();
    const deadline = createDeadline(1_000, parent.signal);
    const why = new Error('user left');
    parent.abort(why);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.reason()).toBe('aborted');
    expect(deadline.signal.reason).toBe(why);
    deadline.dispose();
  });

  it("is aborted from the start when the caller's signal is already aborted", () => {
    const parent = new AbortController();
    const why = new Error('already gone');
    parent.abort(why);
    const deadline = createDeadline(1_000, parent.signal);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.reason()).toBe('aborted');
    expect(deadline.signal.reason).toBe(why);
    deadline.dispose();
  });

  it('keeps the first reason: a caller abort after the timeout does not turn it into "aborted"', () => {
    const parent = new AbortController();
    const deadline = createDeadline(100, parent.signal);
    vi.advanceTimersByTime(100);
    parent.abort(new Error('late'));
    expect(deadline.reason()).toBe('timeout');
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError');
    deadline.dispose();
  });

  it('keeps the first reason: the timer firing after a caller abort does not turn it into "timeout"', () => {
    const parent = new AbortController();
    const deadline = createDeadline(100, parent.signal);
    const why = new Error('first');
    parent.abort(why);
    vi.advanceTimersByTime(1_000);
    expect(deadline.reason()).toBe('aborted');
    expect(deadline.signal.reason).toBe(why);
    deadline.dispose();
  });

  it('dispose clears the timer: the signal never fires afterwards', () => {
    const deadline = createDeadline(1_000);
    expect(vi.getTimerCount()).toBe(1);
    deadline.dispose();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.reason()).toBeUndefined();
  });

  it("dispose removes the listener from the caller's signal", () => {
    const parent = new AbortController();
    const add = vi.spyOn(parent.signal, 'addEventListener');
    const remove = vi.spyOn(parent.signal, 'removeEventListener');
    const deadline = createDeadline(1_000, parent.signal);
    expect(add).toHaveBeenCalledTimes(1);
    const listener = add.mock.calls[0]?.[1];
    deadline.dispose();
    expect(remove).toHaveBeenCalledWith('abort', listener);
    parent.abort(new Error('after dispose'));
    expect(deadline.signal.aborted).toBe(false);
    expect(deadline.reason()).toBeUndefined();
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    const done = vi.fn();
    const wait = sleep(500, new AbortController().signal).then(done);
    await vi.advanceTimersByTimeAsync(499);
    expect(done).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await wait;
    expect(done).toHaveBeenCalledTimes(1);
  });

  it("rejects at once with the signal's reason when it is already aborted", async () => {
    const controller = new AbortController();
    const why = new Error('stop');
    controller.abort(why);
    await expect(sleep(500, controller.signal)).rejects.toBe(why);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with the signal's reason as soon as it fires and clears its timer", async () => {
    const controller = new AbortController();
    const wait = sleep(10_000, controller.signal);
    await vi.advanceTimersByTimeAsync(100);
    const why = new Error('cancelled');
    controller.abort(why);
    await expect(wait).rejects.toBe(why);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with a deadline's TimeoutError when the deadline fires during the wait", async () => {
    const deadline = createDeadline(200);
    const wait = sleep(10_000, deadline.signal);
    const assertion = expect(wait).rejects.toMatchObject({ name: 'TimeoutError' });
    await vi.advanceTimersByTimeAsync(200);
    await assertion;
    deadline.dispose();
  });

  it('removes its abort listener once the delay has elapsed', async () => {
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const wait = sleep(100, controller.signal);
    await vi.advanceTimersByTimeAsync(100);
    await wait;
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
    // Aborting afterwards has nothing left to reject.
    controller.abort();
  });
});
