import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HclSyntaxError, MAX_HCL_NESTING_DEPTH, parseHcl, parseJsonOrHcl } from './index.js';

interface ErrorCase {
  readonly name: string;
  readonly input: string;
  readonly line: number;
  readonly column: number;
  readonly problem: RegExp;
  readonly filename?: string;
  /** Parse with `parseHcl` rather than `parseJsonOrHcl` (which reads text starting with `{` as JSON). */
  readonly hclOnly?: boolean;
}

/** Asserts that parsing `input` throws an HclSyntaxError at line:column whose problem matches. */
function assertSyntaxError(c: ErrorCase): void {
  assert.throws(
    () =>
      c.hclOnly === true
        ? parseHcl(c.input, c.filename === undefined ? {} : { filename: c.filename })
        : parseJsonOrHcl(c.input, c.filename),
    (err: unknown) => {
      assert.ok(err instanceof HclSyntaxError, `${c.name}: not an HclSyntaxError: ${String(err)}`);
      assert.match(err.problem, c.problem, c.name);
      assert.deepEqual(
        { line: err.line, column: err.column },
        { line: c.line, column: c.column },
        `${c.name}: ${err.message}`,
      );
      const file = c.filename ?? '<input>';
      assert.equal(err.filename, file);
      assert.equal(err.message, `${file}:${c.line}:${c.column}: ${err.problem}`);
      return true;
    },
  );
}

const LEXER_CASES: readonly ErrorCase[] = [
  { name: 'stray minus', input: 'a = -x', line: 1, column: 5, problem: /^unexpected character '-'$/ },
  { name: 'stray period', input: 'a = .x', line: 1, column: 5, problem: /^unexpected character '\.'$/ },
  {
    name: 'illegal character',
    input: 'a = 1\nb = @',
    line: 2,
    column: 5,
    problem: /^unexpected character '@'$/,
  },
  {
    name: 'control character',
    input: 'a = \u0001',
    line: 1,
    column: 5,
    problem: /unexpected character U\+0001/,
  },
  { name: 'null character', input: 'a = 1\0', line: 1, column: 6, problem: /null character/ },
  { name: 'plus sign', input: 'a = +1', line: 1, column: 5, problem: /unexpected character '\+'/ },
  {
    name: 'unterminated block comment',
    input: 'a = 1\n  /* open',
    line: 2,
    column: 3,
    problem: /unterminated block comment/,
  },
  { name: 'single slash', input: 'a = 1 / 2', line: 1, column: 7, problem: /unexpected character '\/'/ },
  { name: 'hex without digits', input: 'a = 0x', line: 1, column: 5, problem: /invalid hexadecimal number/ },
  {
    name: 'exponent without digits',
    input: 'a = 1e+',
    line: 1,
    column: 5,
    problem: /exponent has no digits/,
  },
  { name: 'float out of range', input: 'a = 1e400', line: 1, column: 5, problem: /number out of range/ },
  { name: 'invalid octal', input: 'a = 0789', line: 1, column: 5, problem: /invalid octal number: 0789/ },
  {
    name: 'integer too large',
    input: 'a = 9007199254740992',
    line: 1,
    column: 5,
    problem: /integer out of range/,
  },
  {
    name: 'negative integer too large',
    input: 'a = -0x20000000000000',
    line: 1,
    column: 5,
    problem: /integer out of range/,
  },
  {
    name: 'unterminated string at EOF',
    input: 'a = "abc',
    line: 1,
    column: 5,
    problem: /unterminated string: missing closing/,
  },
  {
    name: 'newline in string',
    input: 'a = "abc\nb = 1',
    line: 1,
    column: 5,
    problem: /unterminated string: newline/,
  },
  {
    name: 'newline in interpolation',
    input: 'a = "${x\n}"',
    line: 1,
    column: 9,
    problem: /newline inside "\$\{...\}"/,
  },
  {
    name: 'unterminated interpolation',
    input: 'a = "${abc',
    line: 1,
    column: 5,
    problem: /unterminated string/,
  },
  {
    name: 'unknown escape',
    input: 'a = "x\\q"',
    line: 1,
    column: 7,
    problem: /invalid escape sequence "\\q"/,
  },
  {
    name: 'escaped single quote',
    input: 'a = "\\\'"',
    line: 1,
    column: 6,
    problem: /invalid escape sequence "\\'"/,
  },
  { name: 'short hex escape', input: 'a = "\\x4"', line: 1, column: 6, problem: /expected 2 hex digits/ },
  {
    name: 'bad unicode escape',
    input: 'a = "\\u12G4"',
    line: 1,
    column: 6,
    problem: /expected 4 hex digits/,
  },
  {
    name: 'escape beyond Unicode',
    input: 'a = "\\U00110000"',
    line: 1,
    column: 6,
    problem: /beyond Unicode/,
  },
  { name: 'short octal escape', input: 'a = "\\12"', line: 1, column: 6, problem: /expected 2 octal digits/ },
  { name: 'octal escape above 377', input: 'a = "\\400"', line: 1, column: 6, problem: /above \\377/ },
  {
    name: 'backslash at end of line',
    input: 'a = "abc\\\n"',
    line: 1,
    column: 9,
    problem: /backslash at end of line/,
  },
  { name: 'backslash at EOF', input: 'a = "abc\\', line: 1, column: 9, problem: /backslash at end of line/ },
  { name: 'single <', input: 'a = <EOF\nx\nEOF', line: 1, column: 5, problem: /heredocs start with '<<'/ },
  {
    name: 'heredoc without body',
    input: 'a = <<EOF',
    line: 1,
    column: 5,
    problem: /unterminated heredoc: no body/,
  },
  {
    name: 'heredoc anchor junk',
    input: 'a = <<EOF x\nx\nEOF',
    line: 1,
    column: 10,
    problem: /invalid characters in heredoc anchor/,
  },
  {
    name: 'heredoc empty anchor',
    input: 'a = <<\nx\n',
    line: 1,
    column: 5,
    problem: /zero-length heredoc anchor/,
  },
  {
    name: 'heredoc without end',
    input: 'x = 1\na = <<-EOT\n  body\n',
    line: 2,
    column: 5,
    problem: /unterminated heredoc: missing closing line "EOT"/,
  },
];

const PARSER_CASES: readonly ErrorCase[] = [
  {
    name: 'unclosed block',
    input: 'a {\n  b = 1\n',
    line: 3,
    column: 1,
    problem: /expected '\}' to close the '\{' at 1:3/,
  },
  {
    name: 'unclosed nested block',
    input: 'a { b { c = 1 }',
    line: 1,
    column: 16,
    problem: /expected '\}' to close the '\{' at 1:3/,
  },
  {
    name: 'stray closing brace',
    input: 'a = 1\n}',
    line: 2,
    column: 1,
    problem: /unexpected '\}', expected a key/,
  },
  {
    name: 'assignment without key',
    input: '= 1',
    line: 1,
    column: 1,
    problem: /unexpected '=', expected a key/,
  },
  {
    name: 'value as key',
    input: '1 = 2',
    line: 1,
    column: 1,
    problem: /unexpected number 1, expected a key/,
  },
  {
    name: 'bool as key',
    input: 'true = 2',
    line: 1,
    column: 1,
    problem: /unexpected boolean true, expected a key/,
  },
  {
    name: 'labels with assignment',
    input: 'a "b" = 1',
    line: 1,
    column: 7,
    problem: /labelled block "a b" must be followed by '\{', not '='/,
  },
  {
    name: 'key without = or {',
    input: 'a 1',
    line: 1,
    column: 3,
    problem: /unexpected number 1, expected '=' or '\{' after key "a"/,
  },
  {
    name: 'key at EOF',
    input: 'a',
    line: 1,
    column: 2,
    problem: /unexpected end of file, expected '=' or '\{'/,
  },
  {
    name: 'missing value at EOF',
    input: 'a =',
    line: 1,
    column: 4,
    problem: /unexpected end of file, expected a value/,
  },
  {
    name: 'missing value before brace',
    input: 'a { b = }',
    line: 1,
    column: 9,
    problem: /unexpected '\}', expected a value/,
  },
  {
    name: 'bare word value',
    input: 'enabled = yes',
    line: 1,
    column: 11,
    problem: /identifier "yes": values must be quoted/,
  },
  { name: 'comma as value', input: 'a = ,', line: 1, column: 5, problem: /unexpected ',', expected a value/ },
  {
    name: 'unclosed list',
    input: 'a = [1,\n2',
    line: 2,
    column: 2,
    problem: /expected '\]' to close the '\[' at 1:5/,
  },
  {
    name: 'list without commas',
    input: 'a = [1 2]',
    line: 1,
    column: 8,
    problem: /unexpected number 2, expected ',' or '\]' in list/,
  },
  {
    name: 'list leading comma',
    input: 'a = [, 1]',
    line: 1,
    column: 6,
    problem: /unexpected ',', expected a value/,
  },
  {
    name: 'list double comma',
    input: 'a = [1,, 2]',
    line: 1,
    column: 8,
    problem: /unexpected ',', expected a value/,
  },
  { name: 'key = value inside list', input: 'a = [b = 1]', line: 1, column: 6, problem: /identifier "b"/ },
  {
    name: 'brace at top level',
    input: '{ a = 1 }',
    line: 1,
    column: 1,
    problem: /unexpected '\{', expected a key/,
    filename: 'x.hcl',
    hclOnly: true,
  },
  {
    name: 'conflicting definitions',
    input: 'a = 1\na { b = 2 }',
    line: 2,
    column: 1,
    problem: /conflicting definitions of "a": cannot combine a number with a block or list/,
  },
  {
    name: 'conflicting definitions, list then scalar',
    input: 'a = [1]\na = "x"',
    line: 2,
    column: 1,
    problem: /cannot combine a block or list with a string/,
  },
];

const JSON_CASES: readonly ErrorCase[] = [
  { name: 'truncated JSON object', input: '{"a": ', line: 1, column: 7, problem: /^invalid JSON: / },
  {
    name: 'JSON syntax error',
    input: '{\n  "a": 1,\n  "b" 2\n}',
    line: 3,
    column: 7,
    problem: /^invalid JSON: /,
  },
  {
    name: 'JSON array at top level',
    input: '[1, 2]',
    line: 1,
    column: 1,
    problem: /top-level value must be an object/,
    filename: 'a.json',
  },
  { name: 'JSON unexpected token', input: '{"a": tru}', line: 1, column: 7, problem: /^invalid JSON: / },
  { name: 'JSON trailing comma', input: '{"a": [1,]}', line: 1, column: 10, problem: /^invalid JSON: / },
  { name: 'JSON trailing junk', input: '{"a": 1}\n}', line: 2, column: 1, problem: /^invalid JSON: / },
  { name: 'JSON bad escape', input: '{"a": "\\q"}', line: 1, column: 8, problem: /^invalid JSON: / },
  { name: 'JSON control character', input: '{"a": "\t"}', line: 1, column: 8, problem: /^invalid JSON: / },
  {
    name: 'JSON deep nesting',
    input: '{"a": ' + '['.repeat(5000),
    line: 1,
    column: 5007,
    problem: /^invalid JSON: /,
  },
  {
    name: 'JSON null at top level',
    input: '\n  null',
    line: 2,
    column: 3,
    problem: /top-level value must be an object/,
    filename: 'a.json',
  },
  {
    name: 'HCL in a .json file',
    input: 'a = 1',
    line: 1,
    column: 1,
    problem: /^invalid JSON: /,
    filename: 'agent.json',
  },
];

for (const c of [...LEXER_CASES, ...PARSER_CASES, ...JSON_CASES]) {
  test(`hcl - error: ${c.name}`, () => {
    assertSyntaxError(c);
  });
}

test('hcl - error: messages carry the file name given', () => {
  assert.throws(() => parseHcl('a = ', { filename: '/etc/consul.d/agent.hcl' }), {
    name: 'HclSyntaxError',
    message: '/etc/consul.d/agent.hcl:1:5: unexpected end of file, expected a value',
  });
});

test('hcl - error: columns count code points, not UTF-16 units', () => {
  // a=1 ' '=2 '='=3 ' '=4 '"'=5 😀=6 😀=7 '"'=8 ' '=9 '@'=10
  assert.throws(() => parseHcl('a = "😀😀" @'), { line: 1, column: 10 });
});

test('hcl - error: nesting beyond the limit is a syntax error, not a stack overflow', () => {
  const deepLists = `a = ${'['.repeat(MAX_HCL_NESTING_DEPTH + 1)}`;
  assert.throws(() => parseHcl(deepLists), /nesting deeper than/);
  const deepBlocks = 'a { '.repeat(MAX_HCL_NESTING_DEPTH + 1);
  assert.throws(() => parseHcl(deepBlocks), /nesting deeper than/);
  const manyLabels = `a ${'"l" '.repeat(MAX_HCL_NESTING_DEPTH + 1)}{}`;
  assert.throws(() => parseHcl(manyLabels), /nesting deeper than/);
  const huge = `a = ${'['.repeat(100_000)}`;
  assert.throws(() => parseHcl(huge), HclSyntaxError);
});

test('hcl - error: nesting up to the limit is accepted', () => {
  const depth = MAX_HCL_NESTING_DEPTH;
  const text = `a = ${'['.repeat(depth)}${']'.repeat(depth)}`;
  let expected: unknown = [];
  for (let i = 1; i < depth; i++) expected = [expected];
  assert.deepEqual(parseHcl(text), { a: expected });
});
