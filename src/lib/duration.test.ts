import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './duration.js';

test('duration - parses Go duration strings', () => {
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('100000ms'), 100_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('10us'), 0.01);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('-2s'), -2000);
});

test('duration - rejects what Go rejects', () => {
  for (const bad of ['', '5', 'abc', '5 m', '1x', '.s', 's', '-', '1m-3s']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});
