import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseHcl, parseHclRaw, parseJsonOrHcl, looksLikeJson, HclSyntaxError } from './index.js';

test('hcl - key = value with strings, numbers and booleans', () => {
  assert.deepEqual(parseHcl('a = "x"\nb = 42\nc = true\nd = false\ne = 1.5'), {
    a: 'x',
    b: 42,
    c: true,
    d: false,
    e: 1.5,
  });
});

test('hcl - empty and comment-only input is an empty object', () => {
  assert.deepEqual(parseHcl(''), {});
  assert.deepEqual(parseHcl('  \n\t\n'), {});
  assert.deepEqual(parseHcl('# only\n// comments\n/* here */'), {});
});

test('hcl - all three comment styles, anywhere between tokens', () => {
  const text = [
    '# hash comment',
    'a = 1 # trailing',
    '// slash comment',
    'b /* inline */ = /* before value */ 2 // trailing',
    '/* multi',
    '   line = "not a key" */',
    'c = [1, /* in list */ 2] # end',
  ].join('\n');
  assert.deepEqual(parseHcl(text), { a: 1, b: 2, c: [1, 2] });
});

test('hcl - comment markers inside strings are text', () => {
  assert.deepEqual(parseHcl('a = "# not // a /* comment */"'), { a: '# not // a /* comment */' });
});

test('hcl - quoted keys, and identifiers with dashes and dots', () => {
  assert.deepEqual(parseHcl('"quoted key" = 1\nnode-name = "n"\na.b = 2\n"x\\ty" = 3'), {
    'quoted key': 1,
    'node-name': 'n',
    'a.b': 2,
    'x\ty': 3,
  });
});

test('hcl - string escapes follow Go (hcl/strconv.Unquote)', () => {
  const parsed = parseHcl(String.raw`a = "\a\b\f\n\r\t\v\\\" \u00e9 \U0001F600 \x41 \101 \xc3\xa9"`);
  assert.equal(parsed['a'], '\x07\b\f\n\r\t\v\\" é 😀 A A é');
});

test('hcl - surrogate escapes become U+FFFD and invalid UTF-8 bytes decode to U+FFFD', () => {
  assert.equal(parseHcl(String.raw`a = "\ud800"`)['a'], '\ufffd');
  assert.equal(parseHcl(String.raw`a = "\xff"`)['a'], '\ufffd');
});

test('hcl - ${...} interpolations are kept literally, quotes and braces inside included', () => {
  const text = [
    'a = "${file("foo")}"',
    'b = "echo ${var.region}${element(split(",",var.zones),0)}"',
    'c = "${HH\\\\:mm\\\\:ss}"',
    'd = "$ {not} $x"',
    'e = "${a({b})} tail \\n"',
  ].join('\n');
  assert.deepEqual(parseHcl(text), {
    a: '${file("foo")}',
    b: 'echo ${var.region}${element(split(",",var.zones),0)}',
    c: '${HH\\\\:mm\\\\:ss}',
    d: '$ {not} $x',
    e: '${a({b})} tail \n',
  });
});

test('hcl - unicode in strings, keys and identifiers', () => {
  assert.deepEqual(parseHcl('名前 = "値 ✓"\n"ключ" = "😀"'), { 名前: '値 ✓', ключ: '😀' });
});

test('hcl - integers: decimal, negative, hex and Go-style octal', () => {
  assert.deepEqual(parseHcl('a = 8500\nb = -1\nc = 0x1F\nd = -0xff\ne = 0755\nf = 0\ng = -0\nh = 007'), {
    a: 8500,
    b: -1,
    c: 31,
    d: -255,
    e: 493,
    f: 0,
    g: 0,
    h: 7,
  });
  assert.ok(Object.is(parseHcl('a = -0')['a'], 0));
});

test('hcl - floats: fraction, exponent, leading dot, trailing dot', () => {
  assert.deepEqual(
    parseHcl('a = 1.5\nb = -2.25\nc = 1e3\nd = 2E-2\ne = 1.5e+2\nf = .5\ng = 1.\nh = 0.1\ni = 09.5'),
    {
      a: 1.5,
      b: -2.25,
      c: 1000,
      d: 0.02,
      e: 150,
      f: 0.5,
      g: 1,
      h: 0.1,
      i: 9.5,
    },
  );
});

test('hcl - largest safe integers are accepted', () => {
  assert.deepEqual(parseHcl(`a = ${Number.MAX_SAFE_INTEGER}\nb = -${Number.MAX_SAFE_INTEGER}`), {
    a: Number.MAX_SAFE_INTEGER,
    b: -Number.MAX_SAFE_INTEGER,
  });
});

test('hcl - lists: mixed literals, trailing comma, newlines, nesting, empty', () => {
  const text = `a = ["x", 1, true, 2.5,]
b = [
  "one",   # comment
  "two",
]
c = []
d = [[1, 2], [], ["x"]]
e = [<<EOF
doc
EOF
, "after"]`;
  assert.deepEqual(parseHcl(text), {
    a: ['x', 1, true, 2.5],
    b: ['one', 'two'],
    c: [],
    d: [[1, 2], [], ['x']],
    e: ['doc\n', 'after'],
  });
});

test('hcl - objects inside lists are plain objects; their blocks are shaped too', () => {
  const parsed = parseHcl('a = [{ x = 1 }, { y = { z = 2 } }, {}]');
  assert.deepEqual(parsed, { a: [{ x: 1 }, { y: { z: 2 } }, {}] });
});

test('hcl - `key { }` and `key = { }` are equivalent', () => {
  const a = parseHcl('ports { http = 8500 }');
  const b = parseHcl('ports = { http = 8500 }');
  assert.deepEqual(a, { ports: { http: 8500 } });
  assert.deepEqual(b, a);
  assert.deepEqual(parseHclRaw('ports = { http = 8500 }'), parseHclRaw('ports { http = 8500 }'));
});

test('hcl - object items may be separated by commas, newlines or nothing', () => {
  const expected = { o: { a: 1, b: 2, c: 3 } };
  assert.deepEqual(parseHcl('o { a = 1, b = 2, c = 3 }'), expected);
  assert.deepEqual(parseHcl('o { a = 1 b = 2 c = 3 }'), expected);
  assert.deepEqual(parseHcl('o {\n a = 1\n b = 2,\n c = 3,\n}'), expected);
  assert.deepEqual(parseHcl('a = 1, b = 2,'), { a: 1, b: 2 });
});

test('hcl - nested blocks', () => {
  assert.deepEqual(parseHcl('acl { tokens { agent = "t" } enabled = true }\nempty {}'), {
    acl: { tokens: { agent: 't' }, enabled: true },
    empty: {},
  });
});

test('hcl - repeated blocks become an array, a single block an object', () => {
  assert.deepEqual(
    parseHcl('service { name = "a" }\nservice { name = "b" }\nother { name = "c" }', { listKeys: new Set() }),
    {
      service: [{ name: 'a' }, { name: 'b' }],
      other: { name: 'c' },
    },
  );
});

test('hcl - raw mode reproduces hcl.Decode: every block is a list of objects', () => {
  const text =
    'service { name = "a" }\nservice { name = "b" }\nports { http = 1 }\nx = 1\nl = [{ a = { b = 1 } }]';
  assert.deepEqual(parseHclRaw(text), {
    service: [{ name: 'a' }, { name: 'b' }],
    ports: [{ http: 1 }],
    x: 1,
    l: [{ a: [{ b: 1 }] }],
  });
});

test('hcl - labelled blocks nest by label (raw HCL1 shape and shaped)', () => {
  const text = 'a "b" "c" { x = 1 }';
  assert.deepEqual(parseHclRaw(text), { a: [{ b: [{ c: [{ x: 1 }] }] }] });
  assert.deepEqual(parseHcl(text), { a: { b: { c: { x: 1 } } } });
});

test('hcl - blocks with one key and different labels merge into one object keyed by label', () => {
  const text = 'service "web" { port = 80 }\nservice "db" { port = 5432 }\nservice "web" { port = 81 }';
  assert.deepEqual(parseHclRaw(text), {
    service: [{ web: [{ port: 80 }] }, { db: [{ port: 5432 }] }, { web: [{ port: 81 }] }],
  });
  assert.deepEqual(parseHcl(text, { listKeys: new Set() }), {
    service: { web: [{ port: 80 }, { port: 81 }], db: { port: 5432 } },
  });
});

test('hcl - labelled and unlabelled blocks under one key stay an array', () => {
  assert.deepEqual(parseHcl('k { a = 1 }\nk "l" { b = 2 }', { listKeys: new Set() }), {
    k: [{ a: 1 }, { l: { b: 2 } }],
  });
});

test('hcl - repeated scalar keys keep the last value; repeated lists concatenate', () => {
  assert.deepEqual(parseHcl('a = 1\na = "two"\nb = ["x"]\nb = ["y", "z"]\nc = [1]\nc { d = 1 }'), {
    a: 'two',
    b: ['x', 'y', 'z'],
    c: [1, { d: 1 }],
  });
});

test('hcl - listKeys keep single blocks as arrays, matched on dotted paths ignoring case and underscores', () => {
  const text =
    'svc { checks { id = "a" } }\nSvc2 { Sidecar_Service { checks { id = "b" } } }\nplain { checks { id = "c" } }';
  const listKeys = new Set(['svc.checks', 'svc2.sidecarservice.CHECKS', 'svc']);
  assert.deepEqual(parseHcl(text, { listKeys }), {
    svc: [{ checks: [{ id: 'a' }] }],
    Svc2: { Sidecar_Service: { checks: [{ id: 'b' }] } },
    plain: { checks: { id: 'c' } },
  });
});

test('hcl - listKeys paths include labels and ignore list indices', () => {
  const text = 'service "web" { checks { id = "a" } }\nitems = [{ checks { id = "b" } }]';
  const listKeys = new Set(['service.web.checks', 'items.checks']);
  assert.deepEqual(parseHcl(text, { listKeys }), {
    service: { web: { checks: [{ id: 'a' }] } },
    items: [{ checks: [{ id: 'b' }] }],
  });
});

test('hcl - listKeys do not wrap scalars or explicit lists', () => {
  const listKeys = new Set(['a', 'b']);
  assert.deepEqual(parseHcl('a = "x"\nb = [1]', { listKeys }), { a: 'x', b: [1] });
});

test('hcl - heredoc keeps lines verbatim with a trailing newline', () => {
  const text = 'a = <<EOF\nline 1\n  indented "quotes" ${x} \\n\n\nEOF\nb = 1';
  assert.deepEqual(parseHcl(text), { a: 'line 1\n  indented "quotes" ${x} \\n\n\n', b: 1 });
});

test('hcl - empty heredoc is an empty string', () => {
  assert.deepEqual(parseHcl('a = <<EOF\nEOF\n'), { a: '' });
});

test('hcl - heredoc closing anchor may be indented and may end the file', () => {
  assert.deepEqual(parseHcl('x { a = <<EOT\n  body\n  EOT\n}'), { x: { a: '  body\n' } });
  assert.deepEqual(parseHcl('a = <<EOT\nbody\nEOT'), { a: 'body\n' });
});

test('hcl - heredoc anchor only matches a whole line', () => {
  assert.deepEqual(parseHcl('a = <<EOF\nEOFX\n EOF x\nEOF\n'), { a: 'EOFX\n EOF x\n' });
});

test('hcl - <<- heredoc removes the closing line indentation', () => {
  const text = 'a = <<-EOF\n    hello\n      world\n    EOF\n';
  assert.deepEqual(parseHcl(text), { a: 'hello\n  world\n' });
});

test('hcl - <<- heredoc is left as is when a line is less indented than the anchor (as HCL1)', () => {
  assert.deepEqual(parseHcl('a = <<-EOF\n    one\n  two\n    EOF\n'), { a: '    one\n  two\n' });
  // A blank line is "less indented" too, which disables unindenting in HCL1.
  assert.deepEqual(parseHcl('a = <<-EOF\n  one\n\n  two\n  EOF\n'), { a: '  one\n\n  two\n' });
});

test('hcl - heredoc with CRLF line endings', () => {
  assert.deepEqual(parseHcl('a = <<EOF\r\nx\r\ny\r\nEOF\r\nb = 2\r\n'), { a: 'x\ny\n', b: 2 });
});

test('hcl - CRLF line endings and a BOM are accepted', () => {
  assert.deepEqual(parseHcl('\uFEFFa = 1\r\nb {\r\n  c = "d"\r\n}\r\n'), { a: 1, b: { c: 'd' } });
});

test('hcl - keys like __proto__ are plain own properties', () => {
  const parsed = parseHcl('__proto__ = { polluted = true }\nconstructor = 1');
  assert.ok(Object.hasOwn(parsed, '__proto__'));
  assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, { polluted: true });
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
});

test('hcl - output is JSON-compatible and round-trips through JSON', () => {
  const parsed = parseHcl('a { b = [1, "x", { c = true }] }\nd = <<EOF\ne\nEOF\n');
  assert.deepEqual(JSON.parse(JSON.stringify(parsed)), parsed);
});

test('hcl - looksLikeJson uses the .json extension or a leading {', () => {
  assert.equal(looksLikeJson('a = 1', 'agent.json'), true);
  assert.equal(looksLikeJson('a = 1', 'AGENT.JSON'), true);
  assert.equal(looksLikeJson('  \n {"a": 1}'), true);
  assert.equal(looksLikeJson('\uFEFF{"a": 1}', 'x.hcl'), true);
  assert.equal(looksLikeJson('a = 1', 'agent.hcl'), false);
  assert.equal(looksLikeJson('# {\na = 1'), false);
});

test('hcl - parseJsonOrHcl reads JSON as JSON.parse does, nulls included', () => {
  const json = '{"service": {"name": "web", "checks": [{"id": "a"}], "meta": null}}';
  assert.deepEqual(parseJsonOrHcl(json), { service: { name: 'web', checks: [{ id: 'a' }], meta: null } });
  assert.deepEqual(parseJsonOrHcl(json, 'web.json'), parseJsonOrHcl(json, 'web.hcl'));
});

test('hcl - parseJsonOrHcl reads HCL as parseHcl does, with listKeys', () => {
  const text = 'service { name = "web" check { id = "a" } }';
  assert.deepEqual(parseJsonOrHcl(text, 'web.hcl'), { service: { name: 'web', check: { id: 'a' } } });
  assert.deepEqual(parseJsonOrHcl(text, 'web.hcl', { listKeys: new Set(['service']) }), {
    service: [{ name: 'web', check: { id: 'a' } }],
  });
});

test('hcl - parseJsonOrHcl gives JSON and HCL twins the same value', () => {
  const hcl = `
service {
  name = "web"
  port = 80
  tags = ["v1"]
  checks = [{ id = "a", interval = "10s" }]
  meta { version = "1" }
}`;
  const json = JSON.stringify({
    service: {
      name: 'web',
      port: 80,
      tags: ['v1'],
      checks: [{ id: 'a', interval: '10s' }],
      meta: { version: '1' },
    },
  });
  assert.deepEqual(parseJsonOrHcl(hcl, 'web.hcl'), parseJsonOrHcl(json, 'web.json'));
});

test('hcl - errors are HclSyntaxError instances with a name', () => {
  assert.throws(() => parseHcl('a = '), HclSyntaxError);
  assert.throws(() => parseHcl('a = '), Error);
  assert.throws(() => parseHcl('a = '), { name: 'HclSyntaxError' });
});
