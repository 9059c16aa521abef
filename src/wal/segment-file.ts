/**
 * Segment files: `<first index, 20 digits>.wal`, a {@link SEGMENT_HEADER_BYTES} header, then records
 * (`record-codec.ts`).
 *
 * Segment header (little-endian):
 *
 * | offset | size | field                             |
 * | -----: | ---: | --------------------------------- |
 * |      0 |    4 | magic `EWAL`                      |
 * |      4 |    4 | format version ({@link SEGMENT_FORMAT_VERSION}) |
 * |      8 |    8 | index of the first record (u64)   |
 *
 * @module
 */
import { join } from 'node:path';

import type { Durability, LogFile, LogFs, LogOpenOptions } from './fs-io.js';
import { writeFully } from './fs-io.js';
import { readU64, writeU64 } from './record-codec.js';

/** Size of the segment header, in bytes. */
export const SEGMENT_HEADER_BYTES = 16;
/** On-disk format version written to, and required in, segment headers. */
export const SEGMENT_FORMAT_VERSION = 1;

const SEGMENT_MAGIC = Buffer.from('EWAL', 'latin1');
const SEGMENT_NAME = /^(\d{20})\.wal$/;
/** Digits in file names, so lexical order is index order. */
export const INDEX_NAME_DIGITS = 20;

/** File name of the segment whose first record is `firstIndex`. */
export function segmentFileName(firstIndex: number): string {
  return `${String(firstIndex).padStart(INDEX_NAME_DIGITS, '0')}.wal`;
}

/** First index encoded in a segment file name, or `undefined` for other files. */
export function parseSegmentFileName(name: string): number | undefined {
  const digits = SEGMENT_NAME.exec(name)?.[1];
  if (digits === undefined) return undefined;
  const index = Number(digits);
  return Number.isSafeInteger(index) && index > 0 ? index : undefined;
}

/** Encodes a segment header. */
export function encodeSegmentHeader(firstIndex: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(header, 0);
  header.writeUInt32LE(SEGMENT_FORMAT_VERSION, 4);
  writeU64(header, 8, firstIndex);
  return header;
}

/** Why `buf` does not start with the header of segment `firstIndex`, or `undefined` if it does. */
export function checkSegmentHeader(buf: Buffer, firstIndex: number): string | undefined {
  if (buf.length < SEGMENT_HEADER_BYTES) return `segment header truncated to ${buf.length} bytes`;
  if (!buf.subarray(0, 4).equals(SEGMENT_MAGIC)) return 'bad segment magic';
  const version = buf.readUInt32LE(4);
  if (version !== SEGMENT_FORMAT_VERSION) return `unsupported segment format version ${version}`;
  const first = readU64(buf, 8);
  if (first !== firstIndex)
    return `segment header says first index ${first ?? 'out of range'}, name says ${firstIndex}`;
  return undefined;
}

/**
 * Creates segment `firstIndex` atomically (header written to a `.tmp` file, synced, renamed, directory synced), so a
 * segment file, once visible, always has a complete header; returns it open for positional writes, with
 * `appendOptions` (`O_DSYNC` for the batches). If the header cannot be written (a full disk, say) the `.tmp` file is
 * removed, so a retry starts clean.
 */
export async function createSegmentFile(
  fs: LogFs,
  dir: string,
  firstIndex: number,
  durability: Durability,
  appendOptions?: LogOpenOptions,
): Promise<LogFile> {
  const path = join(dir, segmentFileName(firstIndex));
  const tmp = `${path}.tmp`;
  const fh = await fs.open(tmp, 'w');
  try {
    try {
      await writeFully(fh, [encodeSegmentHeader(firstIndex)], 0);
      await durability.syncFile(fh);
    } finally {
      await fh.close();
    }
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fs.rename(tmp, path);
  await durability.syncDir();
  return fs.open(path, 'r+', appendOptions);
}
