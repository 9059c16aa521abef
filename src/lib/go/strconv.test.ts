import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote, goUnquote, parseGoBool, parseGoFloat, parseGoInt, parseGoUint } from './strconv.js';

test('go strconv - goQuote prints strings like Go %q', () => {
  assert.equal(goQuote('abc'), '"abc"');
  assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(goQuote('\n\t\r\x07\b\f\v'), '"\\n\\t\\r\\a\\b\\f\\v"');
  assert.equal(goQuote('\x00\x7f'), '"\\x00\\x7f"');
  assert.equal(goQuote('é😀'), '"é😀"');
  assert.equal(goQuote('\u200b'), '"\\u200b"');
});

test('go strconv - goQuote escapes what Go does not print and shows a lone surrogate as Go decodes it', () => {
  assert.equal(goQuote('a\u00a0b\u00adc'), '"a\\u00a0b\\u00adc"');
  assert.equal(goQuote('\u{f0000}'), '"\\U000f0000"');
  assert.equal(goQuote('x\ud800'), '"x\ufffd"');
});

test('go strconv - goUnquote handles Go double-quoted and raw literals', () => {
  assert.equal(goUnquote('"a\\nb"'), 'a\nb');
  assert.equal(goUnquote('"\\x41\\101\\u00e9\\U0001F600\\\\\\""'), 'AAé😀\\"');
  assert.equal(goUnquote('"\\xc3\\xa9"'), 'é');
  assert.equal(goUnquote('`a\\nb`'), 'a\\nb');
  assert.equal(goUnquote('`a\r\nb`'), 'a\nb');
  for (const bad of [
    '"\\q"',
    '"\\\'"',
    '"a\nb"',
    '"\\400"',
    '"\\uD800"',
    '"\\x4"',
    '"abc',
    '"\\"',
    '"a"b"',
  ]) {
    assert.equal(goUnquote(bad), undefined, bad);
  }
});

test('go strconv - parseGoBool accepts exactly Go spellings', () => {
  for (const t of ['1', 't', 'T', 'true', 'TRUE', 'True'])
    assert.deepEqual(parseGoBool(t), { ok: true, value: true });
  for (const f of ['0', 'f', 'F', 'false', 'FALSE', 'False']) {
    assert.deepEqual(parseGoBool(f), { ok: true, value: false });
  }
  assert.deepEqual(parseGoBool('yes'), {
    ok: false,
    error: 'strconv.ParseBool: parsing "yes": invalid syntax',
  });
});

test('go strconv - parseGoInt follows ParseInt(s, 0, 64)', () => {
  const good: readonly (readonly [string, bigint])[] = [
    ['42', 42n],
    ['-42', -42n],
    ['+7', 7n],
    ['0x1F', 31n],
    ['0o17', 15n],
    ['017', 15n],
    ['0b101', 5n],
    ['1_000', 1000n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
  ];
  for (const [text, value] of good) assert.deepEqual(parseGoInt(text), { ok: true, value }, text);
  for (const bad of ['', '1.5', 'abc', '08', '1__0', '_1', '0x', '--1']) {
    assert.deepEqual(parseGoInt(bad), {
      ok: false,
      error: `strconv.ParseInt: parsing ${goQuote(bad)}: invalid syntax`,
    });
  }
  assert.deepEqual(parseGoInt('9223372036854775808'), {
    ok: false,
    error: 'strconv.ParseInt: parsing "9223372036854775808": value out of range',
  });
});

test('go strconv - parseGoUint rejects signs and overflow', () => {
  assert.deepEqual(parseGoUint('18446744073709551615'), { ok: true, value: 18446744073709551615n });
  assert.deepEqual(parseGoUint('-1'), {
    ok: false,
    error: 'strconv.ParseUint: parsing "-1": invalid syntax',
  });
  assert.deepEqual(parseGoUint('+1'), {
    ok: false,
    error: 'strconv.ParseUint: parsing "+1": invalid syntax',
  });
  assert.deepEqual(parseGoUint('18446744073709551616'), {
    ok: false,
    error: 'strconv.ParseUint: parsing "18446744073709551616": value out of range',
  });
});

test('go strconv - parseGoFloat follows ParseFloat(s, 64)', () => {
  const good: readonly (readonly [string, number])[] = [
    ['1.5', 1.5],
    ['-2', -2],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['1_000.5', 1000.5],
    ['0x1p-2', 0.25],
    ['0x1.8p1', 3],
    ['Inf', Infinity],
    ['-infinity', -Infinity],
  ];
  for (const [text, value] of good) assert.deepEqual(parseGoFloat(text), { ok: true, value }, text);
  const nan = parseGoFloat('NaN');
  assert.ok(nan.ok && Number.isNaN(nan.value));
  for (const bad of ['', 'x', '1e', '1.2.3', '0x1', '_1']) {
    assert.deepEqual(parseGoFloat(bad), {
      ok: false,
      error: `strconv.ParseFloat: parsing ${goQuote(bad)}: invalid syntax`,
    });
  }
  assert.deepEqual(parseGoFloat('1e400'), {
    ok: false,
    error: 'strconv.ParseFloat: parsing "1e400": value out of range',
  });
});
