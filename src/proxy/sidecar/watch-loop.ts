import { Backoff } from '../../lib/backoff.js';
import { sleep } from '../../lib/sleep.js';
import type { Logger } from '../../logging/index.js';

/**
 * One blocking read: given the cursor of the previous answer (an `X-Consul-Index`, or a `ContentHash` for hash
 * blocking; the initial cursor for the first read), it answers the value and the next cursor.
 */
export type BlockingFetch<T, C> = (cursor: C, signal: AbortSignal) => Promise<{ value: T; cursor: C }>;

export interface WatchLoopOptions<T, C> {
  /** What is watched, for logs (`leaf`, `roots`, `upstream api`, ...). */
  readonly name: string;
  /** The cursor of the first read (`0` for an index, `''` for a hash). */
  readonly initial: C;
  readonly fetch: BlockingFetch<T, C>;
  /** Called with every answer whose cursor moved (and with the first). Errors it throws are logged, not fatal. */
  readonly onValue: (value: T) => void;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Waits after consecutive failures (default 100 ms doubling to 5 s, 20 % jitter). */
  readonly backoff?: Backoff;
}

/**
 * Follows one agent endpoint with blocking queries until `signal` aborts, as Consul's `watch.Plan` does: each
 * answer whose cursor moved is delivered, an unchanged cursor (the wait ran out) is not, and a failed read is
 * retried after a capped backoff, logged at WARN (the proxy keeps serving with what it had: established
 * connections and the last good certificates stay). Resolves once aborted.
 */
export async function watchLoop<T, C>(opts: WatchLoopOptions<T, C>): Promise<void> {
  const backoff = opts.backoff ?? new Backoff({ baseMs: 100, maxMs: 5_000, jitter: 0.2 });
  let cursor = opts.initial;
  let first = true;
  const aborted = (): boolean => opts.signal.aborted;
  while (!aborted()) {
    let answer: { value: T; cursor: C };
    try {
      answer = await opts.fetch(cursor, opts.signal);
    } catch (err) {
      if (aborted()) return;
      const wait = backoff.next();
      opts.logger.warn(
        {
          watch: opts.name,
          error: err instanceof Error ? err.message : String(err),
          retry_ms: Math.round(wait),
        },
        'watch failed; retrying',
      );
      await sleep(wait, opts.signal);
      continue;
    }
    backoff.reset();
    if (!first && answer.cursor === cursor) continue;
    first = false;
    cursor = answer.cursor;
    try {
      opts.onValue(answer.value);
    } catch (err) {
      opts.logger.error(
        { watch: opts.name, error: err instanceof Error ? err.message : String(err) },
        'applying a watch answer failed',
      );
    }
  }
}
