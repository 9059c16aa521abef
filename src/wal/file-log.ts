/**
 * {@link FileLog}: the embedded, durable command log: segment files with group commit, plus snapshots that bound
 * replay time and disk use. The on-disk format and recovery rules are described in this folder's README.md.
 *
 * @module
 */
import { join } from 'node:path';

import { ApplyBarrier } from './apply-barrier.js';
import type { AppendResult, CommandLog, LogHandlers, LogHealth } from './command-log.js';
import type { Durability, LogFile, LogFs, LogOpenOptions } from './fs-io.js';
import {
  NODE_LOG_FS,
  O_DSYNC_AVAILABLE,
  errorCode,
  fsyncDirectory,
  noSpaceCode,
  writeFully,
} from './fs-io.js';
import type { DirLock } from './lock-file.js';
import { acquireDirLock } from './lock-file.js';
import { LogClosedError, LogCorruptionError, LogFailedError, LogNoSpaceError } from './log-errors.js';
import {
  MIN_SPACE_PROBE_BYTES,
  NO_SPACE_RETRY_INITIAL_MS,
  NO_SPACE_RETRY_MAX_MS,
  noSpaceRetryDelay,
  probeSpace,
} from './no-space.js';
import {
  MAX_ENTRY_BYTES,
  RECORD_FLAG_BATCH_START,
  RECORD_HEADER_BYTES,
  encodeRecordHeader,
  scanRecords,
} from './record-codec.js';
import {
  SEGMENT_HEADER_BYTES,
  checkSegmentHeader,
  createSegmentFile,
  parseSegmentFileName,
  segmentFileName,
} from './segment-file.js';
import {
  parseSnapshotFileName,
  readSnapshotFile,
  snapshotFileName,
  writeSnapshotFile,
} from './snapshot-file.js';
import type { WalLogger } from './wal-logger.js';
import { NOOP_WAL_LOGGER } from './wal-logger.js';

/** Default size at which the active segment is sealed and a new one started: 64 MiB. */
export const DEFAULT_SEGMENT_MAX_BYTES = 64 * 1024 * 1024;
/** Smallest accepted `segmentMaxBytes`: 1 KiB (tests use tiny segments; production should not). */
export const MIN_SEGMENT_MAX_BYTES = 1024;
/** Default number of entries applied since the last snapshot that triggers a new one. */
export const DEFAULT_SNAPSHOT_THRESHOLD_ENTRIES = 16_384;
/**
 * Snapshots kept on disk. Segments are deleted only once covered by the OLDER of the two, so if the newest snapshot
 * turns out corrupt, start-up falls back to the older one and replays the rest without losing anything.
 */
export const SNAPSHOTS_RETAINED = 2;
/** Most payload bytes written by one group-commit batch (4 MiB); a larger backlog goes in the next batch. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * How a batch is made durable (named after PostgreSQL's `wal_sync_method` values):
 *
 * - `open_datasync`: the active segment is opened with `O_DSYNC`, so the batch's one `writev` returns only once its
 *   bytes are durable: one system call, one thread-pool round trip per batch. The default where `O_DSYNC` exists.
 * - `fdatasync`: a plain `writev`, then `fdatasync`: two system calls and two thread-pool round trips per batch. The
 *   default (and the only choice) where `O_DSYNC` does not exist.
 *
 * Both acknowledge an append only after its bytes are durable; they differ in cost, not in guarantee.
 */
export type WalSyncMethod = 'open_datasync' | 'fdatasync';
const SYNC_METHODS: ReadonlySet<string> = new Set<WalSyncMethod>(['open_datasync', 'fdatasync']);

/** Options of {@link FileLog}. */
export interface FileLogOptions {
  /** Directory holding the segments, snapshots and lock file; created if missing. One log per directory. */
  readonly dir: string;
  /** Where recovery warnings and lifecycle events go. Default: discard. A pino logger fits. */
  readonly logger?: WalLogger;
  /**
   * Size in bytes past which the active segment is sealed and a new one started; a single batch larger than this
   * gets a segment of its own. Default {@link DEFAULT_SEGMENT_MAX_BYTES}; at least {@link MIN_SEGMENT_MAX_BYTES}.
   */
  readonly segmentMaxBytes?: number;
  /**
   * Entries applied since the last snapshot that trigger a new one. Default
   * {@link DEFAULT_SNAPSHOT_THRESHOLD_ENTRIES}; a positive integer, or `Infinity` to never snapshot.
   */
  readonly snapshotThresholdEntries?: number;
  /**
   * fsync before acknowledging. Default `true`. `false` trades durability for speed (tests, benchmarks): a crash of
   * the machine (not just the process) can then lose acknowledged entries, and recovery may reject the log.
   */
  readonly fsync?: boolean;
  /**
   * How batches are made durable (ignored with `fsync: false`). Default `open_datasync` where the platform has
   * `O_DSYNC`, else `fdatasync`; asking for `open_datasync` where it is missing throws.
   */
  readonly syncMethod?: WalSyncMethod;
  /** The filesystem calls (tests inject faults here). Default: `node:fs/promises`. */
  readonly fs?: LogFs;
  /**
   * Retry delays while the disk is full, in ms: the first, and the cap of the doubling. Default
   * {@link NO_SPACE_RETRY_INITIAL_MS} and {@link NO_SPACE_RETRY_MAX_MS}.
   */
  readonly noSpaceRetry?: { readonly initialMs: number; readonly maxMs: number };
}

/** Counters since construction, for tests and metrics. */
export interface FileLogStats {
  /** `append()` calls accepted. */
  readonly appends: number;
  /** Group-commit batches written (one `O_DSYNC` write, or one write + one fdatasync, each). */
  readonly batches: number;
  /**
   * Waits for the disk to make bytes durable: fsync/fdatasync calls on files and the directory, plus writes to an
   * `O_DSYNC` segment (each is a write and an fdatasync in one call). 0 when `fsync: false`.
   */
  readonly fsyncs: number;
  /** The part of `fsyncs` that were `O_DSYNC` segment writes (`syncMethod: 'open_datasync'`). */
  readonly dsyncWrites: number;
  /** Record bytes (headers + payloads) written to segments. */
  readonly bytesWritten: number;
  /** Snapshots written. */
  readonly snapshots: number;
  /** Segments created (start-up included). */
  readonly segmentsCreated: number;
}

type FileLogState = 'new' | 'starting' | 'open' | 'degraded' | 'closing' | 'closed' | 'failed';

/** A period during which the disk was full: appends are refused and retried (see `no-space.ts`). */
interface Outage {
  readonly code: string;
  readonly error: string;
  readonly sinceMs: number;
  readonly probeBytes: number;
  attempts: number;
  retryInMs: number;
}

interface PendingAppend {
  readonly index: number;
  readonly data: Buffer;
  readonly resolve: (value: AppendResult) => void;
  readonly reject: (reason: Error) => void;
}

/** A batch whose write (and sync) has started; `written` resolves once it is durable, or with the error. */
interface InFlightBatch {
  readonly batch: readonly PendingAppend[];
  readonly written: Promise<{ readonly error: unknown } | undefined>;
}

interface MutableStats {
  appends: number;
  batches: number;
  fsyncs: number;
  dsyncWrites: number;
  bytesWritten: number;
  snapshots: number;
  segmentsCreated: number;
}

function checkOptions(options: FileLogOptions): void {
  if (typeof options.dir !== 'string' || options.dir === '')
    throw new TypeError('FileLog: `dir` is required');
  const method = options.syncMethod;
  if (method !== undefined && !SYNC_METHODS.has(method))
    throw new RangeError("FileLog: syncMethod must be 'open_datasync' or 'fdatasync'");
  if (method === 'open_datasync' && !O_DSYNC_AVAILABLE)
    throw new RangeError("FileLog: syncMethod 'open_datasync' needs O_DSYNC, which this platform lacks");
  const { segmentMaxBytes, snapshotThresholdEntries } = options;
  if (
    segmentMaxBytes !== undefined &&
    (!Number.isSafeInteger(segmentMaxBytes) || segmentMaxBytes < MIN_SEGMENT_MAX_BYTES)
  ) {
    throw new RangeError(`FileLog: segmentMaxBytes must be an integer >= ${MIN_SEGMENT_MAX_BYTES}`);
  }
  const retry = options.noSpaceRetry;
  if (
    retry !== undefined &&
    !(retry.initialMs > 0 && retry.maxMs >= retry.initialMs && Number.isFinite(retry.maxMs))
  ) {
    throw new RangeError('FileLog: noSpaceRetry needs 0 < initialMs <= maxMs (finite)');
  }
  if (
    snapshotThresholdEntries !== undefined &&
    snapshotThresholdEntries !== Number.POSITIVE_INFINITY &&
    (!Number.isSafeInteger(snapshotThresholdEntries) || snapshotThresholdEntries < 1)
  ) {
    throw new RangeError('FileLog: snapshotThresholdEntries must be a positive integer or Infinity');
  }
}

/**
 * The durable {@link CommandLog}.
 *
 * - **Appends**: the index is assigned synchronously; appends are queued and written in group-commit batches, one
 *   `writev` to an `O_DSYNC` segment (or one `writev` + one `fdatasync`, see {@link WalSyncMethod}) per batch, with
 *   the next batch collecting whatever arrived meanwhile. After a batch is durable its entries are applied in order
 *   and their appends resolved.
 * - **Snapshots**: every `snapshotThresholdEntries` applied entries, `handlers.snapshot()` is called between two
 *   applies and its bytes written in the background; older snapshots and covered segments are then deleted.
 * - **Recovery** (`start()`): newest valid snapshot, then replay of later entries; a torn write at the very tail is
 *   cut off with a warning, anything else throws {@link LogCorruptionError}.
 * - **Full disk**: a write or fsync failing with `ENOSPC`/`EDQUOT` cuts the batch off the log, rejects it and the
 *   queued appends with {@link LogNoSpaceError} and degrades the log: appends are refused until a background
 *   retry (doubling delay, capped) finds room, then accepted again without a restart (`no-space.ts`).
 * - **Failure**: any other failed write or fsync puts the log in a failed state; every pending and later append
 *   rejects with {@link LogFailedError} and the process should restart (after a failed fsync the kernel's page
 *   cache can no longer be trusted).
 */
export class FileLog implements CommandLog {
  readonly #dir: string;
  readonly #logger: WalLogger;
  readonly #segmentMaxBytes: number;
  readonly #snapshotThreshold: number;
  readonly #fsync: boolean;
  /** How the active segment is opened: with `O_DSYNC` (each batch write is durable on return) or plain. */
  readonly #appendOptions: LogOpenOptions;
  readonly #stats: MutableStats = {
    appends: 0,
    batches: 0,
    fsyncs: 0,
    dsyncWrites: 0,
    bytesWritten: 0,
    snapshots: 0,
    segmentsCreated: 0,
  };
  readonly #durability: Durability;
  readonly #fs: LogFs;
  readonly #retryInitialMs: number;
  readonly #retryMaxMs: number;

  #state: FileLogState = 'new';
  #failure: LogFailedError | undefined;
  #failedAtMs = 0;
  /** Set while the disk is full (state `degraded`). */
  #outage: Outage | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryTask: Promise<void> | undefined;
  #handlers: LogHandlers | undefined;
  #lock: DirLock | undefined;
  #startTask: Promise<void> | undefined;
  #closeTask: Promise<void> | undefined;

  /** First index of every segment on disk, ascending; the last one is the active segment. */
  #segments: number[] = [];
  #active: LogFile | undefined;
  /** Bytes in the active segment, i.e. where the next batch is written. */
  #activeSize = 0;

  #nextIndex = 1;
  #lastApplied = 0;
  /** `readBarrier()` waiters, released as entries are applied. */
  readonly #barrier = new ApplyBarrier();

  #queue: PendingAppend[] = [];
  #flushTask: Promise<void> | undefined;

  /** Snapshot indexes on disk, newest first. */
  #snapshots: number[] = [];
  #appliedSinceSnapshot = 0;
  #snapshotTask: Promise<void> | undefined;

  constructor(options: FileLogOptions) {
    checkOptions(options);
    this.#dir = options.dir;
    this.#logger = options.logger ?? NOOP_WAL_LOGGER;
    this.#segmentMaxBytes = options.segmentMaxBytes ?? DEFAULT_SEGMENT_MAX_BYTES;
    this.#snapshotThreshold = options.snapshotThresholdEntries ?? DEFAULT_SNAPSHOT_THRESHOLD_ENTRIES;
    this.#fsync = options.fsync ?? true;
    const method = options.syncMethod ?? (O_DSYNC_AVAILABLE ? 'open_datasync' : 'fdatasync');
    this.#appendOptions = { dsync: this.#fsync && method === 'open_datasync' };
    this.#fs = options.fs ?? NODE_LOG_FS;
    this.#retryInitialMs = options.noSpaceRetry?.initialMs ?? NO_SPACE_RETRY_INITIAL_MS;
    this.#retryMaxMs = options.noSpaceRetry?.maxMs ?? NO_SPACE_RETRY_MAX_MS;
    this.#durability = {
      syncFile: async (fh) => {
        if (!this.#fsync) return;
        this.#stats.fsyncs++;
        await fh.datasync();
      },
      syncDir: async () => {
        if (!this.#fsync) return;
        this.#stats.fsyncs++;
        await fsyncDirectory(this.#fs, this.#dir);
      },
    };
  }

  /** The log directory. */
  get dir(): string {
    return this.#dir;
  }

  /** Index of the last applied entry (0 when empty). */
  get lastIndex(): number {
    return this.#lastApplied;
  }

  /** A copy of the counters. */
  get stats(): FileLogStats {
    return { ...this.#stats };
  }

  /** Whether appends are accepted: `ok`, `degraded` (disk full, retrying) or `failed` (until restart). */
  get health(): LogHealth {
    const outage = this.#outage;
    if (this.#state === 'degraded' && outage !== undefined) {
      return {
        status: 'degraded',
        code: outage.code,
        error: outage.error,
        sinceMs: outage.sinceMs,
        attempts: outage.attempts,
        retryInMs: outage.retryInMs,
      };
    }
    const failure = this.#failure;
    if (failure !== undefined) {
      const cause = failure.cause;
      return {
        status: 'failed',
        code: errorCode(cause) ?? failure.code,
        error: cause instanceof Error ? cause.message : failure.message,
        sinceMs: this.#failedAtMs,
      };
    }
    return { status: 'ok' };
  }

  /**
   * Locks the directory and recovers: restores the newest valid snapshot, replays every later entry through
   * `handlers.apply`, cuts off a torn tail. Call once.
   *
   * @throws {LogLockedError} if another live process holds the directory.
   * @throws {LogCorruptionError} on damage that is not a torn tail write (names the file and byte offset).
   */
  async start(handlers: LogHandlers): Promise<void> {
    if (this.#state !== 'new') throw new Error(`FileLog.start() called while ${this.#state}`);
    this.#state = 'starting';
    this.#handlers = handlers;
    this.#startTask = this.#recover(handlers);
    try {
      await this.#startTask;
    } catch (err) {
      this.#state = 'closed';
      await this.#active?.close().catch(() => undefined);
      this.#active = undefined;
      await this.#lock?.release().catch(() => undefined);
      throw err;
    }
    // close() may have been called while recovering; it then owns the state.
    if (this.#closeTask === undefined) this.#state = 'open';
    this.#maybeSnapshot(handlers);
  }

  /**
   * Appends one entry: resolves once it is fsynced and applied, with its index and `apply()`'s result.
   *
   * @throws {LogClosedError} (rejection) before `start()` completed or once `close()` was called.
   * @throws {LogNoSpaceError} (rejection) while the disk is full (see `health`); nothing was written.
   * @throws {LogFailedError} (rejection) after a write or fsync failure.
   */
  append(data: Buffer): Promise<AppendResult> {
    if (this.#state === 'degraded') return Promise.reject(this.#refusal());
    if (this.#state !== 'open') {
      return Promise.reject(
        this.#failure ?? new LogClosedError(this.#state === 'new' ? 'not started' : this.#state),
      );
    }
    if (data.length > MAX_ENTRY_BYTES) {
      return Promise.reject(new RangeError(`entry of ${data.length} bytes exceeds ${MAX_ENTRY_BYTES}`));
    }
    const index = this.#nextIndex++;
    this.#stats.appends++;
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ index, data, resolve, reject });
      this.#kickFlush();
    });
  }

  /**
   * Resolves once every entry appended before the call is durable and applied. Rejects with the failure if the log
   * has failed (those entries will not be applied by this process), and if it is not started.
   */
  readBarrier(signal?: AbortSignal): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#state === 'new' || this.#state === 'starting')
      return Promise.reject(new LogClosedError('not started'));
    return this.#barrier.wait(this.#nextIndex - 1, this.#lastApplied, signal);
  }

  /**
   * Stops accepting appends, writes and applies those already accepted, waits for an in-flight snapshot, closes the
   * files and releases the lock. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    this.#closeTask ??= this.#close();
    return this.#closeTask;
  }

  async #close(): Promise<void> {
    if (this.#state !== 'failed') this.#state = 'closing';
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#retryTask;
    await this.#startTask?.catch(() => undefined);
    while (this.#flushTask !== undefined) await this.#flushTask;
    while (this.#snapshotTask !== undefined) await this.#snapshotTask;
    const active = this.#active;
    this.#active = undefined;
    try {
      await active?.close();
    } finally {
      await this.#lock?.release();
      if (this.#state !== 'failed') this.#state = 'closed';
    }
  }

  // ---------------------------------------------------------------------------------------------- recovery

  async #recover(handlers: LogHandlers): Promise<void> {
    const dir = this.#dir;
    await this.#fs.mkdirp(dir);
    this.#lock = await acquireDirLock(dir, this.#logger);
    const started = performance.now();

    const names = await this.#fs.readdir(dir);
    const segments: number[] = [];
    const snapshots: number[] = [];
    for (const name of names) {
      if (name.endsWith('.wal.tmp') || name.endsWith('.snap.tmp')) {
        // An interrupted segment creation or snapshot write (or a space probe): never renamed, so never used.
        await this.#fs.unlink(join(dir, name));
        continue;
      }
      const first = parseSegmentFileName(name);
      if (first !== undefined) segments.push(first);
      const snap = parseSnapshotFileName(name);
      if (snap !== undefined) snapshots.push(snap);
    }
    segments.sort((a, b) => a - b);
    snapshots.sort((a, b) => b - a);

    // Newest valid snapshot; invalid ones are set aside (renamed, kept for inspection) with a warning.
    let base = 0;
    let baseData: Buffer | undefined;
    const usable: number[] = [];
    for (const index of snapshots) {
      if (baseData !== undefined) {
        usable.push(index);
        continue;
      }
      const file = join(dir, snapshotFileName(index));
      const read = await readSnapshotFile(this.#fs, file, index);
      if (!read.ok) {
        this.#logger.warn(
          { file, reason: read.reason },
          'ignoring corrupt snapshot, falling back to an older snapshot or a full replay',
        );
        await this.#fs.rename(file, `${file}.corrupt`);
        continue;
      }
      base = index;
      baseData = read.data;
      usable.push(index);
    }
    if (baseData === undefined && snapshots.length > 0) {
      this.#logger.warn({ dir }, 'no valid snapshot: replaying the log from the start');
    }

    // Segments entirely covered by the snapshot are skipped unread; replay starts at the last one beginning at or
    // before base + 1.
    let from = 0;
    while (from + 1 < segments.length && (segments[from + 1] ?? 0) <= base + 1) from++;
    const firstSegment = segments[from];
    if (firstSegment !== undefined && firstSegment > base + 1) {
      throw new LogCorruptionError(
        join(dir, segmentFileName(firstSegment)),
        0,
        `entries ${base + 1}..${firstSegment - 1} are missing (no valid snapshot covers them)`,
      );
    }
    if (baseData !== undefined) handlers.restore(base, baseData);
    baseData = undefined;

    let lastIndex = base;
    /** Index the next record in the log would carry, per the segments read so far. */
    let logNext = firstSegment ?? base + 1;
    let entries = 0;
    for (let i = from; i < segments.length; i++) {
      const first = segments[i] ?? 0;
      const file = join(dir, segmentFileName(first));
      const isLast = i === segments.length - 1;
      if (i > from && first !== logNext) {
        throw new LogCorruptionError(
          file,
          0,
          `index gap: segment starts at entry ${first}, previous segment ends at ${logNext - 1}`,
        );
      }
      const buf = await this.#fs.readFile(file);
      const headerProblem = checkSegmentHeader(buf, first);
      if (headerProblem !== undefined) throw new LogCorruptionError(file, 0, headerProblem);
      const scan = scanRecords(buf, SEGMENT_HEADER_BYTES, first, isLast);
      if (scan.kind === 'corrupt') throw new LogCorruptionError(file, scan.offset, scan.reason);
      if (scan.kind === 'torn') {
        this.#logger.warn(
          { file, offset: scan.end, discarded_bytes: buf.length - scan.end, reason: scan.reason },
          'truncating torn write at the tail of the command log',
        );
        await this.#truncate(file, scan.end);
      }
      for (const record of scan.records) {
        if (record.index <= base) continue;
        // A copy, so the FSM may keep it without pinning the whole segment buffer.
        const data = Buffer.from(
          buf.subarray(record.payloadOffset, record.payloadOffset + record.payloadLength),
        );
        this.#applyOne(handlers, record.index, data);
        lastIndex = record.index;
        entries++;
      }
      logNext = first + scan.records.length;
      if (isLast) this.#activeSize = scan.end;
    }

    this.#lastApplied = lastIndex;
    this.#nextIndex = lastIndex + 1;
    this.#snapshots = usable;
    this.#appliedSinceSnapshot = lastIndex - base;
    this.#segments = segments;

    const last = segments[segments.length - 1];
    if (last !== undefined && logNext === this.#nextIndex) {
      this.#active = await this.#fs.open(join(dir, segmentFileName(last)), 'r+', this.#appendOptions);
    } else {
      if (last !== undefined) {
        this.#logger.warn(
          { dir, log_end: logNext - 1, snapshot_index: base },
          'snapshot is newer than the end of the log; continuing after the snapshot',
        );
      }
      await this.#startSegment(this.#nextIndex);
    }
    this.#logger.info(
      {
        dir,
        snapshot_index: base,
        last_index: lastIndex,
        replayed_entries: entries,
        duration_ms: Math.round(performance.now() - started),
      },
      'command log recovered',
    );
  }

  async #truncate(file: string, length: number): Promise<void> {
    const fh = await this.#fs.open(file, 'r+');
    try {
      await fh.truncate(length);
      await this.#durability.syncFile(fh);
    } finally {
      await fh.close();
    }
  }

  /** Creates segment `firstIndex`, makes it the active one and closes the previous one. */
  async #startSegment(firstIndex: number): Promise<void> {
    const fh = await createSegmentFile(
      this.#fs,
      this.#dir,
      firstIndex,
      this.#durability,
      this.#appendOptions,
    );
    this.#stats.segmentsCreated++;
    const previous = this.#active;
    this.#active = fh;
    this.#activeSize = SEGMENT_HEADER_BYTES;
    this.#segments.push(firstIndex);
    // The previous segment was synced after its last batch; closing it only releases the descriptor.
    await previous?.close();
  }

  // ---------------------------------------------------------------------------------------------- write path

  /** Starts the flush loop unless it runs. */
  #kickFlush(): void {
    this.#flushTask ??= this.#drain();
  }

  /**
   * Writes batches until the queue is empty. Never rejects: failures reject the appends instead.
   *
   * Once a batch is durable, the next batch (whatever queued meanwhile) is started **before** this one is applied,
   * so the disk works while the event loop applies and resolves. Batches still reach the disk strictly one after
   * another (the next is written only after this one is durable), entries are applied in index order, and an entry
   * is applied and resolved only after its own batch is durable.
   *
   * NOTE: `#flushTask` is cleared in the same synchronous step that finds the queue empty, so an append made by a
   * continuation of a resolved append (which runs only after this function yields) always restarts the loop.
   */
  async #drain(): Promise<void> {
    // Yield once, so appends made in the same tick as the first one share its batch.
    await Promise.resolve();
    const handlers = this.#handlers;
    if (handlers === undefined) {
      // Unreachable: append() accepts entries only once start() has set the handlers.
      this.#rejectAll(this.#queue.splice(0), new LogClosedError('not started'));
      this.#flushTask = undefined;
      return;
    }
    let inFlight = this.#startNextBatch();
    while (inFlight !== undefined) {
      const { batch, written } = inFlight;
      const failed = await written;
      if (failed !== undefined) {
        await this.#onWriteError(failed.error, batch);
        inFlight = this.#startNextBatch();
        continue;
      }
      const next = this.#startNextBatch();
      this.#applyBatch(handlers, batch);
      // apply() may itself have appended (synchronously): look at the queue again before giving up.
      inFlight = next ?? this.#startNextBatch();
    }
    this.#flushTask = undefined;
  }

  /**
   * Takes the next batch off the queue and starts writing it; `undefined` if the queue is empty. Batches taken
   * while the log has failed are rejected at once.
   */
  #startNextBatch(): InFlightBatch | undefined {
    for (;;) {
      if (this.#queue.length === 0) return undefined;
      const batch = this.#takeBatch();
      if (this.#failure !== undefined) {
        this.#rejectAll(batch, this.#failure);
        continue;
      }
      const written = this.#writeBatch(batch).then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
      return { batch, written };
    }
  }

  /** Applies a durable batch in index order and resolves (or, if `apply` threw, rejects) its appends. */
  #applyBatch(handlers: LogHandlers, batch: readonly PendingAppend[]): void {
    for (const entry of batch) {
      try {
        entry.resolve({
          index: entry.index,
          result: this.#applyOne(handlers, entry.index, entry.data, true),
        });
      } catch (err) {
        entry.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.#appliedSinceSnapshot += batch.length;
    this.#maybeSnapshot(handlers);
  }

  /** Takes the queued appends that make up the next batch (at least one; at most {@link MAX_BATCH_BYTES}). */
  #takeBatch(): PendingAppend[] {
    let bytes = 0;
    let count = 0;
    for (const entry of this.#queue) {
      if (count > 0 && bytes + entry.data.length > MAX_BATCH_BYTES) break;
      bytes += entry.data.length;
      count++;
    }
    if (count === this.#queue.length) {
      const batch = this.#queue;
      this.#queue = [];
      return batch;
    }
    return this.#queue.splice(0, count);
  }

  async #writeBatch(batch: readonly PendingAppend[]): Promise<void> {
    const first = batch[0];
    if (first === undefined) return;
    let bytes = 0;
    for (const entry of batch) bytes += RECORD_HEADER_BYTES + entry.data.length;
    // A batch never spans segments: the batch-start flag (and torn-write detection) relies on it.
    if (this.#activeSize > SEGMENT_HEADER_BYTES && this.#activeSize + bytes > this.#segmentMaxBytes) {
      await this.#startSegment(first.index);
    }
    const active = this.#active;
    if (active === undefined) throw new Error('no active segment');
    const headers = Buffer.allocUnsafe(RECORD_HEADER_BYTES * batch.length);
    const iov: Buffer[] = [];
    batch.forEach((entry, i) => {
      const at = i * RECORD_HEADER_BYTES;
      encodeRecordHeader(headers, at, entry.index, entry.data, i === 0 ? RECORD_FLAG_BATCH_START : 0);
      iov.push(headers.subarray(at, at + RECORD_HEADER_BYTES), entry.data);
    });
    if (this.#appendOptions.dsync === true) {
      // O_DSYNC: each writev returns once its bytes are durable, so when writeFully returns the batch is.
      await writeFully(active, iov, this.#activeSize, () => {
        this.#stats.fsyncs++;
        this.#stats.dsyncWrites++;
      });
    } else {
      await writeFully(active, iov, this.#activeSize);
      await this.#durability.syncFile(active);
    }
    // Only now: a batch whose write or sync failed is cut back to here (see #onWriteError).
    this.#activeSize += bytes;
    this.#stats.batches++;
    this.#stats.bytesWritten += bytes;
  }

  /**
   * Applies one entry and records it as applied. At start-up (`rethrow` false) an exception is logged and replay
   * goes on, matching what happened when the entry was first appended.
   */
  #applyOne(handlers: LogHandlers, index: number, data: Buffer, rethrow = false): unknown {
    try {
      return handlers.apply(index, data);
    } catch (err) {
      if (rethrow) throw err;
      this.#logger.error({ index, err }, 'apply failed during replay; continuing');
      return undefined;
    } finally {
      this.#lastApplied = index;
      this.#barrier.advance(index);
    }
  }

  #fail(err: unknown, batch: readonly PendingAppend[]): void {
    const what = batch.length > 0 ? `write or fsync of entries ${batch[0]?.index ?? '?'}..` : 'a write';
    const failure = new LogFailedError(
      `${what} failed: ${errorText(err)}; writes are refused until the agent restarts`,
      { cause: err },
    );
    this.#logger.error(
      { dir: this.#dir, code: errorCode(err), err },
      'command log write failed; refusing further appends until restart',
    );
    this.#failure = failure;
    this.#failedAtMs = Date.now();
    this.#state = 'failed';
    this.#barrier.failAll(failure);
    this.#outage = undefined;
    this.#rejectAll(batch, failure);
  }

  // ---------------------------------------------------------------------------------------------- full disk

  /**
   * A batch failed to write or sync. Lack of space (`ENOSPC`/`EDQUOT`) is survivable: cut the batch off, reject it
   * and everything queued behind it (whose indexes are given back), refuse appends and retry in the background.
   * Anything else, or a cut that fails, fails the log for good.
   */
  async #onWriteError(err: unknown, batch: readonly PendingAppend[]): Promise<void> {
    const code = noSpaceCode(err);
    if (code === undefined || (this.#state !== 'open' && this.#state !== 'closing')) {
      this.#fail(err, batch);
      return;
    }
    const retrying = this.#state === 'open';
    // From here on appends are refused at once instead of queueing behind a write that cannot succeed.
    if (retrying) this.#state = 'degraded';
    let cutIsDurable = true;
    try {
      await this.#rollBack();
    } catch (cutErr) {
      // Truncating needs no space, but syncing it may still report ENOSPC; the retry redoes the cut, durably,
      // before writes resume. Anything else leaves the tail in an unknown state: fail for good.
      if (!retrying || noSpaceCode(cutErr) === undefined) {
        this.#fail(err, [...batch, ...this.#queue.splice(0)]);
        return;
      }
      cutIsDurable = false;
    }
    const rejected = [...batch, ...this.#queue.splice(0)];
    this.#nextIndex = this.#lastApplied + 1;
    // Read barriers waiting for the refused entries: those will never be applied (nor were they acknowledged), so
    // everything a waiter can be owed is applied already.
    this.#barrier.advance(Number.MAX_SAFE_INTEGER);
    let bytes = 0;
    for (const entry of batch) bytes += RECORD_HEADER_BYTES + entry.data.length;
    this.#outage = {
      code,
      error: errorText(err),
      sinceMs: Date.now(),
      probeBytes: Math.max(MIN_SPACE_PROBE_BYTES, bytes),
      attempts: 0,
      retryInMs: this.#retryInitialMs,
    };
    const range = `${rejected[0]?.index ?? '?'}..${rejected[rejected.length - 1]?.index ?? '?'}`;
    const outcome = cutIsDurable
      ? 'were not written'
      : 'were cut from the log (a crash before the cut is synced could bring them back)';
    this.#rejectAll(
      rejected,
      new LogNoSpaceError(
        code,
        `${errorText(err)}: entries ${range} ${outcome}; the log ends at entry ${this.#lastApplied}; ` +
          `writes are refused until there is room again, checked every ${this.#retryMaxMs / 1000} s at most`,
        { cause: err },
      ),
    );
    this.#logger.error(
      {
        dir: this.#dir,
        code,
        err: errorText(err),
        rejected_entries: rejected.length,
        last_index: this.#lastApplied,
        retry_in_ms: this.#retryInitialMs,
      },
      'command log write failed for lack of disk space; refusing writes and retrying until there is room',
    );
    if (retrying) this.#scheduleRetry();
    else this.#outage = undefined;
  }

  /** Cuts the active segment back to the end of the last acknowledged batch, durably. */
  async #rollBack(): Promise<void> {
    const active = this.#active;
    if (active === undefined) return;
    await active.truncate(this.#activeSize);
    await this.#durability.syncFile(active);
  }

  /** The rejection of an append made while the disk is full. */
  #refusal(): LogNoSpaceError {
    const outage = this.#outage;
    const code = outage?.code ?? 'ENOSPC';
    const since = new Date(outage?.sinceMs ?? Date.now()).toISOString();
    return new LogNoSpaceError(
      code,
      `${outage?.error ?? code}: writes are refused since ${since}; ` +
        `next check for free space in ${outage?.retryInMs ?? 0} ms (checks so far: ${outage?.attempts ?? 0})`,
    );
  }

  #scheduleRetry(): void {
    const delay = this.#outage?.retryInMs ?? this.#retryInitialMs;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#retryTask = this.#retry().finally(() => {
        this.#retryTask = undefined;
      });
    }, delay);
    // The retry must not keep an otherwise finished process alive; close() cancels it.
    this.#retryTimer.unref();
  }

  /** Re-reads the state after an await: `close()` may have run meanwhile (a method, so TS does not narrow it). */
  #stillDegraded(): boolean {
    return this.#state === 'degraded';
  }

  /** One check for free space; accepts appends again when it passes, else schedules the next (later) one. */
  async #retry(): Promise<void> {
    const outage = this.#outage;
    if (this.#state !== 'degraded' || outage === undefined) return;
    outage.attempts++;
    try {
      // The cut first (again: cheap, and it may not have been synced yet), then room for a batch like the failed one.
      await this.#rollBack();
      await probeSpace(this.#fs, this.#dir, outage.probeBytes, this.#durability);
    } catch (err) {
      if (!this.#stillDegraded()) return;
      if (noSpaceCode(err) === undefined) {
        this.#fail(err, []);
        return;
      }
      outage.retryInMs = noSpaceRetryDelay(outage.attempts, this.#retryInitialMs, this.#retryMaxMs);
      this.#logger.debug(
        { dir: this.#dir, attempts: outage.attempts, retry_in_ms: outage.retryInMs },
        'still no room for the command log',
      );
      this.#scheduleRetry();
      return;
    }
    if (!this.#stillDegraded()) return;
    this.#state = 'open';
    this.#outage = undefined;
    this.#logger.warn(
      {
        dir: this.#dir,
        code: outage.code,
        refused_for_ms: Date.now() - outage.sinceMs,
        attempts: outage.attempts,
      },
      'command log has room again; accepting writes',
    );
  }

  #rejectAll(batch: readonly PendingAppend[], reason: Error): void {
    for (const entry of batch) entry.reject(reason);
  }

  // ---------------------------------------------------------------------------------------------- snapshots

  #maybeSnapshot(handlers: LogHandlers): void {
    if (this.#appliedSinceSnapshot < this.#snapshotThreshold || this.#snapshotTask !== undefined) return;
    if (this.#state !== 'open' && this.#state !== 'closing') return;
    let snapshot: { index: number; data: Buffer };
    try {
      snapshot = handlers.snapshot();
    } catch (err) {
      this.#logger.error({ err }, 'FSM snapshot() failed; will retry after the next threshold');
      this.#appliedSinceSnapshot = 0;
      return;
    }
    const newest = this.#snapshots[0] ?? 0;
    if (
      !Number.isSafeInteger(snapshot.index) ||
      snapshot.index > this.#lastApplied ||
      snapshot.index <= newest
    ) {
      this.#logger.error(
        { snapshot_index: snapshot.index, last_index: this.#lastApplied, newest_snapshot: newest },
        'FSM snapshot() returned an impossible index; snapshot skipped',
      );
      this.#appliedSinceSnapshot = 0;
      return;
    }
    this.#appliedSinceSnapshot = this.#lastApplied - snapshot.index;
    this.#snapshotTask = this.#persistSnapshot(snapshot.index, snapshot.data).finally(() => {
      this.#snapshotTask = undefined;
    });
  }

  /** Writes the snapshot, then compacts. Never rejects: a failed snapshot is logged and the log goes on. */
  async #persistSnapshot(index: number, data: Buffer): Promise<void> {
    const started = performance.now();
    let file: string;
    try {
      file = await writeSnapshotFile(this.#fs, this.#dir, index, data, this.#durability);
    } catch (err) {
      this.#logger.error({ dir: this.#dir, snapshot_index: index, err }, 'writing snapshot failed');
      return;
    }
    this.#stats.snapshots++;
    this.#snapshots.unshift(index);
    this.#logger.info(
      {
        file,
        snapshot_index: index,
        bytes: data.length,
        duration_ms: Math.round(performance.now() - started),
      },
      'snapshot written',
    );
    try {
      await this.#compact();
    } catch (err) {
      this.#logger.warn({ dir: this.#dir, err }, 'compaction failed; will retry after the next snapshot');
    }
  }

  /**
   * Deletes snapshots beyond the {@link SNAPSHOTS_RETAINED} newest, and sealed segments whose entries are all
   * covered by the oldest retained snapshot. Oldest first, so a crash midway leaves a contiguous suffix.
   */
  async #compact(): Promise<void> {
    const dropSnapshots = this.#snapshots.splice(SNAPSHOTS_RETAINED);
    const bound = this.#snapshots[this.#snapshots.length - 1] ?? 0;
    const dropSegments: number[] = [];
    if (this.#snapshots.length >= SNAPSHOTS_RETAINED) {
      // Segment i holds entries up to (first index of segment i+1) - 1; the last (active) one is never deleted.
      while (this.#segments.length > 1 && (this.#segments[1] ?? 0) - 1 <= bound) {
        const first = this.#segments.shift();
        if (first !== undefined) dropSegments.push(first);
      }
    }
    if (dropSnapshots.length === 0 && dropSegments.length === 0) return;
    for (const first of dropSegments) await this.#unlinkIfPresent(join(this.#dir, segmentFileName(first)));
    for (const index of dropSnapshots.reverse()) {
      await this.#unlinkIfPresent(join(this.#dir, snapshotFileName(index)));
    }
    await this.#durability.syncDir();
    this.#logger.debug(
      { dir: this.#dir, segments_deleted: dropSegments.length, snapshots_deleted: dropSnapshots.length },
      'compacted command log',
    );
  }

  async #unlinkIfPresent(path: string): Promise<void> {
    try {
      await this.#fs.unlink(path);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT') throw err;
    }
  }
}

/** The message of a system error (`ENOSPC: no space left on device, write`), or a string form of anything else. */
function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
