import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsConfigError, parseDnsSettings, serviceTtl } from './dns-config.js';

test('dns - dns_config defaults are Consul defaults', () => {
  const s = parseDnsSettings({});
  assert.equal(s.allowStale, true);
  assert.equal(s.udpAnswerLimit, 3);
  assert.equal(s.aRecordLimit, 0);
  assert.equal(s.enableTruncate, false);
  assert.equal(s.onlyPassing, false);
  assert.equal(s.nodeTtl, 0);
  assert.equal(s.recursorStrategy, 'sequential');
  assert.equal(s.recursorTimeoutMs, 2000);
  assert.equal(s.nodeMetaTxt, true);
  assert.deepEqual(s.soa, { refresh: 3600, retry: 600, expire: 86400, minTtl: 0 });
});

test('dns - service_ttl: exact names win, then the longest * prefix', () => {
  const s = parseDnsSettings({
    service_ttl: { '*': '5s', 'db*': '10s', 'db-master': '3s', 'db-m*': '1m' },
    node_ttl: '30s',
  });
  assert.equal(s.nodeTtl, 30);
  assert.equal(serviceTtl(s.serviceTtls, 'db-master'), 3);
  assert.equal(serviceTtl(s.serviceTtls, 'db-mirror'), 60);
  assert.equal(serviceTtl(s.serviceTtls, 'db-replica'), 10);
  assert.equal(serviceTtl(s.serviceTtls, 'web'), 5);
  assert.equal(serviceTtl(parseDnsSettings({}).serviceTtls, 'web'), 0);
});

test('dns - bad dns_config values are rejected with the key named', () => {
  assert.throws(
    () => parseDnsSettings({ node_ttl: 'soon' }),
    (e: unknown) => e instanceof DnsConfigError && /node_ttl/.test(e.message),
  );
  assert.throws(() => parseDnsSettings({ recursor_strategy: 'fastest' }), /recursor_strategy/);
  assert.throws(() => parseDnsSettings({ udp_answer_limit: -1 }), /udp_answer_limit/);
  assert.throws(() => parseDnsSettings({ only_passing: 'yes' }), /only_passing/);
  assert.throws(() => parseDnsSettings({ service_ttl: '5s' }), /service_ttl/);
});
