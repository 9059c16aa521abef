/**
 * Small filesystem helpers shared by segments, snapshots and the lock: full writes over `writev`, and the
 * durability seam (fsync of files and of the directory) that the log counts and can switch off.
 *
 * @module
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';

/**
 * Most buffers passed to one `writev` call. Linux's IOV_MAX is 1024; libuv caps a call there and reports a short
 * write, which {@link writeFully} would handle anyway, but staying under it saves a round trip.
 */
export const MAX_IOVECS_PER_WRITE = 1024;

/** How the log makes bytes durable; implemented by `FileLog` so it can count syncs and honour `fsync: false`. */
export interface Durability {
  /** fdatasync(2) `fh` (data and the metadata needed to read it back, e.g. the file size). */
  syncFile(fh: FileHandle): Promise<void>;
  /** fsync(2) the log directory, making creates, renames and deletes in it durable. */
  syncDir(): Promise<void>;
}

/**
 * Writes every byte of `buffers` at `position`, one `writev` per {@link MAX_IOVECS_PER_WRITE} buffers, continuing
 * after short writes (which `FileHandle.writev` does not retry by itself). Returns the bytes written.
 */
export async function writeFully(
  fh: FileHandle,
  buffers: readonly Buffer[],
  position: number,
): Promise<number> {
  let pending = buffers.filter((b) => b.length > 0);
  let at = position;
  while (pending.length > 0) {
    const chunk = pending.length > MAX_IOVECS_PER_WRITE ? pending.slice(0, MAX_IOVECS_PER_WRITE) : pending;
    const { bytesWritten } = await fh.writev(chunk, at);
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
export async function fsyncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
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
