/**
 * Errors raised by the command log. Each carries a stable `code` (`ENT_ERR_LOG_*`) so edges can map it without
 * matching messages.
 *
 * @module
 */

/** Stable error codes of this folder; to be registered in `errors/codes.ts`. */
export const LOG_ERROR_CODES = Object.freeze({
  corrupt: 'ENT_ERR_LOG_CORRUPT',
  locked: 'ENT_ERR_LOG_LOCKED',
  closed: 'ENT_ERR_LOG_CLOSED',
  failed: 'ENT_ERR_LOG_FAILED',
  noSpace: 'ENT_ERR_LOG_NO_SPACE',
} as const);

/** Union of the codes above. */
export type LogErrorCode = (typeof LOG_ERROR_CODES)[keyof typeof LOG_ERROR_CODES];

/** Base class of every command-log error. */
export abstract class LogError extends Error {
  abstract readonly code: LogErrorCode;
}

/**
 * On-disk damage that cannot be a torn tail write, so repairing it could drop acknowledged entries: start-up stops
 * instead. `file` and `offset` locate the first bad byte.
 */
export class LogCorruptionError extends LogError {
  override readonly name = 'LogCorruptionError';
  readonly code = LOG_ERROR_CODES.corrupt;
  /** Absolute path of the damaged file. */
  readonly file: string;
  /** Byte offset of the damaged record (or header) within `file`. */
  readonly offset: number;

  constructor(file: string, offset: number, reason: string) {
    super(`command log corrupt: ${file} at byte offset ${offset}: ${reason}`);
    this.file = file;
    this.offset = offset;
  }
}

/** Another live process (or another log in this process) holds the directory's lock file. */
export class LogLockedError extends LogError {
  override readonly name = 'LogLockedError';
  readonly code = LOG_ERROR_CODES.locked;
  /** Absolute path of the lock file. */
  readonly lockFile: string;
  /** Pid recorded in the lock file. */
  readonly pid: number;

  constructor(lockFile: string, pid: number) {
    super(
      `command log directory is in use by process ${pid} (lock file ${lockFile}); ` +
        'stop that process, or delete the lock file if you are sure it is gone',
    );
    this.lockFile = lockFile;
    this.pid = pid;
  }
}

/** The log is not open: `append()` before `start()` finished, or after `close()`. */
export class LogClosedError extends LogError {
  override readonly name = 'LogClosedError';
  readonly code = LOG_ERROR_CODES.closed;

  constructor(state: string) {
    super(`command log is ${state}`);
  }
}

/**
 * A write or fsync failed. The log stops accepting appends (after a failed fsync the page cache can no longer be
 * trusted); entries whose append rejected with this error have an unknown outcome and may reappear on restart.
 */
export class LogFailedError extends LogError {
  override readonly name = 'LogFailedError';
  readonly code = LOG_ERROR_CODES.failed;

  constructor(message: string, options?: ErrorOptions) {
    super(`command log failed: ${message}`, options);
  }
}

/**
 * The disk is full (or the quota used up): a write or fsync failed with `ENOSPC`/`EDQUOT`. The entries of the
 * failed batch were cut off the log (their outcome is known: not written), and the log refuses appends until a
 * background retry finds room again; then appends are accepted again without a restart. The message names the
 * errno code and the system's text ("no space left on device").
 */
export class LogNoSpaceError extends LogError {
  override readonly name = 'LogNoSpaceError';
  readonly code = LOG_ERROR_CODES.noSpace;
  /** The errno code: `ENOSPC` or `EDQUOT`. */
  readonly errno: string;

  constructor(errno: string, message: string, options?: ErrorOptions) {
    super(`command log cannot write: ${message}`, options);
    this.errno = errno;
  }
}
