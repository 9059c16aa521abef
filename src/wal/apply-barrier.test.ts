import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplyBarrier } from './apply-barrier.js';

test('wal barrier - waiters are released in order as their targets are applied', async () => {
  const b = new ApplyBarrier();
  const released: number[] = [];
  const p3 = b.wait(3, 1).then(() => released.push(3));
  const p5 = b.wait(5, 1).then(() => released.push(5));
  await b.wait(1, 1); // already applied: resolves at once
  b.advance(2);
  await Promise.resolve();
  assert.deepEqual(released, []);
  b.advance(4);
  await p3;
  assert.deepEqual(released, [3]);
  assert.equal(b.size, 1);
  b.advance(5);
  await p5;
  assert.deepEqual(released, [3, 5]);
  assert.equal(b.size, 0);
});

test('wal barrier - an aborted signal rejects with its reason and removes the waiter', async () => {
  const b = new ApplyBarrier();
  const ac = new AbortController();
  const p = b.wait(9, 0, ac.signal);
  assert.equal(b.size, 1);
  ac.abort(new Error('client went away'));
  await assert.rejects(p, /client went away/);
  assert.equal(b.size, 0);
  await assert.rejects(b.wait(9, 0, ac.signal), /client went away/);
});

test('wal barrier - failAll rejects every waiter', async () => {
  const b = new ApplyBarrier();
  const p = b.wait(2, 0);
  b.failAll(new Error('log failed'));
  await assert.rejects(p, /log failed/);
  assert.equal(b.size, 0);
});
