/**
 * The directory lock: a `LOCK` file holding the owner's pid, so two processes never write the same log.
 *
 * Created atomically with its content (written to a private temp file, then hard-linked to `LOCK`, which fails if
 * it exists), so a reader never sees a half-written pid. A lock whose pid is no longer alive is stale (the owner
 * crashed) and is taken over.
 *
 * NOTE: limits: pid liveness is only meaningful on one host (no network filesystems), a recycled pid makes a stale
 * lock look live (remove it by hand), and two processes taking over the same stale lock at the same instant can
 * race.
 *
 * @module
 */
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { errorCode } from './fs-io.js';
import { LogLockedError } from './log-errors.js';
import type { WalLogger } from './wal-logger.js';

/** Name of the lock file inside the log directory. */
export const LOCK_FILE_NAME = 'LOCK';
/** Prefix of the temp files used to create the lock atomically. */
export const LOCK_TMP_PREFIX = `${LOCK_FILE_NAME}.tmp-`;
/** Attempts before giving up when the lock keeps changing hands. */
const MAX_LOCK_ATTEMPTS = 5;

/** A held directory lock. */
export interface DirLock {
  readonly path: string;
  /** Deletes the lock file. Idempotent. */
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(err) === 'EPERM';
  }
}

/** Pid in the lock file; `undefined` if the file vanished, `NaN` if it holds garbage. */
async function readHolder(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : Number.NaN;
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Takes the lock of `dir` for this process.
 *
 * @throws {LogLockedError} if a live process (this one included) holds it.
 */
export async function acquireDirLock(dir: string, logger: WalLogger): Promise<DirLock> {
  const path = join(dir, LOCK_FILE_NAME);
  const tmp = join(dir, `${LOCK_TMP_PREFIX}${process.pid}`);
  await writeFile(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await link(tmp, path);
        break;
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw err;
      }
      const holder = await readHolder(path);
      if (holder === undefined) continue; // released meanwhile
      if (Number.isSafeInteger(holder) && holder > 0 && isAlive(holder))
        throw new LogLockedError(path, holder);
      if (attempt >= MAX_LOCK_ATTEMPTS) throw new LogLockedError(path, holder);
      logger.warn({ file: path, stale_pid: holder }, 'taking over stale command log lock');
      await unlink(path).catch((err: unknown) => {
        if (errorCode(err) !== 'ENOENT') throw err;
      });
    }
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      await unlink(path).catch((err: unknown) => {
        if (errorCode(err) !== 'ENOENT') throw err;
      });
    },
  };
}
