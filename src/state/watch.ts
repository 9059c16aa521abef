/**
 * Change notification for blocking queries, in the spirit of go-memdb watch sets: a read records the topics it
 * looked at (index-table keys such as `service./web`), a write fires the topics it touched, and every waiter on a
 * fired topic wakes. Prefix topics cover whole key ranges (KV `?recurse`).
 *
 * NOTE: firing is synchronous and only flips waiters to "ready"; waiters do the work on their own turn, so a
 * write never runs reader code and slow readers never hold writers.
 */
export type WakeReason = 'changed' | 'aborted' | 'timeout';

export class WatchHub {
  readonly #exact = new Map<string, Set<() => void>>();
  readonly #prefix = new Map<string, Set<() => void>>();

  /** Registers `fn` on every topic of `set`; returns the function that removes it again. */
  subscribe(set: WatchSet, fn: () => void): () => void {
    const regs: [Map<string, Set<() => void>>, string][] = [];
    for (const topic of set.topics) regs.push([this.#exact, topic]);
    for (const prefix of set.prefixes) regs.push([this.#prefix, prefix]);
    for (const [map, key] of regs) {
      let waiters = map.get(key);
      if (!waiters) {
        waiters = new Set();
        map.set(key, waiters);
      }
      waiters.add(fn);
    }
    return () => {
      for (const [map, key] of regs) {
        const waiters = map.get(key);
        if (!waiters) continue;
        waiters.delete(fn);
        if (waiters.size === 0) map.delete(key);
      }
    };
  }

  /** Wakes the waiters of `topics`; `prefixKeys` are keys (e.g. KV keys) matched against prefix subscriptions. */
  fire(topics: Iterable<string>, prefixKeys: Iterable<string> = []): void {
    const wake = new Set<() => void>();
    for (const topic of topics) {
      const waiters = this.#exact.get(topic);
      if (waiters) for (const fn of waiters) wake.add(fn);
    }
    if (this.#prefix.size > 0) {
      for (const key of prefixKeys) {
        for (const [prefix, waiters] of this.#prefix) {
          if (key.startsWith(prefix)) for (const fn of waiters) wake.add(fn);
        }
      }
    }
    for (const fn of wake) fn();
  }

  /**
   * Waits until a write fires a topic of `ws`, one of `signals` aborts, or `timeoutMs` passes (no timeout when
   * undefined). The waiter and every listener are removed however it ends.
   */
  wait(
    ws: WatchSet,
    opts: { signals?: readonly (AbortSignal | undefined)[]; timeoutMs?: number | undefined } = {},
  ): Promise<WakeReason> {
    const signals = (opts.signals ?? []).filter((s): s is AbortSignal => s !== undefined);
    if (signals.some((s) => s.aborted)) return Promise.resolve('aborted');
    if (opts.timeoutMs !== undefined && opts.timeoutMs <= 0) return Promise.resolve('timeout');
    return new Promise<WakeReason>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (reason: WakeReason): void => {
        clearTimeout(timer);
        unsubscribe();
        for (const s of signals) s.removeEventListener('abort', onAbort);
        resolve(reason);
      };
      const onAbort = (): void => {
        finish('aborted');
      };
      const unsubscribe = this.subscribe(ws, () => {
        finish('changed');
      });
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          finish('timeout');
        }, opts.timeoutMs);
      }
      for (const s of signals) s.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Number of registered waiters, for metrics and tests. */
  get size(): number {
    let n = 0;
    for (const w of this.#exact.values()) n += w.size;
    for (const w of this.#prefix.values()) n += w.size;
    return n;
  }
}

/** The topics one read depended on. */
export class WatchSet {
  readonly topics = new Set<string>();
  readonly prefixes = new Set<string>();

  add(topic: string): void {
    this.topics.add(topic);
  }

  addPrefix(prefix: string): void {
    this.prefixes.add(prefix);
  }
}

/**
 * A watch set that records nothing, for reads that will never wait (a blocking query without `?index`): one shared
 * instance instead of two sets per request. Subscribing it registers nothing.
 */
class DiscardingWatchSet extends WatchSet {
  override add(): void {
    // Nothing waits on this read.
  }

  override addPrefix(): void {
    // Nothing waits on this read.
  }
}

export const UNWATCHED: WatchSet = new DiscardingWatchSet();
