/**
 * Small filesystem helpers shared by segments, snapshots and the lock: full writes over `writev`, the durability
 * seam (fsync of files and of the directory) that the log counts and can switch off, and the filesystem seam
 * ({@link LogFs}) through which tests inject faults such as ENOSPC on a chosen write or fsync.
 *
 * @module
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';

/**
 * Most buffers passed to one `writev` call. Linux's IOV_MAX is 1024; libuv caps a call there and reports a short
 * write, which {@link writeFully} would handle anyway, but staying under it saves a round trip.
 */
export const MAX_IOVECS_PER_WRITE = 1024;

/**
 * Whether this platform has `O_DSYNC` (Linux and the BSDs do; Windows does not). Without it the log falls back to
 * `writev` + `fdatasync` per batch.
 */
export const O_DSYNC_AVAILABLE = typeof constants.O_DSYNC === 'number';

/** How a file is opened: read-only, read-write (must exist), or created/truncated for writing. */
export type LogOpenFlags = 'r' | 'r+' | 'w';

/** Extra open options. */
export interface LogOpenOptions {
  /**
   * Open with `O_DSYNC`: every write returns only once its data, and the metadata needed to read it back (the file
   * size), are durable, i.e. a write and an fdatasync in one system call. Ignored where {@link O_DSYNC_AVAILABLE} is
   * false; callers check that first.
   */
  readonly dsync?: boolean;
}

/** The part of a `FileHandle` the log uses (a `FileHandle` is one). */
export interface LogFile {
  writev(buffers: readonly NodeJS.ArrayBufferView[], position?: number): Promise<{ bytesWritten: number }>;
  /** fdatasync(2). */
  datasync(): Promise<void>;
  /** fsync(2). */
  sync(): Promise<void>;
  truncate(length?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The filesystem calls the log makes on its segments, snapshots and directory (the lock file aside, which holds no
 * data): the seam through which tests inject faults. Default {@link NODE_LOG_FS}.
 */
export interface LogFs {
  open(path: string, flags: LogOpenFlags, options?: LogOpenOptions): Promise<LogFile>;
  readFile(path: string): Promise<Buffer>;
  readdir(path: string): Promise<string[]>;
  /** Creates `path` and its parents; no error if it exists. */
  mkdirp(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

/** {@link LogFs} over `node:fs/promises`. */
export const NODE_LOG_FS: LogFs = Object.freeze({
  open: (path: string, flags: LogOpenFlags, options?: LogOpenOptions) =>
    open(path, options?.dsync === true && O_DSYNC_AVAILABLE ? dsyncFlags(flags) : flags),
  readFile: (path: string) => readFile(path),
  readdir: (path: string) => readdir(path),
  mkdirp: async (path: string) => {
    await mkdir(path, { recursive: true });
  },
  rename,
  unlink,
});

/** The numeric `open(2)` flags of `flags` plus `O_DSYNC`. */
function dsyncFlags(flags: LogOpenFlags): number {
  const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_TRUNC, O_DSYNC } = constants;
  const base = flags === 'r' ? O_RDONLY : flags === 'r+' ? O_RDWR : O_WRONLY | O_CREAT | O_TRUNC;
  return base | O_DSYNC;
}

/** How the log makes bytes durable; implemented by `FileLog` so it can count syncs and honour `fsync: false`. */
export interface Durability {
  /** fdatasync(2) `fh` (data and the metadata needed to read it back, e.g. the file size). */
  syncFile(fh: LogFile): Promise<void>;
  /** fsync(2) the log directory, making creates, renames and deletes in it durable. */
  syncDir(): Promise<void>;
}

/**
 * Writes every byte of `buffers` at `position`, one `writev` per {@link MAX_IOVECS_PER_WRITE} buffers, continuing
 * after short writes (which `FileHandle.writev` does not retry by itself). Returns the bytes written. `onWrite` is
 * called once per `writev` that returned (the log counts them: on an `O_DSYNC` file each one is a durable write).
 */
export async function writeFully(
  fh: Pick<LogFile, 'writev'>,
  buffers: readonly Buffer[],
  position: number,
  onWrite?: () => void,
): Promise<number> {
  let pending = buffers.filter((b) => b.length > 0);
  let at = position;
  while (pending.length > 0) {
    const chunk = pending.length > MAX_IOVECS_PER_WRITE ? pending.slice(0, MAX_IOVECS_PER_WRITE) : pending;
    const { bytesWritten } = await fh.writev(chunk, at);
    onWrite?.();
    if (bytesWritten <= 0) throw new Error(`writev wrote ${bytesWritten} bytes at offset ${at}`);
    at += bytesWritten;
    pending = dropWritten(pending, bytesWritten);
  }
  return at - position;
}

/** What is left of `buffers` once their first `count` bytes are written (no copying). */
export function dropWritten(buffers: readonly Buffer[], count: number): Buffer[] {
  let left = count;
  let i = 0;
  for (let buf = buffers[i]; buf !== undefined && left >= buf.length; buf = buffers[++i]) left -= buf.length;
  const partial = buffers[i];
  if (left === 0 || partial === undefined) return buffers.slice(i);
  return [partial.subarray(left), ...buffers.slice(i + 1)];
}

/** fsync(2) a directory (POSIX: needed so a create, rename or unlink in it survives a power loss). */
export async function fsyncDirectory(fs: LogFs, dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** `err.code` of a Node system error, if any. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/**
 * errno codes that mean "no room to write": the filesystem is full (`ENOSPC`) or the user's quota is used up
 * (`EDQUOT`). Unlike other write errors these pass: the log cuts the failed batch off and retries (see README).
 */
export const NO_SPACE_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT']);

/** The errno code of `err` when it is one of {@link NO_SPACE_CODES}. */
export function noSpaceCode(err: unknown): string | undefined {
  const code = errorCode(err);
  return code !== undefined && NO_SPACE_CODES.has(code) ? code : undefined;
}
