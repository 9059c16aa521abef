import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeSni, type SniContext } from './sni-route.js';

const TD = '11111111-2222-3333-4444-555555555555.consul';
const PEER_TD = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.consul';
const ctx: SniContext = { trustDomain: TD, datacenter: 'dcb', peerByTrustDomain: new Map([[PEER_TD, 'b']]) };

test('gateway sni-route - peered, local and outgoing forms route; everything else is unroutable with a reason', () => {
  assert.deepEqual(routeSni(`web.default.default.a.external.${TD}`, ctx), {
    kind: 'exported',
    service: 'web',
    peer: 'a',
  });
  assert.deepEqual(routeSni(`WEB.default.default.A.external.${TD.toUpperCase()}`, ctx), {
    kind: 'exported',
    service: 'web',
    peer: 'a',
  });
  assert.deepEqual(routeSni(`web.default.dcb.internal.${TD}`, ctx), { kind: 'local', service: 'web' });
  assert.deepEqual(routeSni(`api.default.default.dca.external.${PEER_TD}`, ctx), {
    kind: 'to-peer',
    service: 'api',
    peer: 'b',
  });
  const unroutable = (sni: string | undefined, reason: string): void =>
    assert.deepEqual(routeSni(sni, ctx), { kind: 'unroutable', reason }, String(sni));
  unroutable(undefined, 'unknown-sni');
  unroutable('example.com', 'unknown-sni');
  unroutable(`api.default.default.dca.external.other.consul`, 'unknown-sni');
  unroutable(`web.default.dc9.internal.${TD}`, 'unsupported-sni'); // another datacenter
  unroutable(`v1.web.default.dcb.internal.${TD}`, 'unsupported-sni'); // a subset
  unroutable(`web.ns1.default.a.external.${TD}`, 'unsupported-sni');
  unroutable(`web.default.part1.dcb.internal-v1.${TD}`, 'unsupported-sni');
  unroutable(`server.dcb.peering.${TD}`, 'unsupported-sni');
  unroutable(TD, 'unknown-sni');
});
