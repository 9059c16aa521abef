import type { ProbeResult } from './interval-runner.js';

/** Consul's default TCP (and HTTP) check timeout when `Timeout` is unset. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/** What {@link settleProbe} needs from one socket probe's promise. */
export interface ProbeSettleOptions {
  /** The check's timeout; 0 or less means {@link DEFAULT_CHECK_TIMEOUT_MS}. */
  readonly timeoutMs: number;
  /** The runner's signal: aborting rejects the probe with `signal.reason`. */
  readonly signal: AbortSignal;
  /** The result when the timeout fires first. */
  readonly timeoutResult: ProbeResult;
  /** Releases the probe's socket; called exactly once, when the probe settles. */
  readonly close: () => void;
  readonly resolve: (result: ProbeResult) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Settle-once scaffolding of a socket probe: arms the (unref'd) timeout and the abort listener, and returns the
 * function that settles the probe with a result. Whichever comes first (that function, the timeout, or an abort)
 * wins; the timer and listener are then cleared and `close` is called. Returns `undefined` when `signal` is
 * already aborted (the probe is then already rejected and closed; the caller must not start any I/O).
 */
export function settleProbe(opts: ProbeSettleOptions): ((result: ProbeResult) => void) | undefined {
  const { signal } = opts;
  let settled = false;
  const finish = (fn: () => void): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    opts.close();
    fn();
  };
  const onAbort = (): void => {
    finish(() => {
      opts.reject(signal.reason as Error);
    });
  };
  const timer = setTimeout(
    () => {
      finish(() => {
        opts.resolve(opts.timeoutResult);
      });
    },
    opts.timeoutMs > 0 ? opts.timeoutMs : DEFAULT_CHECK_TIMEOUT_MS,
  );
  timer.unref();
  if (signal.aborted) {
    onAbort();
    return undefined;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return (result) => {
    finish(() => {
      opts.resolve(result);
    });
  };
}
