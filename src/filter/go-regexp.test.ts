import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoRegexp, GoRegexpError } from './go-regexp.js';

function matches(pattern: string, input: string): boolean {
  return compileGoRegexp(pattern).test(input);
}

function regexpError(pattern: string): string {
  try {
    compileGoRegexp(pattern);
  } catch (err) {
    assert.ok(err instanceof GoRegexpError);
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(pattern)} to be rejected`);
}

test('filter - regexp: literals, dot, anchors and alternation', () => {
  assert.equal(matches('eb', 'web'), true);
  assert.equal(matches('^a.*b$', 'axxb'), true);
  assert.equal(matches('^a.*b$', 'axxbc'), false);
  assert.equal(matches('x|y', 'zzy'), true);
  assert.equal(matches('', 'anything'), true);
  assert.equal(matches('.', '\n'), false);
  assert.equal(matches('(?s).', '\n'), true);
  assert.equal(matches('^b$', 'a\nb\nc'), false);
  assert.equal(matches('(?m)^b$', 'a\nb\nc'), true);
  assert.equal(matches('\\Aab\\z', 'ab'), true);
  assert.equal(matches('a$', 'a\n'), false);
  assert.equal(matches('\\bfoo\\b', 'a foo b'), true);
  assert.equal(matches('\\bfoo\\b', 'afoob'), false);
  assert.equal(matches('\\Bo\\B', 'foo'), true);
});

test('filter - regexp: repetition, including counted and lazy forms', () => {
  assert.equal(matches('^a{2,3}$', 'aa'), true);
  assert.equal(matches('^a{2,3}$', 'aaaa'), false);
  assert.equal(matches('^a{2}$', 'aa'), true);
  assert.equal(matches('^a{2,}$', 'aaaaa'), true);
  assert.equal(matches('^ab*?c+?d?$', 'acc'), true);
  assert.equal(matches('^(ab)+$', 'ababab'), true);
  assert.equal(matches('^(a*)*$', 'aaa'), true);
  // `{` that does not start a valid repeat is a literal.
  assert.equal(matches('a{', 'a{'), true);
  assert.equal(matches('a{x}', 'a{x}'), true);
  assert.equal(matches('a{01}', 'a{01}'), true);
});

test('filter - regexp: classes, Perl/POSIX/Unicode classes and escapes', () => {
  assert.equal(matches('^[a-c]+$', 'abcab'), true);
  assert.equal(matches('[^a]', '\n'), true);
  assert.equal(matches('^[]a]+$', ']a'), true);
  assert.equal(matches('^[a-]+$', 'a-'), true);
  assert.equal(matches('^\\d+$', '123'), true);
  assert.equal(matches('^\\D$', '\n'), true);
  assert.equal(matches('^\\w+$', 'a_1'), true);
  assert.equal(matches('\\s', '\v'), false);
  assert.equal(matches('^[\\s]+$', ' \t\r\n\f'), true);
  assert.equal(matches('^[[:alpha:]]+[[:digit:]]$', 'abc1'), true);
  assert.equal(matches('^[[:^alpha:]]$', '1'), true);
  assert.equal(matches('^\\pL+$', 'héllo'), true);
  assert.equal(matches('\\p{Greek}', 'α'), true);
  assert.equal(matches('\\p{Greek}', 'a'), false);
  assert.equal(matches('^\\PL$', '1'), true);
  assert.equal(matches('^\\p{^L}$', '1'), true);
  assert.equal(matches('\\x41\\x{42}\\101\\0', 'ABA\0'), true);
  assert.equal(matches('\\Qa.b\\E', 'a.b'), true);
  assert.equal(matches('\\Qa.b\\E', 'axb'), false);
  assert.equal(matches('a\\-b\\#c', 'a-b#c'), true);
  assert.equal(matches('\\t\\n', '\t\n'), true);
});

test('filter - regexp: flags and groups', () => {
  assert.equal(matches('(?i)hello', 'HeLLo'), true);
  assert.equal(matches('(?i)[a-c]', 'B'), true);
  assert.equal(matches('(?i)[^a]', 'A'), false);
  assert.equal(matches('(?i:a)B', 'AB'), true);
  assert.equal(matches('(?i:a)B', 'Ab'), false);
  assert.equal(matches('a(?i)b|c', 'C'), true);
  assert.equal(matches('(?i)k', '\u212a'), true);
  assert.equal(matches('(?i)x(?-i)y', 'Xy'), true);
  assert.equal(matches('(?i)x(?-i)y', 'XY'), false);
  assert.equal(matches('(?U)a+', 'aaa'), true);
  assert.equal(matches('^(?P<first>\\w+) (?<second>\\w+)$', 'a b'), true);
  assert.equal(matches('^(?:ab)+$', 'abab'), true);
});

test('filter - regexp: invalid patterns fail with Go messages', () => {
  const cases: readonly (readonly [string, string])[] = [
    ['(', 'missing closing ): `(`'],
    ['(?i', 'missing closing ): `(?i`'],
    [')', 'unexpected ): `)`'],
    ['a)', 'unexpected ): `a)`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a*??', 'invalid nested repetition operator: `*??`'],
    ['a{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
    ['*', 'missing argument to repetition operator: `*`'],
    ['a|+', 'missing argument to repetition operator: `+`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['a{3,2}', 'invalid repeat count: `{3,2}`'],
    ['[a', 'missing closing ]: `[a`'],
    ['[]', 'missing closing ]: `[]`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:nope:]]', 'invalid character class range: `[:nope:]`'],
    ['\\pX', 'invalid character class range: `\\pX`'],
    ['\\p{Nope}', 'invalid character class range: `\\p{Nope}`'],
    ['\\1', 'invalid escape sequence: `\\1`'],
    ['\\8', 'invalid escape sequence: `\\8`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['\\xZ1', 'invalid escape sequence: `\\xZ1`'],
    ['[\\b]', 'invalid escape sequence: `\\b`'],
    ['x\\', 'trailing backslash at end of expression: ``'],
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)', 'invalid or unsupported Perl syntax: `(?<`'],
    ['(?x)', 'invalid or unsupported Perl syntax: `(?x`'],
    ['(?P<>a)', 'invalid named capture: `(?P<>`'],
    ['(?P<a-b>x)', 'invalid named capture: `(?P<a-b>`'],
  ];
  for (const [pattern, expected] of cases) {
    assert.equal(regexpError(pattern), `error parsing regexp: ${expected}`, pattern);
  }
});

test('filter - regexp: matching is linear, so pathological patterns stay fast', () => {
  const started = Date.now();
  assert.equal(matches('(a+)+$', `${'a'.repeat(5000)}b`), false);
  assert.equal(matches('(x+x+)+y', 'x'.repeat(5000)), false);
  assert.equal(matches('^(a|a)*$', `${'a'.repeat(5000)}!`), false);
  assert.ok(Date.now() - started < 5000);
});

test('filter - regexp: oversized or over-nested patterns are rejected', () => {
  assert.match(regexpError('((a{1000}){1000}){1000}'), /expression too large/);
  assert.match(regexpError(`${'('.repeat(1500)}a${')'.repeat(1500)}`), /nests too deeply/);
  assert.equal(matches(`${'('.repeat(500)}a${')'.repeat(500)}`, 'a'), true);
});
