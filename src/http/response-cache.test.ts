import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseCache, RESPONSE_CACHE_MAX_ENTRIES, cacheKey } from './response-cache.js';

test('response-cache - reuses a body while the index holds, re-renders when it moves', () => {
  const c = new ResponseCache();
  let renders = 0;
  const render = (v: string) => () => {
    renders += 1;
    return v;
  };
  assert.equal(c.get('k', 5, render('a')).toString(), 'a');
  assert.equal(c.get('k', 5, render('ignored')).toString(), 'a');
  assert.equal(renders, 1);
  assert.equal(c.get('k', 6, render('b')).toString(), 'b');
  assert.equal(renders, 2);
  assert.equal(c.size, 1);
});

test('response-cache - bounded by entries, least recently used out', () => {
  const c = new ResponseCache();
  for (let i = 0; i < RESPONSE_CACHE_MAX_ENTRIES + 10; i++) c.get(`k${i}`, 1, () => `v${i}`);
  assert.equal(c.size, RESPONSE_CACHE_MAX_ENTRIES);
  let rendered = false;
  c.get('k0', 1, () => {
    rendered = true;
    return 'v0';
  });
  assert.equal(rendered, true, 'the oldest entry was evicted');
});

test('response-cache - keys ignore index, wait and token but keep everything else, order-independent', () => {
  const a = cacheKey(new URL('http://x/v1/health/service/web?passing&index=9&wait=5s&tag=b&tag=a&token=s'));
  const b = cacheKey(new URL('http://x/v1/health/service/web?tag=a&passing=&tag=b'));
  assert.equal(a, b);
  assert.notEqual(a, cacheKey(new URL('http://x/v1/health/service/web?tag=a')));
  assert.notEqual(a, cacheKey(new URL('http://x/v1/health/service/web?passing&tag=a&tag=b&peer=p')));
});

test('response-cache - a value cannot imitate another parameter', () => {
  assert.notEqual(
    cacheKey(new URL('http://x/v1/catalog/services?stale=%26tag%3Dprod')),
    cacheKey(new URL('http://x/v1/catalog/services?stale&tag=prod')),
  );
});

test('response-cache - lookup tells a reused answer (hit, with its age) from a fresh one', () => {
  const cache = new ResponseCache();
  const first = cache.lookup('k', 5, () => 'a');
  assert.deepEqual([first.hit, first.ageMs, first.body.toString()], [false, 0, 'a']);
  const again = cache.lookup('k', 5, () => 'never');
  assert.equal(again.hit, true);
  assert.ok(again.ageMs >= 0);
  assert.equal(again.body.toString(), 'a');
  assert.equal(cache.lookup('k', 6, () => 'b').hit, false, 'a new index is a miss');
});

test('response-cache - an entry hit now and then is never evicted by the entry cap, however many others come', () => {
  const c = new ResponseCache();
  let hotRenders = 0;
  const hot = (): string => {
    hotRenders += 1;
    return 'hot';
  };
  c.get('hot', 1, hot);
  for (let i = 0; i < RESPONSE_CACHE_MAX_ENTRIES * 4; i++) {
    c.get(`cold-${i}`, 1, () => `v${i}`);
    if (i % 100 === 0) c.get('hot', 1, hot);
  }
  c.get('hot', 1, hot);
  assert.equal(hotRenders, 1, 'the hot entry was reused throughout');
  assert.equal(c.size, RESPONSE_CACHE_MAX_ENTRIES);
});
