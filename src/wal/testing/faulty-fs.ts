/**
 * A {@link LogFs} over the real filesystem that fails chosen calls the way a full disk does, for the command-log
 * tests: while a fault is set, every `writev` writes a few bytes and then fails (a partial write, as the kernel does
 * when the last blocks run out), or every `datasync`/`sync` fails after the data was written. On a file opened with
 * `O_DSYNC` the flush is part of the write, so a sync fault makes its `writev` write everything and then fail, as the
 * kernel reports a failed flush of an `O_DSYNC` write.
 *
 * @module
 */
import type { LogFile, LogFs, LogOpenFlags, LogOpenOptions } from '../fs-io.js';
import { NODE_LOG_FS } from '../fs-io.js';

/** Which call fails, and with which errno code. */
export interface Fault {
  readonly op: 'write' | 'sync';
  readonly code: 'ENOSPC' | 'EDQUOT' | 'EIO';
}

const MESSAGES: Record<Fault['code'], string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'i/o error',
};

/** A system error as Node builds it: `ENOSPC: no space left on device, write`, with `code` and `syscall`. */
export function systemError(code: Fault['code'], syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${MESSAGES[code]}, ${syscall}`), { code, syscall });
}

/** Bytes a failing write still writes before it fails, so the tail holds a partial record. */
const PARTIAL_WRITE_BYTES = 7;

/** The injectable filesystem; set {@link fault} to start failing, clear it to "free space". */
export class FaultyFs implements LogFs {
  /** The fault in force, if any. */
  fault: Fault | undefined;
  /** Calls that failed because of a fault, by operation. */
  readonly failures = { write: 0, sync: 0 };

  open(path: string, flags: LogOpenFlags, options?: LogOpenOptions): Promise<LogFile> {
    return NODE_LOG_FS.open(path, flags, options).then((fh) => this.#wrap(fh, options?.dsync === true));
  }
  readFile(path: string): Promise<Buffer> {
    return NODE_LOG_FS.readFile(path);
  }
  readdir(path: string): Promise<string[]> {
    return NODE_LOG_FS.readdir(path);
  }
  mkdirp(path: string): Promise<void> {
    return NODE_LOG_FS.mkdirp(path);
  }
  rename(from: string, to: string): Promise<void> {
    return NODE_LOG_FS.rename(from, to);
  }
  unlink(path: string): Promise<void> {
    return NODE_LOG_FS.unlink(path);
  }

  #wrap(fh: LogFile, dsync: boolean): LogFile {
    const failing = (op: Fault['op']): Fault | undefined => (this.fault?.op === op ? this.fault : undefined);
    const sync = async (real: () => Promise<void>, syscall: string): Promise<void> => {
      const fault = failing('sync');
      if (fault === undefined) return real();
      this.failures.sync++;
      throw systemError(fault.code, syscall);
    };
    return {
      writev: async (buffers, position) => {
        const fault = failing('write');
        if (fault === undefined) {
          const written = await fh.writev(buffers, position);
          const flushFault = dsync ? failing('sync') : undefined;
          if (flushFault === undefined) return written;
          this.failures.sync++;
          throw systemError(flushFault.code, 'write');
        }
        this.failures.write++;
        const first = buffers[0];
        if (first !== undefined && first.byteLength > PARTIAL_WRITE_BYTES && position !== undefined) {
          const partial = Buffer.from(first.buffer, first.byteOffset, PARTIAL_WRITE_BYTES);
          await fh.writev([partial], position);
        }
        throw systemError(fault.code, 'write');
      },
      datasync: () => sync(() => fh.datasync(), 'fdatasync'),
      sync: () => sync(() => fh.sync(), 'fsync'),
      truncate: (length) => fh.truncate(length),
      close: () => fh.close(),
    };
  }
}
