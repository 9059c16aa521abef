/**
 * {@link MemoryLog}: the command log for `-dev` agents. Nothing touches disk, so nothing survives a restart; the
 * ordering contract is the same as the durable log's.
 *
 * @module
 */
import { ApplyBarrier } from './apply-barrier.js';
import type { AppendResult, CommandLog, LogHandlers, LogHealth } from './command-log.js';
import { LogClosedError } from './log-errors.js';

type MemoryLogState = 'new' | 'open' | 'closed';

/**
 * An in-memory {@link CommandLog}. `append()` assigns the next index at once and applies the entry on a later
 * microtask (so, as with the durable log, the caller never sees `apply` run inside its own `append` call); entries
 * are applied in index order and each append resolves in order. No snapshots are taken: there is nothing to
 * compact.
 */
export class MemoryLog implements CommandLog {
  #state: MemoryLogState = 'new';
  #handlers: LogHandlers | undefined;
  #nextIndex = 1;
  #lastIndex = 0;
  readonly #barrier = new ApplyBarrier();

  /** Index of the last applied entry (0 when empty). */
  get lastIndex(): number {
    return this.#lastIndex;
  }

  /** Always `ok`: nothing is written anywhere. */
  get health(): LogHealth {
    return { status: 'ok' };
  }

  /** Starts empty: there is nothing to recover, so `restore` is never called. */
  start(handlers: LogHandlers): Promise<void> {
    if (this.#state !== 'new') return Promise.reject(new Error('MemoryLog.start() may only be called once'));
    this.#handlers = handlers;
    this.#state = 'open';
    return Promise.resolve();
  }

  append(data: Buffer): Promise<AppendResult> {
    const handlers = this.#handlers;
    if (this.#state !== 'open' || handlers === undefined) {
      return Promise.reject(new LogClosedError(this.#state === 'new' ? 'not started' : 'closed'));
    }
    const index = this.#nextIndex++;
    return new Promise((resolve, reject) => {
      // Microtasks run FIFO, so entries are applied in index order.
      queueMicrotask(() => {
        this.#lastIndex = index;
        try {
          resolve({ index, result: handlers.apply(index, data) });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        } finally {
          this.#barrier.advance(index);
        }
      });
    });
  }

  /** Resolves once every entry appended before the call is applied (they are, a few microtasks later). */
  readBarrier(signal?: AbortSignal): Promise<void> {
    if (this.#state === 'new') return Promise.reject(new LogClosedError('not started'));
    return this.#barrier.wait(this.#nextIndex - 1, this.#lastIndex, signal);
  }

  /**
   * Stops accepting appends. Entries already appended are still applied (their microtasks are queued ahead of this
   * promise's continuation). Idempotent.
   */
  close(): Promise<void> {
    this.#state = 'closed';
    return Promise.resolve();
  }
}
