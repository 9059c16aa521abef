import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFilter, FilterError, schemas } from './index.js';

/** Small deterministic PRNG (mulberry32) so failures are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  'Service.Tags',
  'Checks.Status',
  'Node.Meta',
  'Node.Meta.env',
  'Service.Port',
  'Service.Weights.Passing',
  'Service.Connect.Native',
  'Service.TaggedAddresses.lan.Port',
  'Nope',
  '==',
  '!=',
  'in',
  'not',
  'and',
  'or',
  'contains',
  'matches',
  'is',
  'empty',
  '(',
  ')',
  '[',
  ']',
  '"',
  '`',
  '\\',
  '.',
  '-',
  '0',
  '1.5',
  '42',
  '"passing"',
  '`^a.*`',
  '"(["',
  '"\\x41"',
  'true',
  ' ',
  '\n',
  '\t',
  'é',
  '😀',
  '"a\\"b"',
  '["k"]',
];

const SAMPLE = {
  Node: { Node: 'n1', Meta: { env: 'prod' }, TaggedAddresses: { lan: '10.0.0.1' } },
  Service: { Tags: ['a'], Port: 80, Weights: { Passing: 1 }, TaggedAddresses: { lan: { Port: 80 } } },
  Checks: [{ Status: 'passing' }, null, 'junk'],
};

function attempt(expression: string): void {
  try {
    const filter = compileFilter(expression, schemas.checkServiceNode);
    for (const item of [SAMPLE, {}, null, 42, [], { Checks: 'x', Node: [] }]) {
      assert.equal(typeof filter.matches(item), 'boolean');
    }
  } catch (err) {
    if (!(err instanceof FilterError)) {
      assert.fail(`non-FilterError for ${JSON.stringify(expression)}: ${String(err)}`);
    }
  }
}

test('filter - random character soup only ever yields FilterError', () => {
  const next = rng(0xc0ffee);
  const alphabet = 'abcNS.[]()"`\\ =!-01 \t\néxyz_';
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(next() * 40);
    let s = '';
    for (let j = 0; j < len; j++) {
      s +=
        next() < 0.05
          ? String.fromCharCode(Math.floor(next() * 0xffff))
          : (alphabet[Math.floor(next() * alphabet.length)] ?? '');
    }
    attempt(s);
  }
});

test('filter - random token sequences only ever yield FilterError', () => {
  const next = rng(42);
  for (let i = 0; i < 4000; i++) {
    const len = 1 + Math.floor(next() * 12);
    const parts: string[] = [];
    for (let j = 0; j < len; j++) parts.push(TOKENS[Math.floor(next() * TOKENS.length)] ?? '');
    attempt(parts.join(next() < 0.7 ? ' ' : ''));
  }
});

test('filter - random regular expressions only ever yield FilterError', () => {
  const next = rng(7);
  const alphabet = 'ab.*+?|()[]{}^$\\-:0123,dwspPQEx?i<>=!';
  for (let i = 0; i < 3000; i++) {
    const len = Math.floor(next() * 16);
    let pattern = '';
    for (let j = 0; j < len; j++) pattern += alphabet[Math.floor(next() * alphabet.length)] ?? '';
    attempt(`Service.Service matches \`${pattern}\``);
  }
});

test('filter - adversarial nesting yields FilterError, never a crash', () => {
  for (const expression of [
    '('.repeat(20_000),
    `${'('.repeat(3000)}Service.Port == 1${')'.repeat(3000)}`,
    `${'not '.repeat(3000)}Service.Port == 1`,
    Array.from({ length: 3000 }, () => 'Service.Port == 1').join(' or '),
    `Service.Service matches \`${'('.repeat(3000)}\``,
  ]) {
    attempt(expression);
  }
});
