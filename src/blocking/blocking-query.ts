import { UNWATCHED, WatchSet, type WatchHub } from '../state/index.js';
import type { QueryResult } from '../state/index.js';

/** Consul's default blocking wait: 5 minutes. */
export const DEFAULT_BLOCKING_WAIT_MS = 300_000;
/** Consul's cap on `?wait`: 10 minutes. */
export const MAX_BLOCKING_WAIT_MS = 600_000;
/** Jitter divisor: up to wait/16 is added so clients blocking together do not return together. */
export const BLOCKING_JITTER_FRACTION = 16;

/** What a blocking query needs of the store: subscribe to the topics of a read, and learn when it goes away. */
export interface BlockingBackend {
  hub: Pick<WatchHub, 'wait'>;
  /** Aborted when the store goes away: every wait ends. */
  abandoned: AbortSignal;
}

export interface BlockingOptions {
  /** The client's `?index`; 0 means a plain read that never waits. */
  minIndex: number;
  /** The client's `?wait` in ms (already capped); defaults to {@link DEFAULT_BLOCKING_WAIT_MS}. */
  waitMs?: number;
  /** Aborted when the client disconnects: the wait ends at once. */
  signal?: AbortSignal;
  /** Random source for jitter, injectable for tests. */
  random?: () => number;
}

/**
 * Runs `query` as a Consul blocking query.
 *
 * Contract: with `minIndex` 0 the query runs once. Otherwise it runs, and while its index is not greater than
 * `minIndex` it waits until a write touches something the query read (its watch set), then runs again. It
 * returns the latest result when the index moves past `minIndex`, when the wait (plus jitter of up to wait/16)
 * elapses, when `signal` aborts, or when the store is abandoned. A return is not proof of change: the client
 * compares indexes (and resets to 0 when the index went backwards, as Consul's clients do).
 */
export function blockingQuery<T>(
  backend: BlockingBackend,
  opts: BlockingOptions,
  query: (ws: WatchSet) => QueryResult<T>,
): Promise<QueryResult<T>> {
  // A plain read (the common case) runs once: no watch set to fill, no async function to enter.
  if (opts.minIndex <= 0) {
    try {
      return Promise.resolve(query(UNWATCHED));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
  return blockUntilChanged(backend, opts, query);
}

async function blockUntilChanged<T>(
  backend: BlockingBackend,
  opts: BlockingOptions,
  query: (ws: WatchSet) => QueryResult<T>,
): Promise<QueryResult<T>> {
  const ws0 = new WatchSet();
  let result = query(ws0);
  if (result.index > opts.minIndex || opts.signal?.aborted) return result;
  const wait = Math.min(opts.waitMs ?? DEFAULT_BLOCKING_WAIT_MS, MAX_BLOCKING_WAIT_MS);
  const jitter = Math.floor((opts.random ?? Math.random)() * (wait / BLOCKING_JITTER_FRACTION));
  const deadline = Date.now() + wait + jitter;

  let ws = ws0;
  for (;;) {
    const woke = await backend.hub.wait(ws, {
      signals: [opts.signal, backend.abandoned],
      timeoutMs: deadline - Date.now(),
    });
    ws = new WatchSet();
    result = query(ws);
    if (woke !== 'changed' || result.index > opts.minIndex) return result;
  }
}
