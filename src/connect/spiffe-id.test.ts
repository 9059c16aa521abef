import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  agentSpiffeId,
  canonicalSpiffeId,
  clusterIdOf,
  meshGatewaySpiffeId,
  peeredServiceSni,
  parseSpiffeId,
  peeringServerName,
  serverSpiffeId,
  serviceSpiffeId,
  signingSpiffeId,
  trustDomain,
} from './index.js';

const CLUSTER_ID = '7f42f496-fbc7-8692-05ed-334aa5340c1e';
const TD = `${CLUSTER_ID}.consul`;

test('connect - trust domain is <clusterId>.consul, lower-cased, and round-trips to the cluster ID', () => {
  assert.equal(trustDomain(CLUSTER_ID), TD);
  assert.equal(trustDomain('ABC-Def'), 'abc-def.consul');
  assert.equal(clusterIdOf(TD), CLUSTER_ID);
  assert.equal(clusterIdOf('example.org'), 'example.org');
  assert.throws(() => trustDomain(''), TypeError);
});

test('connect - peering server name is server.<dc>.peering.<trust domain>', () => {
  assert.equal(peeringServerName('dc1', TD), `server.dc1.peering.${TD}`);
  assert.throws(() => peeringServerName('', TD), /datacenter must not be empty/);
});

test('connect - SPIFFE IDs follow Consul CE formats', () => {
  assert.equal(signingSpiffeId(TD), `spiffe://${TD}`);
  assert.equal(serverSpiffeId(TD, 'dc1'), `spiffe://${TD}/agent/server/dc/dc1`);
  assert.equal(meshGatewaySpiffeId(TD, 'dc1'), `spiffe://${TD}/gateway/mesh/dc/dc1`);
  assert.equal(
    serviceSpiffeId({ trustDomain: TD, datacenter: 'dc1', service: 'web', namespace: 'ns1' }),
    `spiffe://${TD}/ns/ns1/dc/dc1/svc/web`,
  );
});

test('connect - service SPIFFE ID defaults the namespace and omits a default partition', () => {
  const base = { trustDomain: TD, datacenter: 'dc2', service: 'api' };
  assert.equal(serviceSpiffeId(base), `spiffe://${TD}/ns/default/dc/dc2/svc/api`);
  assert.equal(serviceSpiffeId({ ...base, namespace: '' }), `spiffe://${TD}/ns/default/dc/dc2/svc/api`);
  assert.equal(
    serviceSpiffeId({ ...base, partition: 'default' }),
    `spiffe://${TD}/ns/default/dc/dc2/svc/api`,
  );
  assert.equal(
    serviceSpiffeId({ ...base, partition: 'p1' }),
    `spiffe://${TD}/ap/p1/ns/default/dc/dc2/svc/api`,
  );
  assert.equal(meshGatewaySpiffeId(TD, 'dc1', 'p1'), `spiffe://${TD}/ap/p1/gateway/mesh/dc/dc1`);
});

test('connect - peered service SNI is <svc>.<ns>.<partition>.<peer>.external.<trust domain>', () => {
  assert.equal(
    peeredServiceSni('web', '', '', 'cluster-a', TD),
    `web.default.default.cluster-a.external.${TD}`,
  );
  assert.equal(peeredServiceSni('api', 'ns1', 'p1', 'b', TD), `api.ns1.p1.b.external.${TD}`);
  assert.throws(() => peeredServiceSni('web', '', '', '', TD), /peerName must not be empty/);
});

test('connect - SPIFFE ID paths are escaped as Go url.URL escapes a path, and parse back to the same names', () => {
  const svc = (service: string) => serviceSpiffeId({ trustDomain: TD, datacenter: 'dc1', service });
  const cases: [string, string][] = [
    ['api?x=1', 'api%3Fx=1'],
    ['api#frag', 'api%23frag'],
    ['100%', '100%25'],
    ['a b', 'a%20b'],
    ['caf\u00e9', 'caf%C3%A9'],
    ["a$&+,:;=@-_.~b!*'()", 'a$&+,:;=@-_.~b%21%2A%27%28%29'],
  ];
  for (const [name, escaped] of cases) {
    const id = svc(name);
    assert.equal(id, `spiffe://${TD}/ns/default/dc/dc1/svc/${escaped}`, name);
    const parsed = parseSpiffeId(id);
    assert.ok(parsed.kind === 'service');
    assert.equal(parsed.service, name, `${name} parses back`);
    assert.equal(canonicalSpiffeId(parsed), id, `${name} re-serialises to itself`);
  }
  // Go keeps '/' in a path: the ID is Consul's, but it names a different (unparseable) path.
  assert.equal(svc('a/b'), `spiffe://${TD}/ns/default/dc/dc1/svc/a/b`);
  assert.throws(() => parseSpiffeId(svc('a/b')), /not in the expected format/);
  assert.equal(serverSpiffeId(TD, 'dc?1'), `spiffe://${TD}/agent/server/dc/dc%3F1`);
  assert.equal(meshGatewaySpiffeId(TD, 'dc#1', 'p%'), `spiffe://${TD}/ap/p%25/gateway/mesh/dc/dc%231`);
  assert.equal(agentSpiffeId(TD, 'dc1', 'node 1'), `spiffe://${TD}/agent/client/dc/dc1/id/node%201`);
  assert.equal(
    serviceSpiffeId({ trustDomain: TD, datacenter: 'dc1', service: 'w', namespace: 'n?', partition: 'p#' }),
    `spiffe://${TD}/ap/p%23/ns/n%3F/dc/dc1/svc/w`,
  );
  assert.throws(() => parseSpiffeId(`spiffe://${TD}/ns/default/dc/dc1/svc/bad%zz`), TypeError);
});

test('connect - a raw ? or # in a SPIFFE ID parses as a shorter name, and is not canonical', () => {
  for (const raw of ['api?x=1', 'api#x']) {
    const uri = `spiffe://${TD}/ns/default/dc/dc1/svc/${raw}`;
    const parsed = parseSpiffeId(uri);
    assert.ok(parsed.kind === 'service');
    assert.equal(parsed.service, 'api');
    assert.notEqual(canonicalSpiffeId(parsed), uri);
  }
  const gw = parseSpiffeId(`spiffe://${TD}/ap/p1/gateway/mesh/dc/dc1`);
  assert.equal(canonicalSpiffeId(gw), `spiffe://${TD}/ap/p1/gateway/mesh/dc/dc1`);
  const agent = parseSpiffeId(`spiffe://${TD}/agent/client/dc/dc1/id/n1`);
  assert.equal(canonicalSpiffeId(agent), `spiffe://${TD}/agent/client/dc/dc1/id/n1`);
});
