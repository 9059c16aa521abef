/**
 * An injectable time source, so tests can drive timers (check TTLs, certificate renewal) without sleeping.
 *
 * NOTE: only scheduling goes through the clock (TTL timers, probe intervals, renewal). I/O deadlines, such as a
 * check's HTTP/TCP `Timeout`, stay real-time timers: they bound real sockets, which a fake clock cannot move.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `fn` once after `ms`; the handle is opaque and only given back to {@link clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. Its timers are `unref()`ed: scheduled work alone never keeps the process alive. */
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
