import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';

import { pino } from 'pino';

import type {
  FileLogOptions,
  LogFile,
  LogFs,
  LogOpenFlags,
  LogOpenOptions,
  WalLogger,
  WalSyncMethod,
} from './index.js';
import {
  DEFAULT_SEGMENT_MAX_BYTES,
  FileLog,
  LogClosedError,
  LogFailedError,
  NODE_LOG_FS,
  SNAPSHOTS_RETAINED,
} from './index.js';
import { FaultyFs } from './testing/faulty-fs.js';
import { RecordingFsm } from './testing/recording-fsm.js';
import { closeAfter, tempDir } from './testing/test-support.js';

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

async function filesIn(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith(suffix)).sort();
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('wal - append/reopen round trip keeps data and indexes, and indexes continue after restart', async (t) => {
  const dir = await tempDir(t);
  const first = await openLog(t, { dir });
  for (let i = 1; i <= 10; i++) assert.equal((await first.log.append(Buffer.from(`seq-${i}`))).index, i);
  const concurrent = await Promise.all(range(11, 30).map((i) => first.log.append(Buffer.from(`seq-${i}`))));
  assert.deepEqual(
    concurrent.map((r) => r.index),
    range(11, 30),
  );
  assert.equal(first.log.lastIndex, 30);
  await first.log.close();
  assert.deepEqual(await filesIn(dir, '.wal'), ['00000000000000000001.wal']);

  const second = await openLog(t, { dir });
  assert.equal(second.fsm.restoredAt, undefined);
  assert.deepEqual(second.fsm.applied, range(1, 30));
  for (const i of range(1, 30)) assert.equal(second.fsm.text(i), `seq-${i}`);
  assert.equal(second.log.lastIndex, 30);
  assert.deepEqual(await second.log.append(Buffer.from('seq-31')), { index: 31, result: 'applied:31' });
  await second.log.close();

  const third = await openLog(t, { dir });
  assert.equal(third.fsm.text(31), 'seq-31');
  assert.deepEqual(third.fsm.violations, []);
});

test('wal - applies in index order and resolves appends in order with apply results', async (t) => {
  const dir = await tempDir(t);
  const { log, fsm } = await openLog(t, { dir });
  const resolvedOrder: number[] = [];
  const results = await Promise.all(
    range(1, 100).map((i) =>
      log.append(Buffer.from(`c${i}`)).then((r) => {
        resolvedOrder.push(r.index);
        return r;
      }),
    ),
  );
  assert.deepEqual(fsm.applied, range(1, 100));
  assert.deepEqual(resolvedOrder, range(1, 100));
  assert.deepEqual(
    results.map((r) => r.result),
    range(1, 100).map((i) => `applied:${i}`),
  );
  assert.deepEqual(fsm.violations, []);
});

test('wal - group commit batches concurrent appends into far fewer writes and fsyncs', async (t) => {
  const dir = await tempDir(t);
  const { log } = await openLog(t, { dir });
  const baseline = log.stats;

  // 200 appends spread over many event-loop turns, so most arrive while a write + fsync is in flight.
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    pending.push(log.append(Buffer.from(`entry-${i}`)));
    if (i % 5 === 4) await nextTurn();
  }
  await Promise.all(pending);
  const stats = log.stats;
  const batches = stats.batches - baseline.batches;
  const fsyncs = stats.fsyncs - baseline.fsyncs;
  assert.equal(stats.appends, 200);
  assert.ok(batches < 200 / 2, `expected batching, got ${batches} batches for 200 appends`);
  assert.ok(fsyncs < 200 / 2, `expected batching, got ${fsyncs} fsyncs for 200 appends`);
  assert.equal(fsyncs, batches, 'one fsync per batch');

  // 200 appends in one tick make a single batch.
  const before = log.stats;
  await Promise.all(range(1, 200).map((i) => log.append(Buffer.from(`burst-${i}`))));
  assert.equal(log.stats.batches - before.batches, 1);
  assert.equal(log.stats.fsyncs - before.fsyncs, 1);
});

test('wal - segments roll at segmentMaxBytes and replay across them', async (t) => {
  const dir = await tempDir(t);
  const segmentMaxBytes = 1024;
  const first = await openLog(t, { dir, segmentMaxBytes });
  for (let i = 1; i <= 200; i += 4) {
    await Promise.all(
      range(i, i + 3).map((n) => first.log.append(Buffer.from(`payload-${n}`.padEnd(40, '.')))),
    );
  }
  await first.log.close();
  const segments = await filesIn(dir, '.wal');
  assert.ok(segments.length > 5, `expected several segments, got ${segments.length}`);
  for (const name of segments) assert.ok((await stat(join(dir, name))).size <= segmentMaxBytes, name);
  assert.equal(first.log.stats.segmentsCreated, segments.length);

  const second = await openLog(t, { dir, segmentMaxBytes });
  assert.deepEqual(second.fsm.applied, range(1, 200));
  assert.equal(second.fsm.text(123), 'payload-123'.padEnd(40, '.'));
});

test('wal - snapshot, compaction and reopen: restore at the snapshot index, only later entries applied', async (t) => {
  const dir = await tempDir(t);
  const options = { dir, segmentMaxBytes: 1024, snapshotThresholdEntries: 50 };
  const first = await openLog(t, options);
  for (let i = 1; i <= 230; i += 10) {
    await Promise.all(range(i, i + 9).map((n) => first.log.append(Buffer.from(`v${n}`))));
  }
  await first.log.close(); // waits for an in-flight snapshot write
  assert.ok(first.log.stats.snapshots >= 3, `snapshots: ${first.log.stats.snapshots}`);

  const snapshots = await filesIn(dir, '.snap');
  assert.equal(snapshots.length, SNAPSHOTS_RETAINED);
  const [older, newest] = snapshots.map((name) => Number(/\d+/.exec(name)?.[0]));
  assert.ok(older !== undefined && newest !== undefined && older < newest);
  // Segments wholly covered by the older retained snapshot are gone; the rest remain for a fallback replay.
  const segments = (await filesIn(dir, '.wal')).map((name) => Number(name.slice(0, 20)));
  assert.ok(segments[0]! > 1, 'early segments compacted');
  assert.ok(segments[0]! <= older + 1, 'segments needed after the older snapshot kept');

  const second = await openLog(t, options);
  assert.equal(second.fsm.restoredAt, newest);
  assert.deepEqual(second.fsm.applied, range(newest + 1, 230));
  for (const i of range(1, 230)) assert.equal(second.fsm.text(i), `v${i}`);
  assert.deepEqual(second.fsm.violations, []);
  assert.equal(second.log.lastIndex, 230);
});

test('wal - close flushes pending appends, is idempotent, and later appends reject', async (t) => {
  const dir = await tempDir(t);
  const { log } = await openLog(t, { dir });
  const pending = range(1, 50).map((i) => log.append(Buffer.from(`p${i}`)));
  const closing = log.close();
  assert.equal(log.close(), closing);
  await assert.rejects(log.append(Buffer.from('late')), LogClosedError);
  await closing;
  assert.deepEqual(
    (await Promise.all(pending)).map((r) => r.index),
    range(1, 50),
  );
  await assert.rejects(log.append(Buffer.from('later')), LogClosedError);

  const reopened = await openLog(t, { dir });
  assert.deepEqual(reopened.fsm.applied, range(1, 50));
});

test('wal - appends before start() reject, and start() runs once', async (t) => {
  const dir = await tempDir(t);
  const log = new FileLog({ dir });
  closeAfter(t, log);
  await assert.rejects(log.append(Buffer.from('x')), LogClosedError);
  await log.start(new RecordingFsm());
  await assert.rejects(log.start(new RecordingFsm()), /called while open/);
});

test('wal - an apply that throws rejects only its own append and is replayed on restart', async (t) => {
  const dir = await tempDir(t);
  const handlers = (seen: number[]) => ({
    restore: () => assert.fail('no snapshot expected'),
    apply: (index: number) => {
      seen.push(index);
      if (index === 2) throw new Error('bad command');
      return index;
    },
    snapshot: () => assert.fail('no snapshot expected'),
  });
  const log = new FileLog({ dir });
  closeAfter(t, log);
  const seen: number[] = [];
  await log.start(handlers(seen));
  const [a, b, c] = [1, 2, 3].map(() => log.append(Buffer.from('x')));
  assert.equal((await a!).result, 1);
  await assert.rejects(b!, /bad command/);
  assert.equal((await c!).result, 3);
  await log.close();

  const reopened = new FileLog({ dir });
  closeAfter(t, reopened);
  const replayed: number[] = [];
  await reopened.start(handlers(replayed));
  assert.deepEqual(replayed, [1, 2, 3]);
  assert.equal(reopened.lastIndex, 3);
});

test('wal - options are validated at construction, with documented defaults', () => {
  assert.throws(() => new FileLog({ dir: '' }), TypeError);
  assert.throws(() => new FileLog({ dir: '/tmp/x', segmentMaxBytes: 10 }), RangeError);
  assert.throws(() => new FileLog({ dir: '/tmp/x', snapshotThresholdEntries: 0 }), RangeError);
  assert.throws(
    () => new FileLog({ dir: '/tmp/x', syncMethod: 'fsync' as unknown as WalSyncMethod }),
    /syncMethod must be 'open_datasync' or 'fdatasync'/,
  );
  assert.doesNotThrow(
    () => new FileLog({ dir: '/tmp/x', snapshotThresholdEntries: Number.POSITIVE_INFINITY }),
  );
  assert.equal(DEFAULT_SEGMENT_MAX_BYTES, 64 * 1024 * 1024);
});

test('wal - a pino logger satisfies WalLogger', async (t) => {
  const logger: WalLogger = pino({ enabled: false });
  const { log } = await openLog(t, { dir: await tempDir(t), logger });
  assert.equal((await log.append(Buffer.from('x'))).index, 1);
});

test('wal - fsync: false writes without syncing', async (t) => {
  const dir = await tempDir(t);
  const { log } = await openLog(t, { dir, fsync: false });
  await Promise.all(range(1, 10).map(() => log.append(Buffer.from('x'))));
  assert.equal(log.stats.fsyncs, 0);
  await log.close();
  const reopened = await openLog(t, { dir });
  assert.equal(reopened.log.lastIndex, 10);
});

for (const syncMethod of ['open_datasync', 'fdatasync'] as const) {
  test(`wal - a failed fsync fails the log: pending and later appends reject with LogFailedError (${syncMethod})`, async (t) => {
    const dir = await tempDir(t);
    // Fault injection: once set, every flush fails with EIO (with O_DSYNC, the write that carries the flush).
    const fs = new FaultyFs();
    const { log } = await openLog(t, { dir, fs, syncMethod });
    await log.append(Buffer.from('ok'));
    fs.fault = { op: 'sync', code: 'EIO' };
    const failing = [log.append(Buffer.from('a')), log.append(Buffer.from('b'))];
    for (const append of failing) {
      await assert.rejects(append, (err: unknown) => {
        assert.ok(err instanceof LogFailedError);
        assert.equal(err.code, 'ENT_ERR_LOG_FAILED');
        assert.match((err.cause as Error).message, /EIO/);
        return true;
      });
    }
    assert.ok(fs.failures.sync >= 1, 'the injected flush failure was hit');
    fs.fault = undefined;
    await assert.rejects(log.append(Buffer.from('c')), LogFailedError);
    assert.equal(log.lastIndex, 1);
    await log.close();
  });
}

test('wal - readBarrier waits for appends made before it to be durable and applied', async (t) => {
  const dir = await tempDir(t);
  const { log, fsm } = await openLog(t, { dir, fsync: false });
  await log.readBarrier(); // nothing pending: resolves at once
  const appends = [1, 2, 3].map((i) => log.append(Buffer.from(`entry ${String(i)}`)));
  const barrier = log.readBarrier().then(() => [...fsm.applied]);
  assert.deepEqual(await barrier, [1, 2, 3]);
  await Promise.all(appends);
  const ac = new AbortController();
  const pending = log.readBarrier(ac.signal);
  await pending; // nothing appended since: resolves whatever the signal does
  ac.abort();
});

/** The real filesystem, counting `writev` calls as they are issued (before they return). */
class IssueCountingFs implements LogFs {
  writesIssued = 0;
  async open(path: string, flags: LogOpenFlags, options?: LogOpenOptions): Promise<LogFile> {
    const fh = await NODE_LOG_FS.open(path, flags, options);
    return {
      writev: (buffers, position) => {
        this.writesIssued++;
        return fh.writev(buffers, position);
      },
      datasync: () => fh.datasync(),
      sync: () => fh.sync(),
      truncate: (length) => fh.truncate(length),
      close: () => fh.close(),
    };
  }
  readFile = (path: string): Promise<Buffer> => NODE_LOG_FS.readFile(path);
  readdir = (path: string): Promise<string[]> => NODE_LOG_FS.readdir(path);
  mkdirp = (path: string): Promise<void> => NODE_LOG_FS.mkdirp(path);
  rename = (from: string, to: string): Promise<void> => NODE_LOG_FS.rename(from, to);
  unlink = (path: string): Promise<void> => NODE_LOG_FS.unlink(path);
}

for (const syncMethod of ['open_datasync', 'fdatasync'] as const) {
  test(`wal - the next batch is being written while the durable one is applied, and applies stay in order (${syncMethod})`, async (t) => {
    const dir = await tempDir(t);
    const fs = new IssueCountingFs();
    const log = new FileLog({ dir, fs, syncMethod });
    closeAfter(t, log);
    const fsm = new RecordingFsm();
    const writesAtApply = new Map<number, number>();
    const apply = fsm.apply.bind(fsm);
    fsm.apply = (index, data) => {
      writesAtApply.set(index, fs.writesIssued);
      return apply(index, data);
    };
    await log.start(fsm);
    const before = fs.writesIssued;
    // Entry 1 goes out alone; 2..6 queue behind it and form the second batch.
    const first = log.append(Buffer.from('one'));
    await Promise.resolve();
    await Promise.resolve();
    const rest = [2, 3, 4, 5, 6].map((i) => log.append(Buffer.from(`entry ${String(i)}`)));
    const results = await Promise.all([first, ...rest]);
    assert.deepEqual(
      results.map((r) => r.index),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal(log.stats.batches, 2);
    assert.deepEqual(fsm.violations, []);
    assert.deepEqual(fsm.applied, [1, 2, 3, 4, 5, 6]);
    // When entry 1 (batch 1, durable) was applied, batch 2's write had already been issued.
    assert.equal(writesAtApply.get(1), before + 2);
    assert.equal(writesAtApply.get(6), before + 2);
  });
}
