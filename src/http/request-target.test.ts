import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestTarget } from './request-target.js';

function assertSameAsUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw, 'http://localhost');
  } catch (err) {
    assert.throws(() => RequestTarget.parse(raw), (err as Error).constructor as new () => Error);
    return;
  }
  const t = RequestTarget.parse(raw);
  assert.equal(t.pathname, url.pathname, `pathname of ${JSON.stringify(raw)}`);
  assert.equal(t.search, url.search, `search of ${JSON.stringify(raw)}`);
  assert.deepEqual([...t.searchParams], [...url.searchParams], `parameters of ${JSON.stringify(raw)}`);
  assert.equal(t.url.href, url.href, `href of ${JSON.stringify(raw)}`);
}

test('request-target - path, query and parameters are what new URL gives, for plain and tricky targets', () => {
  const targets = [
    '/',
    '/v1/health/service/web',
    '/v1/health/service/web?',
    '/v1/health/service/web?passing&tag=a&tag=b&index=9&wait=5s',
    '/v1/kv/a/b/c?recurse=&keys&separator=/',
    '/v1/kv/a%2Fb?raw',
    '/v1/kv/%2e%2e/x',
    '/v1/kv/./x',
    '/v1/kv/../x',
    '/v1/kv/a/..',
    '/v1/kv/a/.',
    '/v1/kv/.hidden/..x/x..',
    '/v1/kv/a\\b',
    '//evil.example/v1/agent/self',
    'http://other.example/v1/agent/self?x=1',
    '/v1/catalog/services?filter=Service%20%3D%3D%20%22web%22',
    '/v1/catalog/services?filter=Service == "web"',
    "/v1/catalog/services?q='x'",
    '/v1/catalog/services?a=<b>',
    '/v1/catalog/services?a=1#frag',
    '/v1/catalog/services#frag',
    '/v1/kv/caf\u00e9?x=\u00e9',
    '/v1/kv/a b',
    '/v1/kv/a^b|c`d{e}',
    '/v1/kv/a+b?x=a+b&y=%2B',
    '/v1/kv/@:;=,$!*()~',
    '/v1/kv/?&&=&a==b',
  ];
  for (const raw of targets) assertSameAsUrl(raw);
});

test('request-target - random targets over an alphabet of special characters agree with new URL', () => {
  const alphabet = Array.from('/./..?&=#%2e%2Fab\\ "\'<>^|`{}+@:;~\u00e9\u0001');
  // A fixed linear congruential sequence: the same targets on every run, so a failure reproduces.
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 5000; i++) {
    let raw = '/';
    const len = next(16);
    for (let j = 0; j < len; j++) raw += alphabet[next(alphabet.length)] ?? '';
    assertSameAsUrl(raw);
  }
});

test('request-target - a target without a query answers every parameter lookup as absent', () => {
  const t = RequestTarget.parse('/v1/health/service/web');
  assert.equal(t.get('index'), undefined);
  assert.deepEqual(t.getAll('tag'), []);
  assert.equal(t.has('pretty'), false);
  const q = RequestTarget.parse('/v1/health/service/web?pretty&tag=a&tag=b&dc=');
  assert.equal(q.has('pretty'), true);
  assert.equal(q.get('pretty'), '');
  assert.equal(q.get('dc'), '');
  assert.deepEqual(q.getAll('tag'), ['a', 'b']);
  assert.equal(q.get('index'), undefined);
});
