import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpression, ParseError } from './parser.js';
import type { Expression } from './ast.js';

function m(selector: string[], operator: string, value?: string): Expression {
  return { kind: 'match', selector, operator, value } as Expression;
}

function parseErr(input: string): string {
  try {
    parseExpression(input);
  } catch (err) {
    assert.ok(err instanceof ParseError);
    return err.message;
  }
  assert.fail(`expected a parse error for ${JSON.stringify(input)}`);
}

test('filter - parses every match form', () => {
  assert.deepEqual(parseExpression('Sel == v'), m(['Sel'], 'Equal', 'v'));
  assert.deepEqual(parseExpression('Sel==v'), m(['Sel'], 'Equal', 'v'));
  assert.deepEqual(parseExpression('Sel != v'), m(['Sel'], 'Not Equal', 'v'));
  assert.deepEqual(parseExpression('Sel contains v'), m(['Sel'], 'In', 'v'));
  assert.deepEqual(parseExpression('Sel not contains v'), m(['Sel'], 'Not In', 'v'));
  assert.deepEqual(parseExpression('Sel matches v'), m(['Sel'], 'Matches', 'v'));
  assert.deepEqual(parseExpression('Sel not matches v'), m(['Sel'], 'Not Matches', 'v'));
  assert.deepEqual(parseExpression('Sel is empty'), m(['Sel'], 'Is Empty'));
  assert.deepEqual(parseExpression('Sel is not empty'), m(['Sel'], 'Is Not Empty'));
  assert.deepEqual(parseExpression('v in Sel'), m(['Sel'], 'In', 'v'));
  assert.deepEqual(parseExpression('v not in Sel'), m(['Sel'], 'Not In', 'v'));
});

test('filter - selectors: dotted paths and indexed map keys', () => {
  assert.deepEqual(parseExpression('A.B.C == 1'), m(['A', 'B', 'C'], 'Equal', '1'));
  assert.deepEqual(
    parseExpression('Meta["key with spaces"] == 1'),
    m(['Meta', 'key with spaces'], 'Equal', '1'),
  );
  assert.deepEqual(parseExpression('Meta[ `raw.key` ].x == 1'), m(['Meta', 'raw.key', 'x'], 'Equal', '1'));
  assert.deepEqual(parseExpression('a_1.b2 == 1'), m(['a_1', 'b2'], 'Equal', '1'));
});

test('filter - values: numbers, quoted strings, raw strings and bare words', () => {
  assert.equal(value('X == 42'), '42');
  assert.equal(value('X == -3.25'), '-3.25');
  assert.equal(value('X == 0'), '0');
  assert.equal(value('X == "a b"'), 'a b');
  assert.equal(value('X == `a\\nb`'), 'a\\nb');
  assert.equal(value('X == passing'), 'passing');
  assert.equal(value('X == a.b["c"]'), 'a.b.c');
  assert.equal(value('X == true'), 'true');
});

test('filter - double-quoted values use Go escapes', () => {
  assert.equal(value('X == "tab\\there"'), 'tab\there');
  assert.equal(value('X == "\\u00e9\\x41\\101\\\\"'), 'éAA\\');
  assert.equal(value('X == "\\U0001F600"'), '\u{1F600}');
  assert.equal(value('X == "é"'), 'é');
  // Raw strings drop carriage returns, as Go's raw literals do.
  assert.equal(value('X == `a\r\nb`'), 'a\nb');
});

function value(input: string): string | undefined {
  const expr = parseExpression(input);
  assert.equal(expr.kind, 'match');
  return expr.kind === 'match' ? expr.value : undefined;
}

test('filter - precedence: not binds tighter than and, and tighter than or', () => {
  const expr = parseExpression('a == 1 and not b == 2 or c == 3');
  assert.deepEqual(expr, {
    kind: 'or',
    left: {
      kind: 'and',
      left: m(['a'], 'Equal', '1'),
      right: { kind: 'not', operand: m(['b'], 'Equal', '2') },
    },
    right: m(['c'], 'Equal', '3'),
  });
  // or/and are right-associative in the grammar.
  assert.deepEqual(parseExpression('a == 1 or b == 2 or c == 3'), {
    kind: 'or',
    left: m(['a'], 'Equal', '1'),
    right: { kind: 'or', left: m(['b'], 'Equal', '2'), right: m(['c'], 'Equal', '3') },
  });
});

test('filter - parentheses override precedence; the whole input may be wrapped', () => {
  assert.deepEqual(parseExpression('a == 1 and (b == 2 or c == 3)'), {
    kind: 'and',
    left: m(['a'], 'Equal', '1'),
    right: { kind: 'or', left: m(['b'], 'Equal', '2'), right: m(['c'], 'Equal', '3') },
  });
  assert.deepEqual(parseExpression(' ( a == 1 ) '), m(['a'], 'Equal', '1'));
  assert.deepEqual(parseExpression('((a == 1))'), m(['a'], 'Equal', '1'));
  assert.deepEqual(parseExpression('not (a == 1)'), { kind: 'not', operand: m(['a'], 'Equal', '1') });
  assert.deepEqual(parseExpression('not not a == 1'), m(['a'], 'Equal', '1'));
});

test('filter - keywords need whitespace, but prefixes of identifiers are identifiers', () => {
  assert.deepEqual(parseExpression('notable == 1'), m(['notable'], 'Equal', '1'));
  assert.deepEqual(parseExpression('android in ortho'), m(['ortho'], 'In', 'android'));
  assert.deepEqual(parseExpression('a == 1\nand\tb == 2'), {
    kind: 'and',
    left: m(['a'], 'Equal', '1'),
    right: m(['b'], 'Equal', '2'),
  });
});

test('filter - parse errors reproduce pigeon messages', () => {
  // The exact text reported in hashicorp/consul#6467 for an unquoted hyphenated value.
  assert.equal(
    parseErr('Node==host-name'),
    '1:11 (10): no match found, expected: ".", "[", [ \\t\\r\\n], [a-zA-Z0-9_] or EOF',
  );
  assert.equal(
    parseErr(''),
    '1:1 (0): no match found, expected: "(", "-", "0", "\\"", "`", "not", [ \\t\\r\\n], [1-9] or [a-zA-Z]',
  );
  assert.equal(parseErr('a in'), '1:5 (4): no match found, expected: [ \\t\\r\\n]');
  assert.equal(parseErr('(a == 1'), '1:8 (7): rule "grouping": Unmatched parentheses');
  assert.equal(parseErr('x == "abc'), '1:10 (9): rule "string": Unterminated string literal');
  assert.equal(parseErr('x == 1a'), '1:7 (6): rule "number": Invalid number literal');
  assert.equal(parseErr('x == 01'), '1:7 (6): rule "number": Invalid number literal');
  assert.equal(parseErr('a["b" == 1'), '1:7 (6): rule "index": Unclosed index expression');
  assert.equal(parseErr('a[1] == 2'), '1:3 (2): rule "index": Invalid index');
  assert.equal(parseErr('1 in 2'), '1:6 (5): rule "match": Invalid selector');
  assert.equal(parseErr('x == "\\q"'), '1:6 (5): rule "string": invalid syntax');
});

test('filter - error positions count lines, runes and bytes like pigeon', () => {
  // Columns restart after a newline; the offset counts UTF-8 bytes.
  assert.equal(parseErr('a == b\nor'), '2:3 (9): no match found, expected: [ \\t\\r\\n]');
  assert.equal(parseErr('x == "é'), '1:8 (8): rule "string": Unterminated string literal');
});

test('filter - a double-quoted string cannot contain an escaped quote (as in go-bexpr)', () => {
  // DoubleStringChar is `!'"' .`, so the literal ends at the backslash-quote and fails to unquote.
  assert.match(parseErr('x == "a\\"b"'), /invalid syntax|Unterminated/);
});

test('filter - deep nesting is parsed in linear time', () => {
  const depth = 150;
  const expr = `${'('.repeat(depth)}a == 1${')'.repeat(depth)}`;
  const started = Date.now();
  assert.deepEqual(parseExpression(expr), m(['a'], 'Equal', '1'));
  assert.ok(Date.now() - started < 2000);
  assert.match(parseErr(`${'('.repeat(depth)}a == 1`), /Unmatched parentheses/);
});

test('filter - absurd nesting is rejected instead of exhausting the stack', () => {
  assert.match(parseErr(`${'('.repeat(5000)}a == 1${')'.repeat(5000)}`), /nests too deeply/);
  assert.match(parseErr(`${'not '.repeat(5000)}a == 1`), /nests too deeply/);
});
