/**
 * Snapshot files: `snapshot-<index, 20 digits>.snap`, a {@link SNAPSHOT_HEADER_BYTES} header, then the FSM's bytes.
 * Written atomically: `.tmp` file, fsync, rename, fsync of the directory.
 *
 * Snapshot header (little-endian):
 *
 * | offset | size | field                                       |
 * | -----: | ---: | ------------------------------------------- |
 * |      0 |    4 | magic `ESNP`                                |
 * |      4 |    4 | format version ({@link SNAPSHOT_FORMAT_VERSION}) |
 * |      8 |    8 | index the state reflects (u64)              |
 * |     16 |    8 | data length in bytes (u64)                  |
 * |     24 |    4 | crc32 of the data                           |
 * |     28 |    4 | crc32 of header bytes 0..28                 |
 *
 * @module
 */
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { crc32 } from 'node:zlib';

import type { Durability, LogFs } from './fs-io.js';
import { writeFully } from './fs-io.js';
import { readU64, writeU64 } from './record-codec.js';
import { INDEX_NAME_DIGITS } from './segment-file.js';

/** Size of the snapshot header, in bytes. */
export const SNAPSHOT_HEADER_BYTES = 32;
/** On-disk format version written to, and required in, snapshot headers. */
export const SNAPSHOT_FORMAT_VERSION = 1;
/**
 * Bytes checksummed per event-loop turn while writing a snapshot (1 MiB, well under a millisecond), so a large
 * snapshot does not stall appends.
 */
export const SNAPSHOT_CRC_CHUNK_BYTES = 1024 * 1024;

const SNAPSHOT_MAGIC = Buffer.from('ESNP', 'latin1');
const SNAPSHOT_NAME = /^snapshot-(\d{20})\.snap$/;

/** File name of the snapshot taken at `index`. */
export function snapshotFileName(index: number): string {
  return `snapshot-${String(index).padStart(INDEX_NAME_DIGITS, '0')}.snap`;
}

/** Index encoded in a snapshot file name, or `undefined` for other files. */
export function parseSnapshotFileName(name: string): number | undefined {
  const digits = SNAPSHOT_NAME.exec(name)?.[1];
  if (digits === undefined) return undefined;
  const index = Number(digits);
  return Number.isSafeInteger(index) && index > 0 ? index : undefined;
}

async function crc32Yielding(data: Buffer): Promise<number> {
  let crc = 0;
  for (let offset = 0; offset < data.length; offset += SNAPSHOT_CRC_CHUNK_BYTES) {
    if (offset > 0) await yieldToEventLoop();
    crc = crc32(data.subarray(offset, offset + SNAPSHOT_CRC_CHUNK_BYTES), crc);
  }
  return crc;
}

/** Encodes a snapshot header for `data` (whose crc32 is `dataCrc`). */
export function encodeSnapshotHeader(index: number, dataLength: number, dataCrc: number): Buffer {
  const header = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  SNAPSHOT_MAGIC.copy(header, 0);
  header.writeUInt32LE(SNAPSHOT_FORMAT_VERSION, 4);
  writeU64(header, 8, index);
  writeU64(header, 16, dataLength);
  header.writeUInt32LE(dataCrc, 24);
  header.writeUInt32LE(crc32(header.subarray(0, 28)), 28);
  return header;
}

/**
 * Writes snapshot `index` into `dir` atomically and returns its path. The checksum is computed in slices between
 * event-loop turns and the I/O runs on the thread pool, so appends keep flowing meanwhile.
 */
export async function writeSnapshotFile(
  fs: LogFs,
  dir: string,
  index: number,
  data: Buffer,
  durability: Durability,
): Promise<string> {
  const path = join(dir, snapshotFileName(index));
  const tmp = `${path}.tmp`;
  const header = encodeSnapshotHeader(index, data.length, await crc32Yielding(data));
  const fh = await fs.open(tmp, 'w');
  try {
    try {
      await writeFully(fh, [header, data], 0);
      await durability.syncFile(fh);
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await durability.syncDir();
  return path;
}

/** A snapshot file's content, or why it cannot be used. */
export type SnapshotRead =
  { readonly ok: true; readonly data: Buffer } | { readonly ok: false; readonly reason: string };

/**
 * Reads and verifies the snapshot at `path`, which its name says was taken at `index`. Validation failures are
 * returned; I/O errors are thrown (an unreadable disk is not a reason to fall back silently).
 */
export async function readSnapshotFile(fs: LogFs, path: string, index: number): Promise<SnapshotRead> {
  const buf = await fs.readFile(path);
  if (buf.length < SNAPSHOT_HEADER_BYTES)
    return { ok: false, reason: `header truncated to ${buf.length} bytes` };
  if (!buf.subarray(0, 4).equals(SNAPSHOT_MAGIC)) return { ok: false, reason: 'bad snapshot magic' };
  if (crc32(buf.subarray(0, 28)) !== buf.readUInt32LE(28))
    return { ok: false, reason: 'header checksum mismatch' };
  const version = buf.readUInt32LE(4);
  if (version !== SNAPSHOT_FORMAT_VERSION)
    return { ok: false, reason: `unsupported format version ${version}` };
  const headerIndex = readU64(buf, 8);
  if (headerIndex !== index)
    return { ok: false, reason: `header says index ${headerIndex ?? '?'}, name says ${index}` };
  const length = readU64(buf, 16);
  if (length !== buf.length - SNAPSHOT_HEADER_BYTES) {
    return {
      ok: false,
      reason: `header says ${length ?? '?'} data bytes, file holds ${buf.length - SNAPSHOT_HEADER_BYTES}`,
    };
  }
  const data = buf.subarray(SNAPSHOT_HEADER_BYTES);
  if (crc32(data) !== buf.readUInt32LE(24)) return { ok: false, reason: 'data checksum mismatch' };
  return { ok: true, data };
}
