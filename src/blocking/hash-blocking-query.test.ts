import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../state/index.js';
import type { Command } from '../state/index.js';
import { hashBlockingQuery } from './hash-blocking-query.js';

const kv = (key: string, value: string): Command => ({
  Type: 'kv',
  Verb: 'set',
  Key: key,
  Value: Buffer.from(value).toString('base64'),
  Flags: 0,
  Index: 0,
});

/** A hash of what key `a` holds (the agent hashes the rendered service the same way). */
function read(s: StateStore) {
  return (ws: Parameters<StateStore['kvGet']>[0]) => {
    const v = s.kvGet(ws, 'a').value?.Value?.toString() ?? '';
    return { hash: `h-${v}`, value: v };
  };
}

test('hash blocking - an empty hash is a plain read; a stale hash answers at once', async () => {
  const s = new StateStore();
  s.apply(1, kv('a', 'one'));
  assert.deepEqual(await hashBlockingQuery(s, { hash: '' }, read(s)), { hash: 'h-one', value: 'one' });
  assert.deepEqual(await hashBlockingQuery(s, { hash: 'h-old', waitMs: 600_000 }, read(s)), {
    hash: 'h-one',
    value: 'one',
  });
  assert.equal(s.hub.size, 0);
});

test('hash blocking - waits while the hash is the same: writes that leave it unchanged do not end the wait', async () => {
  const s = new StateStore();
  s.apply(1, kv('a', 'one'));
  let done = false;
  const p = hashBlockingQuery(s, { hash: 'h-one', waitMs: 600_000 }, read(s)).then((r) => {
    done = true;
    return r;
  });
  s.apply(2, kv('a', 'one'));
  s.apply(3, kv('b', 'x'));
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'same content, same hash: still blocking');
  s.apply(4, kv('a', 'two'));
  assert.deepEqual(await p, { hash: 'h-two', value: 'two' });
  assert.equal(s.hub.size, 0, 'waiters are removed');
});

test('hash blocking - an abort ends the wait with the current answer', async () => {
  const s = new StateStore();
  s.apply(1, kv('a', 'one'));
  const ac = new AbortController();
  const p = hashBlockingQuery(s, { hash: 'h-one', waitMs: 600_000, signal: ac.signal }, read(s));
  assert.equal(s.hub.size, 1);
  ac.abort();
  assert.deepEqual(await p, { hash: 'h-one', value: 'one' });
  assert.equal(s.hub.size, 0);
});
