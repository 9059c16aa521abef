/**
 * The backend-neutral command log contract. The embedded {@link FileLog}, the in-memory {@link MemoryLog} and
 * (later) an etcd-backed log all implement it; the FSM only ever sees {@link LogHandlers}.
 *
 * @module
 */

/** Callbacks through which a {@link CommandLog} drives the state machine (FSM). */
export interface LogHandlers {
  /**
   * Replace all state with a snapshot taken at `index`. Called at most once, first, during `start()`.
   *
   * NOTE: `data` is owned by the callee afterwards; the log keeps no reference to it.
   */
  restore(index: number, data: Buffer): void;
  /**
   * Apply one committed entry. Called in strictly increasing index order, exactly once per entry per process
   * lifetime; the return value is handed to the appender.
   *
   * If it throws, the entry stays committed (it is durable and will be replayed on the next start); the error
   * rejects that entry's `append()` and the log carries on with the next entry. The FSM must therefore be
   * deterministic, throwing or not, so replay reaches the same state.
   */
  apply(index: number, data: Buffer): unknown;
  /**
   * Serialize the whole state, as of the last applied index, for a snapshot. Synchronous on purpose: the log calls
   * it between two applies, so the state cannot move underneath it; writing the bytes out is the log's job and
   * happens asynchronously.
   */
  snapshot(): { index: number; data: Buffer };
}

/** What `append()` resolves with. */
export interface AppendResult {
  /** Log index assigned to the entry (1-based, gap-free). */
  readonly index: number;
  /** Whatever {@link LogHandlers.apply} returned for the entry. */
  readonly result: unknown;
}

/**
 * Whether the log accepts appends, for health checks and status endpoints.
 *
 * - `ok`: appends are accepted.
 * - `degraded`: the disk is full; appends are refused until a retry finds room, which happens by itself.
 * - `failed`: a write failed for another reason (an I/O error, say); appends are refused until a restart.
 */
export type LogHealth =
  | { readonly status: 'ok' }
  | {
      readonly status: 'degraded';
      /** errno code of the failure: `ENOSPC` or `EDQUOT`. */
      readonly code: string;
      /** The system's error text, e.g. `ENOSPC: no space left on device, write`. */
      readonly error: string;
      /** When appends started being refused (ms since the epoch). */
      readonly sinceMs: number;
      /** Retries made so far. */
      readonly attempts: number;
      /** Delay before the next retry (ms). */
      readonly retryInMs: number;
    }
  | { readonly status: 'failed'; readonly code: string; readonly error: string; readonly sinceMs: number };

/**
 * An ordered, durable log of opaque commands that feeds a state machine.
 *
 * Lifecycle: `start()` once, then any number of `append()`s, then `close()`. Entries are applied in index order,
 * each exactly once per process lifetime, and an append resolves only once its entry is durable and applied.
 */
export interface CommandLog {
  /** Recover: restore the latest valid snapshot, then apply every later entry; then accept appends. */
  start(handlers: LogHandlers): Promise<void>;
  /**
   * Append one entry. Resolves only after the entry is durable (fsync) AND applied; gives its index and apply()'s
   * result. Rejects if closed (or not yet started).
   *
   * NOTE: the log takes ownership of `data`; the caller must not mutate it afterwards.
   */
  append(data: Buffer): Promise<AppendResult>;
  /**
   * A read barrier (Consul's `?consistent`): resolves once every entry appended before the call, by this process
   * or (for a replicated backend) by any server, is applied here, so a read made after it sees every write
   * committed before it began. The embedded logs wait for their own pending appends; an etcd-backed log reads the
   * head revision linearizably and waits until it is applied. Rejects with `signal.reason` if the signal aborts,
   * and with the log's error if the log fails or is closed.
   */
  readBarrier(signal?: AbortSignal): Promise<void>;
  /** Index of the last applied entry (0 when empty). */
  readonly lastIndex: number;
  /** Whether appends are accepted now, and if not why. */
  readonly health: LogHealth;
  /** Flush pending appends, write nothing more, close files. Idempotent. */
  close(): Promise<void>;
}
