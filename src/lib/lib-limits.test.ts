import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ClientConnLimit, clientIpKey } from './client-conn-limit.js';
import { LogThrottle } from './log-throttle.js';
import { parseOpenFileLimit } from './open-file-limit.js';

test('lib - ClientConnLimit counts per client IP, refuses past the limit, and frees on release', () => {
  const limit = new ClientConnLimit(2);
  assert.equal(limit.tryAcquire('10.0.0.1'), true);
  assert.equal(limit.tryAcquire('10.0.0.1'), true);
  assert.equal(limit.tryAcquire('10.0.0.1'), false);
  assert.equal(limit.tryAcquire('10.0.0.2'), true, 'another client has its own budget');
  limit.release('10.0.0.1');
  assert.equal(limit.tryAcquire('10.0.0.1'), true);
  limit.release('10.0.0.1');
  limit.release('10.0.0.1');
  limit.release('10.0.0.2');
  assert.equal(limit.clients, 0, 'no entry is kept for a client without connections');
});

test('lib - ClientConnLimit of 0 means no limit, as in Consul', () => {
  const limit = new ClientConnLimit(0);
  for (let i = 0; i < 1000; i++) assert.equal(limit.tryAcquire('a'), true);
  assert.equal(limit.count('a'), 1000);
  assert.throws(() => new ClientConnLimit(-1), RangeError);
});

test('lib - clientIpKey folds IPv4-mapped IPv6 addresses into the IPv4 one', () => {
  assert.equal(clientIpKey('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(clientIpKey('127.0.0.1'), '127.0.0.1');
  assert.equal(clientIpKey('::1'), '::1');
  assert.equal(clientIpKey(undefined), '');
});

test('lib - LogThrottle lets one line through per interval and reports what it suppressed', () => {
  let now = 0;
  const throttle = new LogThrottle(1000, () => now);
  assert.equal(throttle.take(), 0);
  assert.equal(throttle.take(), undefined);
  assert.equal(throttle.take(), undefined);
  now = 999;
  assert.equal(throttle.take(), undefined);
  now = 1000;
  assert.equal(throttle.take(), 3);
  assert.equal(throttle.take(), undefined);
});

test('lib - parseOpenFileLimit reads the soft "Max open files" of /proc/<pid>/limits', () => {
  const text = [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             63432                63432                processes ',
    'Max open files            1024                 524288               files     ',
  ].join('\n');
  assert.equal(parseOpenFileLimit(text), 1024);
  assert.equal(parseOpenFileLimit(text.replace('1024 ', 'unlimited')), undefined);
  assert.equal(parseOpenFileLimit(''), undefined);
});
