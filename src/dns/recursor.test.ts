import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRecursorAddress } from './recursor.js';

test('dns - recursor addresses default to port 53 and accept IPv6 forms', () => {
  assert.deepEqual(parseRecursorAddress('8.8.8.8'), { host: '8.8.8.8', port: 53 });
  assert.deepEqual(parseRecursorAddress('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseRecursorAddress('::1'), { host: '::1', port: 53 });
  assert.deepEqual(parseRecursorAddress('[2001:db8::1]:5300'), { host: '2001:db8::1', port: 5300 });
  assert.deepEqual(parseRecursorAddress('dns.example'), { host: 'dns.example', port: 53 });
  assert.throws(() => parseRecursorAddress(''), /empty/);
  assert.throws(() => parseRecursorAddress('1.2.3.4:99999'), /port/);
  assert.throws(() => parseRecursorAddress('1.2.3.4:x'), /port/);
});
