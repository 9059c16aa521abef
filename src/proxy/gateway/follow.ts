import { Backoff } from '../../lib/backoff.js';
import type { Logger } from '../../logging/index.js';

/** How long each blocking read waits at most (Consul's default blocking wait). */
export const FOLLOW_WAIT_MS = 300_000;
/** Retry backoff after a failed read: 100 ms doubling to 5 s. */
const RETRY = { baseMs: 100, maxMs: 5_000, jitter: 0.2 } as const;

/** One read of a blocking endpoint: the value and its `X-Consul-Index`. */
export type FollowRead<T> = (index: number, signal: AbortSignal) => Promise<{ value: T; index: number }>;

/**
 * Follows a Consul blocking endpoint until `signal` aborts: a plain read first, then blocking reads at the last
 * index, `apply` on every answer whose index moved (and on the first). An index that goes backwards restarts at 0
 * (Consul's rule for a reset store). Failed reads are retried with backoff and logged at warn. Never rejects.
 */
export async function follow<T>(
  what: string,
  read: FollowRead<T>,
  apply: (value: T) => void,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const backoff = new Backoff(RETRY);
  let index = 0;
  let first = true;
  // A function, so the check after an await is not narrowed away by the loop condition.
  const stopped = (): boolean => signal.aborted;
  while (!stopped()) {
    try {
      const got = await read(index, signal);
      backoff.reset();
      if (first || got.index !== index) apply(got.value);
      first = false;
      index = got.index < index ? 0 : got.index;
    } catch (err) {
      if (stopped()) return;
      const delay = backoff.next();
      logger.warn({ watch: what, err: String(err), retry_ms: Math.round(delay) }, 'gateway watch failed');
      await delayUnlessAborted(delay, signal);
    }
  }
}

function delayUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
