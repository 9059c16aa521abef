import { WatchSet } from '../state/index.js';
import {
  BLOCKING_JITTER_FRACTION,
  DEFAULT_BLOCKING_WAIT_MS,
  MAX_BLOCKING_WAIT_MS,
  type BlockingBackend,
} from './blocking-query.js';

export interface HashBlockingOptions {
  /** The client's `?hash` (the `X-Consul-ContentHash` it last saw); `''` means a plain read that never waits. */
  hash: string;
  /** The client's `?wait` in ms; defaults to {@link DEFAULT_BLOCKING_WAIT_MS}, capped at 10 minutes. */
  waitMs?: number;
  /** Aborted when the client disconnects: the wait ends at once. */
  signal?: AbortSignal;
  /** Random source for jitter, injectable for tests. */
  random?: () => number;
}

/** A read answered with a content hash instead of an index (agent-local endpoints). */
export interface HashResult<T> {
  hash: string;
  value: T;
}

/**
 * Runs `query` as Consul's hash-based blocking query (`Agent.LocalBlockingQuery`), used by agent-local endpoints
 * such as `GET /v1/agent/service/:id?hash=`.
 *
 * Contract: with an empty `hash` the query runs once. Otherwise it runs, and while its hash equals `hash` it waits
 * until a write touches something the query read, then runs again. It returns when the hash differs, when the
 * wait (plus up to wait/16 jitter) elapses, when `signal` aborts, or when the store is abandoned; the caller
 * compares hashes. An error thrown by `query` (the object is gone) ends the wait and propagates.
 */
export async function hashBlockingQuery<T>(
  backend: BlockingBackend,
  opts: HashBlockingOptions,
  query: (ws: WatchSet) => HashResult<T>,
): Promise<HashResult<T>> {
  let ws = new WatchSet();
  let result = query(ws);
  if (opts.hash === '' || result.hash !== opts.hash || opts.signal?.aborted) return result;
  const wait = Math.min(opts.waitMs || DEFAULT_BLOCKING_WAIT_MS, MAX_BLOCKING_WAIT_MS);
  const jitter = Math.floor((opts.random ?? Math.random)() * (wait / BLOCKING_JITTER_FRACTION));
  const deadline = Date.now() + wait + jitter;
  for (;;) {
    const woke = await backend.hub.wait(ws, {
      signals: [opts.signal, backend.abandoned],
      timeoutMs: deadline - Date.now(),
    });
    ws = new WatchSet();
    result = query(ws);
    if (woke !== 'changed' || result.hash !== opts.hash) return result;
  }
}
