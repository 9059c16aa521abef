import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, readFile, readdir, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { test } from 'node:test';

import type { FileLogOptions } from './index.js';
import { FileLog, LOCK_FILE_NAME, LogCorruptionError, LogLockedError } from './index.js';
import { RECORD_HEADER_BYTES } from './record-codec.js';
import { SEGMENT_HEADER_BYTES } from './segment-file.js';
import { RecordingFsm } from './testing/recording-fsm.js';
import { CapturingLogger, closeAfter, tempDir } from './testing/test-support.js';

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Writes entries `payload-1..payload-count` one append at a time (one batch each), then closes. */
async function fill(options: FileLogOptions, count: number): Promise<void> {
  const log = new FileLog(options);
  await log.start(new RecordingFsm());
  for (let i = 1; i <= count; i++) await log.append(Buffer.from(`payload-${i}`));
  await log.close();
}

async function reopen(
  t: TestContext,
  options: FileLogOptions,
): Promise<{ log: FileLog; fsm: RecordingFsm; logger: CapturingLogger }> {
  const logger = new CapturingLogger();
  const log = new FileLog({ ...options, logger });
  closeAfter(t, log);
  const fsm = new RecordingFsm();
  await log.start(fsm);
  return { log, fsm, logger };
}

async function names(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(suffix)).sort();
}

/** Byte offset of entry `index` in a single-segment log of `payload-N` entries. */
function offsetOf(index: number): number {
  let offset = SEGMENT_HEADER_BYTES;
  for (let i = 1; i < index; i++) offset += RECORD_HEADER_BYTES + `payload-${i}`.length;
  return offset;
}

async function flipByte(file: string, offset: number): Promise<void> {
  const buf = await readFile(file);
  buf[offset] = (buf[offset] ?? 0) ^ 0xff;
  await writeFile(file, buf);
}

function assertCorruption(file: string, offset: number, reason: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof LogCorruptionError, String(err));
    assert.equal(err.code, 'ENT_ERR_LOG_CORRUPT');
    assert.equal(err.file, file);
    assert.equal(err.offset, offset);
    assert.ok(err.message.includes(file), err.message);
    assert.ok(err.message.includes(`byte offset ${offset}`), err.message);
    assert.match(err.message, reason);
    return true;
  };
}

test('wal - torn tail is truncated with a warning, losing only the torn record', async (t) => {
  const dir = await tempDir(t);
  await fill({ dir }, 20);
  const file = join(dir, '00000000000000000001.wal');
  const size = (await stat(file)).size;
  await truncate(file, size - 3);

  const { log, fsm, logger } = await reopen(t, { dir });
  assert.deepEqual(fsm.applied, range(1, 19));
  assert.equal(fsm.text(19), 'payload-19');
  assert.equal(log.lastIndex, 19);
  const [warning] = logger.at('warn');
  assert.ok(warning, 'a warning is logged');
  assert.equal(warning.obj['file'], file);
  assert.equal(warning.obj['offset'], offsetOf(20));
  assert.equal((await stat(file)).size, offsetOf(20), 'torn bytes cut off');

  // The log continues cleanly where the torn record was.
  assert.equal((await log.append(Buffer.from('again-20'))).index, 20);
  await log.close();
  const again = await reopen(t, { dir });
  assert.equal(again.fsm.text(20), 'again-20');
  assert.deepEqual(again.logger.at('warn'), []);
});

test('wal - a zero-filled tail (extended file, data never written) is truncated', async (t) => {
  const dir = await tempDir(t);
  await fill({ dir }, 5);
  await appendFile(join(dir, '00000000000000000001.wal'), Buffer.alloc(8192));
  const { fsm, logger } = await reopen(t, { dir });
  assert.deepEqual(fsm.applied, range(1, 5));
  assert.equal(logger.at('warn').length, 1);
});

test('wal - corruption in the middle stops start-up with LogCorruptionError naming file and offset', async (t) => {
  const dir = await tempDir(t);
  await fill({ dir }, 20);
  const file = join(dir, '00000000000000000001.wal');
  await flipByte(file, offsetOf(3) + RECORD_HEADER_BYTES + 1); // a payload byte of entry 3

  const log = new FileLog({ dir });
  await assert.rejects(
    log.start(new RecordingFsm()),
    assertCorruption(file, offsetOf(3), /checksum mismatch/),
  );
  // The failed start released the lock: a second attempt reports the same corruption, not a lock conflict.
  await assert.rejects(new FileLog({ dir }).start(new RecordingFsm()), LogCorruptionError);
});

test('wal - a damaged length field in the middle is corruption, not a torn tail', async (t) => {
  const dir = await tempDir(t);
  await fill({ dir }, 20);
  const file = join(dir, '00000000000000000001.wal');
  await flipByte(file, offsetOf(5) + 6); // high byte of entry 5's length: claims a huge record
  await assert.rejects(
    new FileLog({ dir }).start(new RecordingFsm()),
    assertCorruption(file, offsetOf(5), /./),
  );
  assert.ok((await stat(file)).size > offsetOf(20), 'nothing was truncated');
});

test('wal - damage in a sealed (non-last) segment is corruption even at its end', async (t) => {
  const dir = await tempDir(t);
  await fill({ dir, segmentMaxBytes: 1024 }, 200);
  const segments = await names(dir, '.wal');
  assert.ok(segments.length >= 3);
  const file = join(dir, segments[1]!);
  const size = (await stat(file)).size;
  await truncate(file, size - 2);
  await assert.rejects(
    new FileLog({ dir }).start(new RecordingFsm()),
    (err: unknown) =>
      err instanceof LogCorruptionError && err.file === file && /sealed segment/.test(err.message),
  );
});

test('wal - a missing segment (index gap) is corruption', async (t) => {
  const dir = await tempDir(t);
  await fill({ dir, segmentMaxBytes: 1024 }, 200);
  const segments = await names(dir, '.wal');
  await unlink(join(dir, segments[2]!));
  await assert.rejects(
    new FileLog({ dir }).start(new RecordingFsm()),
    assertCorruption(join(dir, segments[3]!), 0, /index gap/),
  );
});

test('wal - a corrupt newest snapshot falls back to the older one and replays the rest', async (t) => {
  const dir = await tempDir(t);
  const options = { dir, segmentMaxBytes: 1024, snapshotThresholdEntries: 20 };
  await fill(options, 100);
  const snapshots = await names(dir, '.snap');
  assert.equal(snapshots.length, 2);
  const [older, newest] = snapshots.map((name) => Number(/\d+/.exec(name)?.[0])) as [number, number];
  const newestFile = join(dir, snapshots[1]!);
  await flipByte(newestFile, (await stat(newestFile)).size - 1);

  const { fsm, logger } = await reopen(t, options);
  assert.ok(older < newest);
  assert.equal(fsm.restoredAt, older);
  assert.deepEqual(fsm.applied, range(older + 1, 100));
  for (const i of range(1, 100)) assert.equal(fsm.text(i), `payload-${i}`);
  assert.deepEqual(fsm.violations, []);
  const warning = logger.at('warn').find((r) => r.obj['file'] === newestFile);
  assert.ok(warning, 'the corrupt snapshot is logged');
  assert.match(String(warning.obj['reason']), /checksum/);
  assert.ok((await readdir(dir)).includes(`${snapshots[1]!}.corrupt`), 'set aside for inspection');
});

test('wal - a corrupt only snapshot falls back to a full replay', async (t) => {
  const dir = await tempDir(t);
  const options = { dir, snapshotThresholdEntries: 30 };
  await fill(options, 40);
  const [snapshot] = await names(dir, '.snap');
  assert.equal(snapshot, 'snapshot-00000000000000000030.snap');
  await flipByte(join(dir, snapshot), 10); // inside the header
  const { fsm, logger } = await reopen(t, options);
  assert.equal(fsm.restoredAt, undefined);
  assert.deepEqual(fsm.applied, range(1, 40));
  assert.ok(logger.at('warn').some((r) => /full replay|from the start/.test(r.msg)));
});

test('wal - when no valid snapshot covers compacted entries, start-up fails rather than lose them', async (t) => {
  const dir = await tempDir(t);
  await fill({ dir, segmentMaxBytes: 1024, snapshotThresholdEntries: 20 }, 100);
  for (const name of await names(dir, '.snap')) await writeFile(join(dir, name), 'garbage');
  await assert.rejects(new FileLog({ dir }).start(new RecordingFsm()), /are missing/);
});

test('wal - a second log on the same directory fails with LogLockedError until the first closes', async (t) => {
  const dir = await tempDir(t);
  const first = new FileLog({ dir });
  closeAfter(t, first);
  await first.start(new RecordingFsm());
  const second = new FileLog({ dir });
  await assert.rejects(second.start(new RecordingFsm()), (err: unknown) => {
    assert.ok(err instanceof LogLockedError);
    assert.equal(err.code, 'ENT_ERR_LOG_LOCKED');
    assert.equal(err.pid, process.pid);
    assert.match(err.message, new RegExp(`process ${process.pid}.*${LOCK_FILE_NAME}`));
    return true;
  });
  await first.append(Buffer.from('still mine'));
  await first.close();
  const third = new FileLog({ dir });
  closeAfter(t, third);
  await third.start(new RecordingFsm());
  assert.equal(third.lastIndex, 1);
});

test('wal - a stale lock from a dead process is taken over', async (t) => {
  const dir = await tempDir(t);
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  assert.ok(child.pid !== undefined);
  await writeFile(join(dir, LOCK_FILE_NAME), `${child.pid}\n`);

  const { log, logger } = await reopen(t, { dir });
  assert.ok(logger.at('warn').some((r) => r.obj['stale_pid'] === child.pid));
  assert.equal(await readFile(join(dir, LOCK_FILE_NAME), 'utf8'), `${process.pid}\n`);
  await log.close();
  assert.ok(!(await readdir(dir)).includes(LOCK_FILE_NAME), 'released on close');
});
