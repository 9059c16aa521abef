import assert from 'node:assert/strict';
import { test } from 'node:test';

import { columnize } from './columnize.js';
import { goJson } from './go-json.js';
import { formatGoTime } from './go-time.js';
import { tabwrite } from './tabwriter.js';

test('cli format - columnize pads all but the last column, trims fields', () => {
  assert.equal(columnize(['a\x1fbb\x1fc', 'ddd\x1f e \x1f']), 'a    bb  c\nddd  e   ');
});

test('cli format - tabwrite pads cells to width plus 6', () => {
  assert.equal(tabwrite(['Key\tv', 'LockIndex\t0']), 'Key            v\nLockIndex      0');
});

test('cli format - Go time String() and nil', () => {
  assert.equal(formatGoTime(null), '<nil>');
  assert.equal(formatGoTime('2024-01-02T03:04:05.123456789Z'), '2024-01-02 03:04:05.123456789 +0000 UTC');
  assert.equal(formatGoTime('2024-01-02T05:04:05+02:00'), '2024-01-02 03:04:05 +0000 UTC');
});

test('cli format - Go JSON escapes HTML characters', () => {
  assert.equal(goJson({ a: '<&>' }), '{"a":"\\u003c\\u0026\\u003e"}');
});
