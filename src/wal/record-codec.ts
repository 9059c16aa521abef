/**
 * Framing of log records inside a segment file, and the recovery scan that tells a torn tail from real damage.
 * Pure functions over Buffers: no I/O, so the tricky cases are unit-tested directly.
 *
 * Record layout (little-endian), {@link RECORD_HEADER_BYTES} of header then the payload:
 *
 * | offset | size | field                                                        |
 * | -----: | ---: | ------------------------------------------------------------ |
 * |      0 |    4 | crc32 (`zlib.crc32`) of bytes 4 .. end of record              |
 * |      4 |    4 | payload length in bytes                                      |
 * |      8 |    8 | log index (u64)                                              |
 * |     16 |    4 | flags: bit 0 = {@link RECORD_FLAG_BATCH_START}, others zero  |
 * |     20 |  len | payload (the command, opaque)                                |
 *
 * @module
 */
import { crc32 } from 'node:zlib';

/** Size of a record header, in bytes. */
export const RECORD_HEADER_BYTES = 20;

/** Flag on the first record of every group-commit batch (one write + one fsync). */
export const RECORD_FLAG_BATCH_START = 0b1;

const KNOWN_FLAGS = RECORD_FLAG_BATCH_START;

/** Largest accepted payload, in bytes (256 MiB); larger lengths in a header are treated as damage. */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

const TWO_POW_32 = 0x1_0000_0000;
/** Largest high word whose u64 still fits a JS safe integer. */
const MAX_SAFE_HIGH_WORD = Math.floor(Number.MAX_SAFE_INTEGER / TWO_POW_32);

/** Writes `value` (a safe non-negative integer) as a little-endian u64. */
export function writeU64(target: Buffer, offset: number, value: number): void {
  target.writeUInt32LE(value >>> 0, offset);
  target.writeUInt32LE(Math.floor(value / TWO_POW_32), offset + 4);
}

/** Reads a little-endian u64; `undefined` when it exceeds `Number.MAX_SAFE_INTEGER`. */
export function readU64(source: Buffer, offset: number): number | undefined {
  const high = source.readUInt32LE(offset + 4);
  if (high > MAX_SAFE_HIGH_WORD) return undefined;
  const value = high * TWO_POW_32 + source.readUInt32LE(offset);
  return Number.isSafeInteger(value) ? value : undefined;
}

/**
 * Fills the {@link RECORD_HEADER_BYTES} at `target[at..]` for `payload` stored under `index`; the payload itself is
 * written separately (writev), so it is never copied.
 */
export function encodeRecordHeader(
  target: Buffer,
  at: number,
  index: number,
  payload: Buffer,
  flags: number,
): void {
  target.writeUInt32LE(payload.length, at + 4);
  writeU64(target, at + 8, index);
  target.writeUInt32LE(flags, at + 16);
  const crc = crc32(payload, crc32(target.subarray(at + 4, at + RECORD_HEADER_BYTES)));
  target.writeUInt32LE(crc, at);
}

/** Encodes a whole record into a fresh Buffer (tests and tools; the write path uses {@link encodeRecordHeader}). */
export function encodeRecord(index: number, payload: Buffer, flags: number): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  payload.copy(out, RECORD_HEADER_BYTES);
  encodeRecordHeader(out, 0, index, payload, flags);
  return out;
}

/** A record found intact by {@link scanRecords}. */
export interface ScannedRecord {
  readonly index: number;
  /** Offset of the record header in the scanned buffer. */
  readonly offset: number;
  /** Offset of the payload in the scanned buffer. */
  readonly payloadOffset: number;
  readonly payloadLength: number;
}

/** Result of scanning one segment's records. */
export type ScanOutcome =
  /** Every byte up to `end` (= buffer length) is intact records. */
  | { readonly kind: 'clean'; readonly records: ScannedRecord[]; readonly end: number }
  /** Intact records up to `end`, then damage that can only be an unacknowledged torn write: safe to cut at `end`. */
  | {
      readonly kind: 'torn';
      readonly records: ScannedRecord[];
      readonly end: number;
      readonly reason: string;
    }
  /** Damage at `offset` that a torn write cannot explain: acknowledged data may be lost. */
  | { readonly kind: 'corrupt'; readonly offset: number; readonly reason: string };

type Probe =
  | { readonly ok: true; readonly index: number; readonly length: number; readonly flags: number }
  /** `intact`: the checksum matched, so the bad fields were written like that (never a torn write). */
  | { readonly ok: false; readonly reason: string; readonly intact?: true };

/** Checks whether an intact record starts at `offset`. */
function probeRecord(buf: Buffer, offset: number): Probe {
  if (buf.length - offset < RECORD_HEADER_BYTES) {
    return { ok: false, reason: `truncated record header (${buf.length - offset} bytes)` };
  }
  const length = buf.readUInt32LE(offset + 4);
  if (length > MAX_ENTRY_BYTES) return { ok: false, reason: `implausible record length ${length}` };
  const end = offset + RECORD_HEADER_BYTES + length;
  if (end > buf.length) return { ok: false, reason: `record of ${length} bytes extends past end of file` };
  const flags = buf.readUInt32LE(offset + 16);
  const index = readU64(buf, offset + 8);
  const crc = crc32(buf.subarray(offset + 4, end));
  if (crc !== buf.readUInt32LE(offset)) return { ok: false, reason: 'checksum mismatch' };
  // A checksum-valid record with impossible fields was written like that: not a torn write.
  if ((flags & ~KNOWN_FLAGS) !== 0 || index === undefined) {
    return { ok: false, reason: `record with unknown flags ${flags} or out-of-range index`, intact: true };
  }
  return { ok: true, index, length, flags };
}

/**
 * Looks for an intact record after `from` that starts a batch with an index above `expected`. Batches are written
 * strictly one after another, each only once the previous one's fsync returned; so if a LATER batch's first record
 * is on disk, the batch holding `expected` had been acknowledged, and damage to it is corruption, not a torn write.
 * Intact records of the damaged entry's own batch may legitimately follow the damage (after a power loss the disk
 * may persist a batch's pages out of order); those were never acknowledged.
 *
 * Byte-by-byte, but only on the failure path, and with cheap field checks before any checksum.
 */
function findLaterBatchStart(buf: Buffer, from: number, expected: number): number | undefined {
  const last = buf.length - RECORD_HEADER_BYTES;
  for (let offset = from; offset <= last; offset++) {
    if (buf.readUInt32LE(offset + 16) !== RECORD_FLAG_BATCH_START) continue;
    const index = readU64(buf, offset + 8);
    if (index === undefined || index <= expected) continue;
    const probe = probeRecord(buf, offset);
    if (probe.ok && probe.flags === RECORD_FLAG_BATCH_START) return offset;
  }
  return undefined;
}

/**
 * Scans the records of one segment, from `start` (just past the segment header) to the end of `buf`.
 *
 * @param firstIndex index the first record must carry (the segment's name); each later record must be one more.
 * @param isLast whether this is the newest segment, the only place a torn write can be: damage anywhere else is
 *   `corrupt`.
 */
export function scanRecords(buf: Buffer, start: number, firstIndex: number, isLast: boolean): ScanOutcome {
  const records: ScannedRecord[] = [];
  let offset = start;
  let expected = firstIndex;
  while (offset < buf.length) {
    const probe = probeRecord(buf, offset);
    if (!probe.ok) {
      if (probe.intact === true) return { kind: 'corrupt', offset, reason: probe.reason };
      if (!isLast) return { kind: 'corrupt', offset, reason: `${probe.reason} in a sealed segment` };
      const later = findLaterBatchStart(buf, offset + 1, expected);
      if (later !== undefined) {
        return {
          kind: 'corrupt',
          offset,
          reason: `${probe.reason} at entry ${expected}, but a later batch follows at offset ${later}`,
        };
      }
      return { kind: 'torn', records, end: offset, reason: probe.reason };
    }
    if (probe.index !== expected) {
      return {
        kind: 'corrupt',
        offset,
        reason: `index gap: expected entry ${expected}, found ${probe.index}`,
      };
    }
    records.push({
      index: probe.index,
      offset,
      payloadOffset: offset + RECORD_HEADER_BYTES,
      payloadLength: probe.length,
    });
    offset += RECORD_HEADER_BYTES + probe.length;
    expected++;
  }
  return { kind: 'clean', records, end: offset };
}
