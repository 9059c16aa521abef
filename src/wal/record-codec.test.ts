import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  RECORD_FLAG_BATCH_START,
  RECORD_HEADER_BYTES,
  encodeRecord,
  readU64,
  scanRecords,
  writeU64,
} from './record-codec.js';

/** Records `first..first+count-1`; `batchStarts` lists the indexes that begin a batch. */
function records(first: number, count: number, batchStarts: readonly number[]): Buffer[] {
  return Array.from({ length: count }, (_, i) =>
    encodeRecord(
      first + i,
      Buffer.from(`payload-${first + i}`),
      batchStarts.includes(first + i) ? RECORD_FLAG_BATCH_START : 0,
    ),
  );
}

test('wal - u64 helpers round-trip safe integers and reject unsafe ones', () => {
  const buf = Buffer.alloc(8);
  for (const value of [0, 1, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER]) {
    writeU64(buf, 0, value);
    assert.equal(readU64(buf, 0), value);
  }
  buf.fill(0xff);
  assert.equal(readU64(buf, 0), undefined);
});

test('wal - scan accepts intact records and reports their payloads', () => {
  const buf = Buffer.concat(records(5, 3, [5, 7]));
  const scan = scanRecords(buf, 0, 5, false);
  assert.equal(scan.kind, 'clean');
  assert.deepEqual(
    scan.records.map((r) => [
      r.index,
      buf.toString('utf8', r.payloadOffset, r.payloadOffset + r.payloadLength),
    ]),
    [
      [5, 'payload-5'],
      [6, 'payload-6'],
      [7, 'payload-7'],
    ],
  );
});

test('wal - scan treats a truncated last record of the last segment as torn', () => {
  const whole = Buffer.concat(records(1, 3, [1, 2, 3]));
  const cut = whole.subarray(0, whole.length - 3);
  const scan = scanRecords(cut, 0, 1, true);
  assert.equal(scan.kind, 'torn');
  assert.equal(scan.records.length, 2);
  assert.equal(scan.end, 2 * (RECORD_HEADER_BYTES + 'payload-1'.length));
  // The same bytes in a sealed segment are corruption.
  assert.equal(scanRecords(cut, 0, 1, false).kind, 'corrupt');
});

test('wal - scan treats damage followed only by records of the same batch as torn', () => {
  // One batch 1..4 whose first pages never reached the disk: record 2 damaged, 3 and 4 intact.
  const parts = records(1, 4, [1]);
  parts[1]!.fill(0);
  const scan = scanRecords(Buffer.concat(parts), 0, 1, true);
  assert.equal(scan.kind, 'torn');
  assert.equal(scan.records.length, 1);
});

test('wal - scan reports damage followed by a later batch as corruption at the damaged offset', () => {
  const parts = records(1, 4, [1, 3]);
  const offset = parts[0]!.length;
  parts[1]![RECORD_HEADER_BYTES + 2]! ^= 0xff;
  const scan = scanRecords(Buffer.concat(parts), 0, 1, true);
  assert.equal(scan.kind, 'corrupt');
  assert.equal(scan.offset, offset);
  assert.match(scan.reason, /checksum mismatch.*later batch/);
});

test('wal - scan reports a corrupted length field followed by later batches as corruption', () => {
  const parts = records(1, 4, [1, 2, 3, 4]);
  parts[1]!.writeUInt32LE(0x7fff_ffff, 4);
  assert.equal(scanRecords(Buffer.concat(parts), 0, 1, true).kind, 'corrupt');
});

test('wal - scan reports an index gap as corruption even at the tail', () => {
  const buf = Buffer.concat([...records(1, 2, [1, 2]), ...records(4, 1, [4])]);
  const scan = scanRecords(buf, 0, 1, true);
  assert.ok(scan.kind === 'corrupt');
  assert.match(scan.reason, /index gap: expected entry 3, found 4/);
});

test('wal - scan treats a zero-filled tail as torn', () => {
  const buf = Buffer.concat([...records(1, 2, [1, 2]), Buffer.alloc(4096)]);
  const scan = scanRecords(buf, 0, 1, true);
  assert.ok(scan.kind === 'torn');
  assert.equal(scan.records.length, 2);
});
