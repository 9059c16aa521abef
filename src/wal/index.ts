/**
 * The command log: an ordered, durable stream of opaque commands feeding the FSM. See README.md.
 *
 * @module
 */
export type { AppendResult, CommandLog, LogHandlers, LogHealth } from './command-log.js';
export {
  DEFAULT_SEGMENT_MAX_BYTES,
  DEFAULT_SNAPSHOT_THRESHOLD_ENTRIES,
  FileLog,
  MAX_BATCH_BYTES,
  MIN_SEGMENT_MAX_BYTES,
  SNAPSHOTS_RETAINED,
} from './file-log.js';
export type { FileLogOptions, FileLogStats, WalSyncMethod } from './file-log.js';
export { NODE_LOG_FS, NO_SPACE_CODES, O_DSYNC_AVAILABLE } from './fs-io.js';
export type { LogFile, LogFs, LogOpenFlags, LogOpenOptions } from './fs-io.js';
export { LOCK_FILE_NAME } from './lock-file.js';
export {
  LOG_ERROR_CODES,
  LogClosedError,
  LogCorruptionError,
  LogError,
  LogFailedError,
  LogLockedError,
  LogNoSpaceError,
} from './log-errors.js';
export type { LogErrorCode } from './log-errors.js';
export { MemoryLog } from './memory-log.js';
export {
  MIN_SPACE_PROBE_BYTES,
  NO_SPACE_RETRY_INITIAL_MS,
  NO_SPACE_RETRY_MAX_MS,
  noSpaceRetryDelay,
} from './no-space.js';
export { MAX_ENTRY_BYTES } from './record-codec.js';
export { NOOP_WAL_LOGGER } from './wal-logger.js';
export type { WalLogger } from './wal-logger.js';
