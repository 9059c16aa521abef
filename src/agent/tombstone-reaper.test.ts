import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../logging/index.js';
import { StateStore, type Command } from '../state/index.js';
import { TombstoneReaper } from './tombstone-reaper.js';

function harness() {
  const store = new StateStore();
  let index = 0;
  const writes: Command[] = [];
  const write = (cmd: Command) => {
    writes.push(cmd);
    index += 1;
    return Promise.resolve({ index, result: store.apply(index, cmd) });
  };
  const reaper = new TombstoneReaper({
    lastIndex: () => store.lastIndex,
    oldestTombstone: () => store.tables.kv.tombstoneStats().oldestIndex,
    write,
    logger: silentLogger(),
    ttlMs: 60_000,
    granularityMs: 10_000,
  });
  const kv = (Verb: 'set' | 'delete', Key: string) =>
    write({ Type: 'kv', Verb, Key, Value: Verb === 'set' ? 'dg==' : null, Flags: 0, Index: 0 });
  return { store, reaper, writes, kv };
}

test('tombstone reaper - reaps through the log only tombstones older than the TTL', async () => {
  const { store, reaper, writes, kv } = harness();
  await kv('set', 'a/1');
  await kv('delete', 'a/1'); // index 2, at t=0
  await reaper.tick(0);
  await kv('set', 'a/2');
  await kv('delete', 'a/2'); // index 4, at t≈30 s
  await reaper.tick(30_000);
  await reaper.tick(59_999);
  assert.equal(store.tables.kv.tombstoneStats().count, 2, 'nothing is older than the TTL yet');
  await reaper.tick(60_000);
  assert.deepEqual(writes.at(-1), { Type: 'kv-reap', ReapIndex: 2 });
  assert.deepEqual(store.tables.kv.tombstoneStats(), { count: 1, oldestIndex: 4 });
  assert.ok(store.kvList(undefined, 'a/').index >= 4);
  await reaper.tick(90_000);
  assert.deepEqual(writes.at(-1), { Type: 'kv-reap', ReapIndex: 4 });
  assert.equal(store.tables.kv.tombstoneStats().count, 0);
  const count = writes.length;
  await reaper.tick(200_000);
  assert.equal(writes.length, count, 'no tombstone, no reap command');
});

test('tombstone reaper - keeps a bounded number of samples', async () => {
  const { reaper } = harness();
  for (let t = 0; t < 1_000_000; t += 10_000) await reaper.tick(t);
  assert.ok(reaper.sampleCount <= 8, `samples: ${String(reaper.sampleCount)}`);
});
