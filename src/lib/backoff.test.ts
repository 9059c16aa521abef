import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelay, validateBackoffPolicy } from './backoff.js';

test('backoff - doubles from the base and never exceeds the cap, whatever the failure count', () => {
  const p = { baseMs: 500, maxMs: 2000, jitter: 0 };
  assert.deepEqual(
    [1, 2, 3, 4, 10, 1000, 1e9].map((n) => backoffDelay(p, n)),
    [500, 1000, 2000, 2000, 2000, 2000, 2000],
  );
});

test('backoff - jitter takes up to its fraction off each wait, never adds', () => {
  const p = { baseMs: 1000, maxMs: 1000, jitter: 0.25 };
  assert.equal(
    backoffDelay(p, 5, () => 0),
    1000,
  );
  assert.equal(
    backoffDelay(p, 5, () => 0.999999),
    1000 * (1 - 0.25 * 0.999999),
  );
  const seen = new Set<number>();
  for (let i = 0; i < 50; i++) {
    const d = backoffDelay(p, 3);
    assert.ok(d > 750 && d <= 1000, String(d));
    seen.add(d);
  }
  assert.ok(seen.size > 1, 'waits are spread, not in lockstep');
});

test('backoff - counts failures and resets on success', () => {
  const b = new Backoff({ baseMs: 100, maxMs: 10_000, jitter: 0 });
  assert.deepEqual([b.next(), b.next(), b.next()], [100, 200, 400]);
  assert.equal(b.failures, 3);
  b.reset();
  assert.equal(b.next(), 100);
});

test('backoff - refuses policies that make no sense', () => {
  assert.throws(() => validateBackoffPolicy({ baseMs: 0, maxMs: 10, jitter: 0 }), /base/);
  assert.throws(() => validateBackoffPolicy({ baseMs: 10, maxMs: 5, jitter: 0 }), /cap/);
  assert.throws(() => validateBackoffPolicy({ baseMs: 10, maxMs: Infinity, jitter: 0 }), /cap/);
  assert.throws(() => validateBackoffPolicy({ baseMs: 10, maxMs: 20, jitter: 1.5 }), /jitter/);
});
