import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { ServiceEntry } from '../../api/index.js';
import { EndpointPicker } from './endpoint-picker.js';
import { localGatewayEndpoints, localTarget, peerTarget, throughLocalGateways } from './upstream-target.js';

function entry(
  svc: Partial<ServiceEntry['Service']>,
  node: Partial<ServiceEntry['Node']> = {},
): ServiceEntry {
  return {
    Node: {
      ID: '',
      Node: 'n',
      Address: '10.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: null,
      Meta: null,
      CreateIndex: 1,
      ModifyIndex: 1,
      ...node,
    },
    Service: { ID: 's', Service: 'api-sidecar-proxy', Tags: null, Address: '', Port: 21000, ...svc },
    Checks: [],
  };
}

test('upstream target - a local service: its sidecars, Consul ServiceSNI, the service SPIFFE ID as the only SAN', () => {
  const t = localTarget('api', [entry({}), entry({ Address: '10.0.0.9', Port: 21001 })], 'abc.consul', 'dc1');
  assert.deepEqual(t.endpoints, [
    { host: '10.0.0.1', port: 21000 },
    { host: '10.0.0.9', port: 21001 },
  ]);
  assert.equal(t.sni, 'api.default.dc1.internal.abc.consul');
  assert.deepEqual(t.expectedSans, ['spiffe://abc.consul/ns/default/dc/dc1/svc/api']);
  assert.equal(t.peer, '');
});

test('upstream target - a peer service: gateways by WAN address, SNI and SANs from PeerMeta; none without PeerMeta', () => {
  const PeerMeta = {
    SNI: ['api.default.default.cluster-a.external.b.consul'],
    SpiffeID: ['spiffe://b.consul/ns/default/dc/dcb/svc/api', 'spiffe://b.consul/gateway/mesh/dc/dcb'],
    Protocol: 'tcp',
  };
  const gw1 = entry({
    Address: '10.1.0.1',
    Port: 8443,
    TaggedAddresses: { wan: { Address: '203.0.113.1', Port: 443 } },
    Connect: { PeerMeta },
  });
  const gw2 = entry(
    { Address: '', Port: 8443, Connect: { PeerMeta } },
    { Address: '10.1.0.2', TaggedAddresses: { wan: '203.0.113.2' } },
  );
  const t = peerTarget('b', [gw1, gw2]);
  assert.ok(t);
  assert.deepEqual(t.endpoints, [
    { host: '203.0.113.1', port: 443 },
    { host: '203.0.113.2', port: 8443 },
  ]);
  assert.equal(t.sni, PeerMeta.SNI[0]);
  assert.deepEqual(t.expectedSans, PeerMeta.SpiffeID);
  assert.equal(t.peer, 'b');
  assert.equal(peerTarget('b', [entry({})]), undefined);
});

test('upstream target - local mode: the local mesh gateways at their LAN address, the peer’s SNI, SANs and trust kept', () => {
  const PeerMeta = {
    SNI: ['api.default.default.cluster-a.external.b.consul'],
    SpiffeID: ['spiffe://b.consul/ns/default/dc/dcb/svc/api'],
  };
  const remote = peerTarget('b', [
    entry({
      Address: '10.1.0.1',
      Port: 8443,
      TaggedAddresses: { wan: { Address: '203.0.113.1', Port: 443 } },
      Connect: { PeerMeta },
    }),
  ]);
  assert.ok(remote);
  assert.equal(remote.via, 'peer-gateways');
  const gateways = localGatewayEndpoints([
    // LAN: the service address, never the WAN tag (Consul's BestAddress(false) for a local-datacenter gateway).
    entry({
      Kind: 'mesh-gateway',
      Service: 'mesh-gateway',
      Address: '10.0.0.5',
      Port: 8443,
      TaggedAddresses: { wan: { Address: '198.51.100.5', Port: 443 } },
    }),
    // No service address: the node's.
    entry(
      { Kind: 'mesh-gateway', Service: 'mesh-gateway', Address: '', Port: 8444 },
      { Address: '10.0.0.6' },
    ),
    // Not a gateway (a service that happens to share the name) and a gateway without a port: skipped.
    entry({ Kind: 'connect-proxy', Address: '10.0.0.7', Port: 21000 }),
    entry({ Kind: 'mesh-gateway', Address: '10.0.0.8', Port: 0 }),
  ]);
  assert.deepEqual(gateways, [
    { host: '10.0.0.5', port: 8443 },
    { host: '10.0.0.6', port: 8444 },
  ]);
  const local = throughLocalGateways(remote, gateways);
  assert.deepEqual(local.endpoints, gateways);
  assert.equal(local.via, 'local-gateways');
  assert.equal(local.sni, remote.sni);
  assert.deepEqual(local.expectedSans, remote.expectedSans);
  assert.equal(local.peer, 'b', 'the peer’s bundle stays the trust');
});

test('endpoint picker - round robin; a failed endpoint is ejected for a while, then comes back', () => {
  let now = 0;
  const p = new EndpointPicker({ ejectMs: 1000, now: () => now });
  const a = { host: 'a', port: 1 };
  const b = { host: 'b', port: 1 };
  p.update([a, b]);
  assert.deepEqual([p.pick(), p.pick(), p.pick()], [a, b, a]);
  p.failed(b);
  assert.deepEqual([p.pick(), p.pick()], [a, a]);
  p.failed(a);
  assert.equal(p.pick(), undefined, 'every endpoint ejected: no panic routing');
  now = 1000;
  assert.ok(p.pick());
  p.failed(b);
  now = 2999;
  p.update([a, b]);
  assert.equal(p.pick(), a, 'b ejected twice in a row: 2 s, kept across a catalog update');
  now = 3000;
  p.succeeded(a);
  assert.deepEqual(new Set([p.pick(), p.pick()]), new Set([a, b]));
});
