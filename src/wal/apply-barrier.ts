/**
 * {@link ApplyBarrier}: the waiters of `readBarrier()`, released as the log applies entries.
 *
 * @module
 */

interface Waiter {
  readonly target: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Read barriers waiting for the applied index to reach a target. Waiters are kept in target order (targets are
 * taken from a monotonic index, so pushes arrive sorted); {@link advance} releases a prefix.
 *
 * Bound: one waiter per pending `?consistent` read, and each one is released when the entries appended before it
 * are applied, when its signal aborts, or when the log fails or closes; nothing waits longer than the log does.
 */
export class ApplyBarrier {
  #waiters: Waiter[] = [];

  /** Number of waiting barriers, for tests and metrics. */
  get size(): number {
    return this.#waiters.length;
  }

  /** Resolves once {@link advance} reports `target` applied; rejects with `signal.reason` if it aborts first. */
  wait(target: number, applied: number, signal?: AbortSignal): Promise<void> {
    if (target <= applied) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        target,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Releases every waiter whose target is at or below `applied`. */
  advance(applied: number): void {
    let n = 0;
    while (n < this.#waiters.length && (this.#waiters[n]?.target ?? Infinity) <= applied) n++;
    if (n === 0) return;
    const ready = this.#waiters.slice(0, n);
    this.#waiters = this.#waiters.slice(n);
    for (const w of ready) w.resolve();
  }

  /** Rejects every waiter (the log failed or closed: what they wait for will not be applied here). */
  failAll(err: Error): void {
    const all = this.#waiters;
    this.#waiters = [];
    for (const w of all) w.reject(err);
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('read barrier aborted');
}
