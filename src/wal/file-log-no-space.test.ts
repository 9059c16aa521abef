import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { test } from 'node:test';

import type { FileLogOptions } from './index.js';
import {
  FileLog,
  LogFailedError,
  LogNoSpaceError,
  MIN_SPACE_PROBE_BYTES,
  NO_SPACE_RETRY_INITIAL_MS,
  NO_SPACE_RETRY_MAX_MS,
  noSpaceRetryDelay,
} from './index.js';
import { SEGMENT_HEADER_BYTES, segmentFileName } from './segment-file.js';
import { RECORD_HEADER_BYTES } from './record-codec.js';
import { FaultyFs } from './testing/faulty-fs.js';
import { RecordingFsm } from './testing/recording-fsm.js';
import { CapturingLogger, closeAfter, tempDir, waitFor } from './testing/test-support.js';

/** Fast retries, so recovery is seen quickly once the fake disk has room again. */
const FAST_RETRY = { initialMs: 1, maxMs: 20 };

async function openLog(
  t: TestContext,
  options: FileLogOptions,
): Promise<{ log: FileLog; fsm: RecordingFsm }> {
  const log = new FileLog(options);
  closeAfter(t, log);
  const fsm = new RecordingFsm();
  await log.start(fsm);
  return { log, fsm };
}

function assertNoSpace(err: unknown, errno = 'ENOSPC'): true {
  assert.ok(err instanceof LogNoSpaceError, String(err));
  assert.equal(err.code, 'ENT_ERR_LOG_NO_SPACE');
  assert.equal(err.errno, errno);
  assert.match(err.message, new RegExp(errno));
  if (errno === 'ENOSPC') assert.match(err.message, /no space left on device/);
  return true;
}

const text = (s: string): Buffer => Buffer.from(s);

for (const syncMethod of ['open_datasync', 'fdatasync'] as const)
  for (const op of ['write', 'sync'] as const) {
    test(`wal - ENOSPC on ${op} (${syncMethod}): the batch is cut off, appends are refused with the cause, then resume once there is room`, async (t) => {
      const dir = await tempDir(t);
      const fs = new FaultyFs();
      const logger = new CapturingLogger();
      const { log } = await openLog(t, { dir, fs, logger, syncMethod, noSpaceRetry: FAST_RETRY });
      assert.equal((await log.append(text('a'))).index, 1);
      const segment = join(dir, segmentFileName(1));
      const goodSize = (await stat(segment)).size;
      assert.equal(goodSize, SEGMENT_HEADER_BYTES + RECORD_HEADER_BYTES + 1);

      fs.fault = { op, code: 'ENOSPC' };
      const failed = [log.append(text('b')), log.append(text('c'))];
      for (const append of failed) await assert.rejects(append, (err) => assertNoSpace(err));
      assert.equal(fs.failures[op] > 0, true);

      // Degraded and visible: health, one ERROR line naming the cause; appends refused at once.
      const health = log.health;
      assert.equal(health.status, 'degraded');
      assert.ok(health.status === 'degraded' && health.code === 'ENOSPC');
      assert.match(health.status === 'degraded' ? health.error : '', /no space left on device/);
      const errors = logger.at('error');
      assert.equal(errors.length, 1);
      assert.match(errors[0]?.msg ?? '', /disk space/);
      assert.equal(errors[0]?.obj['code'], 'ENOSPC');
      await assert.rejects(log.append(text('refused')), (err) => assertNoSpace(err));

      // Truncated back to the last good record: the partial write / unsynced batch is gone.
      assert.equal((await stat(segment)).size, goodSize);

      // Space returns: the retry notices by itself and appends continue with the next index (no gap).
      fs.fault = undefined;
      await waitFor(() => log.health.status === 'ok', 'the log to accept writes again');
      assert.ok(logger.at('warn').some((r) => /room again/.test(r.msg)));
      assert.equal((await log.append(text('d'))).index, 2);
      assert.equal((await log.append(text('e'))).index, 3);
      await log.close();

      // Acknowledged writes intact after a restart; the rejected ones never appear.
      const reopened = await openLog(t, { dir });
      assert.equal(reopened.log.lastIndex, 3);
      assert.deepEqual(
        [1, 2, 3].map((i) => reopened.fsm.text(i)),
        ['a', 'd', 'e'],
      );
      assert.deepEqual(reopened.fsm.violations, []);
    });
  }

test('wal - while the disk stays full the retry keeps probing with a doubling delay, capped', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultyFs();
  const { log } = await openLog(t, { dir, fs, noSpaceRetry: { initialMs: 1, maxMs: 8 } });
  await log.append(text('a'));
  fs.fault = { op: 'write', code: 'EDQUOT' };
  await assert.rejects(log.append(text('b')), (err) => assertNoSpace(err, 'EDQUOT'));
  await waitFor(() => log.health.status === 'degraded' && log.health.attempts >= 6, 'six probes');
  const health = log.health;
  assert.ok(health.status === 'degraded');
  assert.equal(health.retryInMs, 8, 'the delay is capped');
  fs.fault = undefined;
  await waitFor(() => log.health.status === 'ok', 'recovery');
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.includes('probe')),
    [],
    'the probe file is removed',
  );
  assert.equal((await log.append(text('c'))).index, 2);
});

test('wal - the retry policy: starts at 100 ms, doubles, never waits more than 5 s', () => {
  assert.equal(NO_SPACE_RETRY_INITIAL_MS, 100);
  assert.equal(NO_SPACE_RETRY_MAX_MS, 5_000);
  const delays = Array.from({ length: 10 }, (_, i) => noSpaceRetryDelay(i, 100, 5_000));
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000]);
  assert.equal(noSpaceRetryDelay(10_000, 100, 5_000), 5_000);
  assert.ok(MIN_SPACE_PROBE_BYTES >= 4096);
});

test('wal - ENOSPC while starting a new segment is survivable too', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultyFs();
  const { log } = await openLog(t, { dir, fs, segmentMaxBytes: 1024, noSpaceRetry: FAST_RETRY });
  const big = (i: number): Buffer => Buffer.from(`${i}:${'x'.repeat(300)}`);
  for (let i = 1; i <= 3; i++) await log.append(big(i)); // the next append needs a new segment
  fs.fault = { op: 'write', code: 'ENOSPC' };
  await assert.rejects(log.append(big(4)), (err) => assertNoSpace(err));
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
    [],
    'no temp segment left behind',
  );
  fs.fault = undefined;
  await waitFor(() => log.health.status === 'ok', 'recovery');
  for (let i = 4; i <= 6; i++) assert.equal((await log.append(big(i))).index, i);
  await log.close();
  const reopened = await openLog(t, { dir });
  assert.equal(reopened.log.lastIndex, 6);
  for (let i = 1; i <= 6; i++) assert.equal(reopened.fsm.text(i), big(i).toString());
});

test('wal - an I/O error is not a full disk: the log fails until restart, and says why', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultyFs();
  const { log } = await openLog(t, { dir, fs, noSpaceRetry: FAST_RETRY });
  await log.append(text('a'));
  fs.fault = { op: 'sync', code: 'EIO' };
  await assert.rejects(log.append(text('b')), (err) => {
    assert.ok(err instanceof LogFailedError);
    assert.match(err.message, /EIO: i\/o error/);
    return true;
  });
  fs.fault = undefined;
  const health = log.health;
  assert.equal(health.status, 'failed');
  assert.ok(health.status === 'failed' && health.code === 'EIO');
  await assert.rejects(log.append(text('c')), LogFailedError);
});

test('wal - close() while the disk is full stops retrying and releases the directory', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultyFs();
  const { log } = await openLog(t, { dir, fs, noSpaceRetry: FAST_RETRY });
  await log.append(text('a'));
  fs.fault = { op: 'write', code: 'ENOSPC' };
  await assert.rejects(log.append(text('b')), (err) => assertNoSpace(err));
  await log.close();
  const probes = fs.failures.write;
  fs.fault = undefined;
  const reopened = await openLog(t, { dir });
  assert.equal(reopened.log.lastIndex, 1);
  assert.equal(fs.failures.write, probes, 'no probe after close');
});

test('wal - a read barrier waiting on entries refused for lack of space is released, not left hanging', async (t) => {
  const dir = await tempDir(t);
  const fs = new FaultyFs();
  const { log } = await openLog(t, { dir, fs, noSpaceRetry: FAST_RETRY });
  await log.append(text('a'));
  fs.fault = { op: 'write', code: 'ENOSPC' };
  const refused = log.append(text('b'));
  const barrier = log.readBarrier();
  await assert.rejects(refused, (err) => assertNoSpace(err));
  await barrier; // hangs (and the test times out) if the barrier waits for entry 2
  assert.equal(log.lastIndex, 1);
  await log.readBarrier(); // while degraded: nothing pending, resolves at once
});
