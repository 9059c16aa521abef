import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  formatGoDuration,
  formatMapstructureError,
  formatMultiError,
  goFmtV,
  goQuote,
  parseGoDuration,
  plainDecimal,
} from './go/format.js';

test('config-entry - goQuote escapes like strconv.Quote', () => {
  assert.equal(goQuote('a"b\\c\n\t\x01é'), '"a\\"b\\\\c\\n\\t\\x01é"');
});

test('config-entry - Go duration strings round-trip', () => {
  const cases: [string, number][] = [
    ['0s', 0],
    ['1ns', 1],
    ['1.5µs', 1_500],
    ['1.5ms', 1_500_000],
    ['1.5s', 1_500_000_000],
    ['1m30s', 90_000_000_000],
    ['2h0m0s', 7_200_000_000_000],
    ['-5s', -5_000_000_000],
  ];
  for (const [text, ns] of cases) {
    assert.equal(formatGoDuration(ns), text);
    assert.equal(parseGoDuration(text), ns);
  }
  assert.equal(parseGoDuration('1h30m'), 5_400_000_000_000);
  assert.equal(parseGoDuration('250us'), 250_000);
});

test('config-entry - Go duration parse errors use Go texts', () => {
  assert.throws(() => parseGoDuration('abc'), { message: 'time: invalid duration "abc"' });
  assert.throws(() => parseGoDuration('10'), { message: 'time: missing unit in duration "10"' });
  assert.throws(() => parseGoDuration('10x'), { message: 'time: unknown unit "x" in duration "10x"' });
});

test('config-entry - Go %v and float formatting', () => {
  assert.equal(goFmtV({ b: [1, 'x'], a: 1e6 }), 'map[a:1e+06 b:[1 x]]');
  assert.equal(goFmtV(123456), '123456');
  assert.equal(plainDecimal(1e21), '1000000000000000000000');
  assert.equal(plainDecimal(1.5), '1.5');
});

test('config-entry - multierror and mapstructure layouts', () => {
  assert.equal(formatMultiError(['a']), '1 error occurred:\n\t* a\n\n');
  assert.equal(formatMultiError(['a', 'b']), '2 errors occurred:\n\t* a\n\t* b\n\n');
  assert.equal(formatMapstructureError(['z', 'a']), '2 error(s) decoding:\n\n* a\n* z');
});
