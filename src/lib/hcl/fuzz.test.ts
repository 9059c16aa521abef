import assert from 'node:assert/strict';
import { test } from 'node:test';

import { HclSyntaxError, parseHcl, parseHclRaw, parseJsonOrHcl } from './index.js';

/** Deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED_DOCUMENTS = [
  'datacenter = "dc1"\nports { http = 8500 grpc_tls = 8503 }\nacl { tokens { agent = "x" } }\n',
  'service "web" { port = 80 checks = [{ id = "a", ttl = "10s" }] }\n',
  'Kind = "service-intentions"\nSources { Name = "web" Action = "allow" }\n',
  'a = <<-EOF\n  body ${x}\n  EOF\nb = [1, 2.5, -3, 0x1f, 0755, true,]\n',
  '/* c */ a = "\\u00e9\\t\\x41" # c\n// c\nb = { "k" = { l = [] } }\n',
  '{"a": {"b": [1, null, "x"]}}',
];

/** Token-ish fragments, weighted towards the syntax that trips parsers up. */
const FRAGMENTS = [
  'a',
  'b_c',
  'node-name',
  'x.y',
  '"s"',
  '"\\n"',
  '"${x}"',
  '"${',
  '"',
  '\\',
  '=',
  '{',
  '}',
  '[',
  ']',
  ',',
  ' ',
  '\n',
  '\t',
  '\r\n',
  '#',
  '//',
  '/*',
  '*/',
  '/',
  '<<EOF\n',
  '<<-EOF\n',
  'EOF',
  '\nEOF\n',
  '<<',
  '<',
  '-',
  '.',
  '+',
  '0',
  '1',
  '-1',
  '0x',
  '0x1F',
  '07',
  '09',
  '1e',
  '1.5',
  '.5',
  'true',
  'false',
  '$',
  '@',
  '\0',
  '😀',
  'é',
  '\uFEFF',
  '\\u',
  '\\x',
  '\\U0010FFFF',
  'null',
  ':',
  '"a" "b" {',
  '= [',
  '= {',
];

function checkOnlySyntaxErrors(input: string, label: string): void {
  for (const run of [
    () => parseHcl(input),
    () => parseHclRaw(input),
    () => parseJsonOrHcl(input),
    () => parseJsonOrHcl(input, 'f.json'),
  ]) {
    try {
      const value = run();
      // Whatever parses must be JSON-compatible.
      assert.deepEqual(JSON.parse(JSON.stringify(value)), value, `${label}: not JSON-compatible`);
    } catch (err) {
      if (err instanceof HclSyntaxError) {
        assert.ok(err.line >= 1 && err.column >= 1, `${label}: bad position ${err.message}`);
        continue;
      }
      assert.fail(`${label}: threw ${String(err)} for input ${JSON.stringify(input)}`);
    }
  }
}

test('hcl - fuzz: random token soup only ever throws HclSyntaxError', () => {
  const random = prng(0x5eed);
  const started = Date.now();
  for (let i = 0; i < 3000; i++) {
    const length = 1 + Math.floor(random() * 40);
    let input = '';
    for (let j = 0; j < length; j++) input += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)] ?? '';
    checkOnlySyntaxErrors(input, `soup #${i}`);
  }
  assert.ok(Date.now() - started < 20_000, 'fuzzing took too long: possible super-linear behaviour');
});

test('hcl - fuzz: mutated realistic documents only ever throw HclSyntaxError', () => {
  const random = prng(0xc0ffee);
  for (let i = 0; i < 3000; i++) {
    const seed = SEED_DOCUMENTS[i % SEED_DOCUMENTS.length] ?? '';
    const chars = Array.from(seed);
    const mutations = 1 + Math.floor(random() * 4);
    for (let m = 0; m < mutations; m++) {
      const at = Math.floor(random() * (chars.length + 1));
      const op = random();
      if (op < 0.33) chars.splice(at, 1);
      else if (op < 0.66) chars.splice(at, 0, FRAGMENTS[Math.floor(random() * FRAGMENTS.length)] ?? '');
      else chars.splice(at, 0, String.fromCharCode(Math.floor(random() * 128)));
    }
    checkOnlySyntaxErrors(chars.join(''), `mutant #${i}`);
  }
});

test('hcl - fuzz: random bytes only ever throw HclSyntaxError', () => {
  const random = prng(42);
  for (let i = 0; i < 2000; i++) {
    const length = Math.floor(random() * 64);
    let input = '';
    for (let j = 0; j < length; j++) input += String.fromCharCode(Math.floor(random() * 0x3000));
    checkOnlySyntaxErrors(input, `bytes #${i}`);
  }
});

test('hcl - fuzz: every prefix of a realistic document parses or throws HclSyntaxError', () => {
  const document = SEED_DOCUMENTS.slice(0, 5).join('\n');
  for (let end = 0; end <= document.length; end++)
    checkOnlySyntaxErrors(document.slice(0, end), `prefix ${end}`);
});

test('hcl - fuzz: large inputs parse in linear time', () => {
  const block = 'service {\n  name = "web"\n  tags = ["a", "b"]\n  checks { ttl = "10s" }\n}\n';
  const text = block.repeat(20_000);
  const started = Date.now();
  const parsed = parseHcl(text);
  assert.equal((parsed['service'] as unknown[]).length, 20_000);
  assert.ok(Date.now() - started < 5_000, 'a 1.4 MB document should parse well under 5 s');
});
