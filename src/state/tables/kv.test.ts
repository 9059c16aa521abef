import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../store.js';
import { WatchSet } from '../watch.js';
import type { Command } from '../commands.js';

const set = (key: string, value = 'v'): Command => ({
  Type: 'kv',
  Verb: 'set',
  Key: key,
  Value: Buffer.from(value).toString('base64'),
  Flags: 0,
  Index: 0,
});
const del = (key: string): Command => ({
  Type: 'kv',
  Verb: 'delete',
  Key: key,
  Value: null,
  Flags: 0,
  Index: 0,
});

test('state kv - a delete leaves a tombstone that moves prefix and key indexes; kv-reap drops old ones', () => {
  const s = new StateStore();
  s.apply(1, set('app/a'));
  s.apply(2, set('app/b'));
  s.apply(3, set('other/x'));
  s.apply(4, del('app/b'));
  assert.equal(s.kvList(undefined, 'app/').index, 4);
  assert.equal(s.kvGet(undefined, 'app/b').index, 4);
  assert.deepEqual(s.tables.kv.tombstoneStats(), { count: 1, oldestIndex: 4 });
  assert.deepEqual(s.apply(5, { Type: 'kv-reap', ReapIndex: 3 }), { ok: true, value: 0 });
  assert.deepEqual(s.apply(6, { Type: 'kv-reap', ReapIndex: 4 }), { ok: true, value: 1 });
  assert.deepEqual(s.tables.kv.tombstoneStats(), { count: 0, oldestIndex: 0 });
  // Never backwards: the prefix still reports at least the reaped delete, the key at least the table index.
  assert.ok(s.kvList(undefined, 'app/').index >= 4);
  assert.ok(s.kvGet(undefined, 'app/b').index >= 4);
});

test('state kv - a blocking prefix query never goes backwards or misses a delete across a reap', () => {
  const s = new StateStore();
  s.apply(1, set('p/a'));
  s.apply(2, set('p/b'));
  const before = s.kvList(undefined, 'p/');
  const ws = new WatchSet();
  s.kvList(ws, 'p/');
  let woken = false;
  s.hub.subscribe(ws, () => {
    woken = true;
  });
  s.apply(3, del('p/b'));
  assert.equal(woken, true, 'the delete wakes prefix waiters');
  s.apply(4, set('q/z'));
  s.apply(5, { Type: 'kv-reap', ReapIndex: 4 });
  // A client that slept through both the delete and the reap still sees an index above the one it held.
  const after = s.kvList(undefined, 'p/');
  assert.ok(after.index > before.index);
  assert.deepEqual(
    after.value.map((e) => e.Key),
    ['p/a'],
  );
});

test('state kv - reaped state survives a snapshot; kv.<key> topics are never stored in the index table', () => {
  const s = new StateStore();
  const base = s.indexKeyCount;
  for (let i = 0; i < 20; i++) s.apply(i + 1, set(`k/${String(i)}`));
  assert.equal(s.indexKeyCount, base + 1, 'only the kvs table key');
  s.apply(21, { Type: 'kv', Verb: 'delete-tree', Key: 'k/', Value: null, Flags: 0, Index: 0 });
  s.apply(22, { Type: 'kv-reap', ReapIndex: 21 });
  const copy = new StateStore();
  copy.restore(22, s.snapshot());
  assert.equal(copy.kvList(undefined, 'k/').index, s.kvList(undefined, 'k/').index);
  assert.equal(copy.tables.kv.tombstoneStats().count, 0);
});
