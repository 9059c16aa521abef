import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LogClosedError, MemoryLog } from './index.js';
import { RecordingFsm } from './testing/recording-fsm.js';

test('wal - memory log assigns increasing indexes and applies in order with results', async () => {
  const log = new MemoryLog();
  const fsm = new RecordingFsm();
  await log.start(fsm);
  assert.equal(log.lastIndex, 0);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(Buffer.from(`c${i}`))));
  assert.deepEqual(
    results.map((r) => r.index),
    Array.from({ length: 50 }, (_, i) => i + 1),
  );
  assert.deepEqual(
    results.map((r) => r.result),
    results.map((r) => `applied:${r.index}`),
  );
  assert.deepEqual(fsm.violations, []);
  assert.equal(fsm.text(7), 'c6');
  assert.equal(log.lastIndex, 50);
  assert.equal(fsm.restoredAt, undefined);
  await log.close();
});

test('wal - memory log applies on a later microtask, never inside append()', async () => {
  const log = new MemoryLog();
  const fsm = new RecordingFsm();
  await log.start(fsm);
  const pending = log.append(Buffer.from('a'));
  assert.deepEqual(fsm.applied, []);
  assert.equal(log.lastIndex, 0);
  assert.deepEqual(await pending, { index: 1, result: 'applied:1' });
  assert.equal(log.lastIndex, 1);
  await log.close();
});

test('wal - memory log rejects appends before start and after close; close is idempotent and flushes', async () => {
  const log = new MemoryLog();
  await assert.rejects(log.append(Buffer.from('x')), LogClosedError);
  const fsm = new RecordingFsm();
  await log.start(fsm);
  await assert.rejects(log.start(fsm), /only be called once/);
  const inFlight = log.append(Buffer.from('y'));
  await Promise.all([log.close(), log.close()]);
  assert.deepEqual(await inFlight, { index: 1, result: 'applied:1' });
  await assert.rejects(log.append(Buffer.from('z')), (err: unknown) => {
    assert.ok(err instanceof LogClosedError);
    assert.equal(err.code, 'ENT_ERR_LOG_CLOSED');
    return true;
  });
  assert.equal(log.lastIndex, 1);
});

test('wal - memory log rejects only the append whose apply throws', async () => {
  const log = new MemoryLog();
  const seen: number[] = [];
  await log.start({
    restore: () => assert.fail('restore must not be called'),
    apply: (index) => {
      seen.push(index);
      if (index === 2) throw new Error('boom');
      return index * 10;
    },
    snapshot: () => assert.fail('snapshot must not be called'),
  });
  const [a, b, c] = [1, 2, 3].map(() => log.append(Buffer.alloc(0)));
  assert.deepEqual(await a, { index: 1, result: 10 });
  await assert.rejects(b!, /boom/);
  assert.deepEqual(await c, { index: 3, result: 30 });
  assert.deepEqual(seen, [1, 2, 3]);
  assert.equal(log.lastIndex, 3);
});

test('memory log - readBarrier resolves only once every earlier append is applied', async () => {
  const log = new MemoryLog();
  const applied: number[] = [];
  await log.start({
    restore: () => undefined,
    apply: (index) => applied.push(index),
    snapshot: () => ({ index: 0, data: Buffer.alloc(0) }),
  });
  const appends = [log.append(Buffer.from('a')), log.append(Buffer.from('b'))];
  await log.readBarrier();
  assert.deepEqual(applied, [1, 2]);
  await Promise.all(appends);
  await log.close();
});
