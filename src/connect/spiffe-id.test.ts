import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clusterIdOf,
  meshGatewaySpiffeId,
  peeredServiceSni,
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
