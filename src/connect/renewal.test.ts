import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_RENEWAL_POLICY as P, renewalTime, retryDelay } from './renewal.js';

const H = 3_600_000;

test('renewal - the window is 60–70 % of the lifetime, drawn uniformly', () => {
  assert.equal(
    renewalTime(0, 0, 72 * H, P, () => 0),
    43.2 * H,
  );
  assert.equal(
    renewalTime(0, 0, 72 * H, P, () => 0.5),
    46.8 * H,
  );
  assert.ok(renewalTime(0, 0, 72 * H, P, () => 0.9999) < 0.7 * 72 * H);
});

test('renewal - inside the window the draw starts now; past it (or expired) renewal is immediate', () => {
  const now = 0.68 * 10 * H;
  const at = renewalTime(now, 0, 10 * H, P, () => 0.5);
  assert.equal(at, Math.floor(now + 0.5 * (0.7 * 10 * H - now)));
  assert.equal(
    renewalTime(0.8 * 10 * H, 0, 10 * H, P, () => 0.5),
    0.8 * 10 * H,
  );
  assert.equal(
    renewalTime(11 * H, 0, 10 * H, P, () => 0.5),
    11 * H,
  );
  assert.equal(
    renewalTime(5, 10, 10, P, () => 0.5),
    5,
    'an empty lifetime renews at once',
  );
});

test('renewal - retry delays double from 1 s, are capped at 60 s, and are drawn from their upper half', () => {
  assert.equal(
    retryDelay(1, P, () => 0),
    500,
  );
  assert.equal(
    retryDelay(1, P, () => 0.999_999),
    999,
  );
  assert.equal(
    retryDelay(2, P, () => 0),
    1_000,
  );
  assert.equal(
    retryDelay(7, P, () => 0),
    30_000,
  );
  assert.equal(
    retryDelay(8, P, () => 0),
    30_000,
  );
  assert.equal(
    retryDelay(1_000, P, () => 0.5),
    45_000,
  );
});
