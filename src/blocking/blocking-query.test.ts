import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../state/index.js';
import type { Command } from '../state/index.js';
import { blockingQuery } from './blocking-query.js';

const kv = (key: string): Command => ({ Type: 'kv', Verb: 'set', Key: key, Value: null, Flags: 0, Index: 0 });

test('blocking - index 0 is a plain read', async () => {
  const s = new StateStore();
  s.apply(1, kv('a'));
  const r = await blockingQuery(s, { minIndex: 0 }, (ws) => s.kvGet(ws, 'a'));
  assert.equal(r.index, 1);
});

test('blocking - waits for a write to what it read, not for others', async () => {
  const s = new StateStore();
  s.apply(1, kv('a'));
  let done = false;
  const p = blockingQuery(s, { minIndex: 1, waitMs: 60_000 }, (ws) => s.kvGet(ws, 'a')).then((r) => {
    done = true;
    return r;
  });
  s.apply(2, kv('b'));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'a write to another key does not wake the query');
  s.apply(3, kv('a'));
  const r = await p;
  assert.equal(r.index, 3);
  assert.equal(s.hub.size, 0, 'waiters are removed');
});

test('blocking - an abort ends the wait at once and leaves no waiter', async () => {
  const s = new StateStore();
  s.apply(1, kv('a'));
  const ac = new AbortController();
  const p = blockingQuery(s, { minIndex: 1, waitMs: 600_000, signal: ac.signal }, (ws) => s.kvGet(ws, 'a'));
  assert.equal(s.hub.size, 1);
  ac.abort();
  const r = await p;
  assert.equal(r.index, 1);
  assert.equal(s.hub.size, 0);
});

test('blocking - returns at the deadline with the same index; jitter is at most wait/16', async () => {
  const s = new StateStore();
  s.apply(1, kv('a'));
  const started = Date.now();
  const r = await blockingQuery(s, { minIndex: 1, waitMs: 40, random: () => 0.999 }, (ws) =>
    s.kvGet(ws, 'a'),
  );
  const took = Date.now() - started;
  assert.equal(r.index, 1);
  assert.ok(took >= 35, `returned after ${took} ms`);
});

test('blocking - abandoning the store releases every waiter', async () => {
  const s = new StateStore();
  s.apply(1, kv('a'));
  const p = blockingQuery(s, { minIndex: 1, waitMs: 600_000 }, (ws) => s.kvGet(ws, 'a'));
  s.abandon();
  assert.equal((await p).index, 1);
});
