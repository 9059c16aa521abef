/**
 * The time source of the check runners, injectable so tests can drive TTLs and the reaper without sleeping.
 *
 * NOTE: only scheduling goes through the clock (TTL timers, probe intervals, the reaper). Probe I/O deadlines
 * (HTTP/TCP `Timeout`) are real-time timers: they bound real sockets, which a fake clock cannot move.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; the handle is opaque and only given back to {@link clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Its timers are `unref()`ed: check runners alone never keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
