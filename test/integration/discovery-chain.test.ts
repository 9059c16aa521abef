// `/v1/discovery-chain/:service` against a real agent process: Consul's `{"Chain": …}` shape, peer targets from
// resolvers, POST overrides, blocking on config changes, Consul's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDevAgent } from '../helpers/dev-agent.js';
import { ApiClient } from '../../src/api/index.js';

const dev = useDevAgent();
const call = dev.call.bind(dev);

test('discovery-chain http - the default chain, with the trust domain in target SNIs', async () => {
  const r = await call('GET', '/v1/discovery-chain/web');
  assert.equal(r.status, 200, r.text);
  assert.ok(Number(r.headers.get('x-consul-index')) > 0);
  const { Chain } = r.json();
  assert.equal(Chain.ServiceName, 'web');
  assert.equal(Chain.Default, true);
  assert.equal(Chain.Protocol, 'tcp');
  assert.equal(Chain.StartNode, 'resolver:web.default.default.dc1');
  const roots = (await call('GET', '/v1/connect/ca/roots')).json();
  assert.equal(Chain.Targets['web.default.default.dc1'].SNI, `web.default.dc1.internal.${roots.TrustDomain}`);
  const dc2 = (await call('GET', '/v1/discovery-chain/web?compile-dc=dc2')).json();
  assert.equal(dc2.Chain.StartNode, 'resolver:web.default.default.dc2');
});

test('discovery-chain http - a resolver redirect to a peer and failover to a peer compile to peer targets', async () => {
  const first = await call('GET', '/v1/discovery-chain/api');
  const index = first.headers.get('x-consul-index');
  // A blocking read wakes on the resolver write.
  const waiting = call('GET', `/v1/discovery-chain/api?index=${index}&wait=30s`);
  const put = await call('PUT', '/v1/config', {
    Kind: 'service-resolver',
    Name: 'api',
    Failover: { '*': { Targets: [{ Peer: 'east' }] } },
  });
  assert.equal(put.status, 200, put.text);
  const woke = await waiting;
  assert.ok(Number(woke.headers.get('x-consul-index')) > Number(index));
  const chain = woke.json().Chain;
  assert.deepEqual(chain.Nodes['resolver:api.default.default.dc1'].Resolver.Failover, {
    Targets: ['api.default.default.external.east'],
  });
  const peerTarget = chain.Targets['api.default.default.external.east'];
  assert.equal(peerTarget.Peer, 'east');
  assert.equal(peerTarget.SNI, undefined);
  assert.equal(peerTarget.Datacenter, undefined);

  await call('PUT', '/v1/config', {
    Kind: 'service-resolver',
    Name: 'api-east',
    Redirect: { Service: 'api', Peer: 'east' },
  });
  const redirected = (await call('GET', '/v1/discovery-chain/api-east')).json().Chain;
  assert.equal(redirected.StartNode, 'resolver:api.default.default.external.east');
});

test('discovery-chain http - POST overrides customize the chain', async () => {
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'db', MeshGateway: { Mode: 'remote' } });
  const r = await call('POST', '/v1/discovery-chain/db', {
    OverrideMeshGateway: { Mode: 'local' },
    OverrideConnectTimeout: '7s',
    override_protocol: 'http',
  });
  assert.equal(r.status, 200, r.text);
  const chain = r.json().Chain;
  assert.equal(chain.Protocol, 'http');
  assert.match(chain.CustomizationHash, /^[0-9a-f]{8}$/);
  assert.deepEqual(chain.Targets['db.default.default.dc1'].MeshGateway, { Mode: 'local' });
  assert.equal(chain.Targets['db.default.default.dc1'].ConnectTimeout, '7s');

  // Consul's own expectation for these overrides (agent/discovery_chain_endpoint_test.go).
  const vector = await call('POST', '/v1/discovery-chain/hash-web', {
    OverrideMeshGateway: { Mode: 'local' },
    OverrideProtocol: 'grpc',
    OverrideConnectTimeout: '22s',
  });
  assert.equal(vector.json().Chain.CustomizationHash, '98809527');
});

test('discovery-chain http - bad input and impossible chains are refused with Consul texts', async () => {
  const bad = await call('POST', '/v1/discovery-chain/db', { OverrideMeshGateway: { Mode: 'sideways' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.text.trim(), 'Invalid OverrideMeshGateway.Mode parameter');
  const missing = await call('GET', '/v1/discovery-chain/');
  assert.equal(missing.status, 400);
  assert.equal(missing.text.trim(), 'Missing chain name');

  // Chains are validated when written (Consul's validateProposedConfigEntryInServiceGraph): the write that
  // would close a redirect loop is refused with the compiler's text, and nothing is stored.
  assert.equal(
    (
      await call('PUT', '/v1/config', {
        Kind: 'service-resolver',
        Name: 'loop-a',
        Redirect: { Service: 'loop-b' },
      })
    ).status,
    200,
  );
  const loop = await call('PUT', '/v1/config', {
    Kind: 'service-resolver',
    Name: 'loop-b',
    Redirect: { Service: 'loop-a' },
  });
  assert.equal(loop.status, 500);
  assert.equal(
    loop.text.trim(),
    'detected circular resolver redirect: [loop-a.default.default.dc1 -> loop-b.default.default.dc1 -> loop-a.default.default.dc1]',
  );
  assert.equal((await call('GET', '/v1/config/service-resolver/loop-b')).status, 404, 'nothing stored');

  // A router on a TCP service, and L7 intentions on one, are refused; so is turning an L7 destination into TCP.
  const router = await call('PUT', '/v1/config', {
    Kind: 'service-router',
    Name: 'tcp-svc',
    Routes: [{ Match: { HTTP: { PathPrefix: '/x' } } }],
  });
  assert.equal(router.status, 500);
  assert.equal(
    router.text,
    'discovery chain "tcp-svc" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
  );
  const l7 = {
    Kind: 'service-intentions',
    Name: 'tcp-svc',
    Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
  };
  const refused = await call('PUT', '/v1/config', l7);
  assert.equal(refused.status, 500);
  assert.equal(
    refused.text,
    'service "tcp-svc" has protocol "tcp", which is incompatible with L7 intentions permissions',
  );
  assert.equal((await call('GET', '/v1/config/service-intentions/tcp-svc')).status, 404, 'nothing stored');
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'tcp-svc', Protocol: 'http' });
  assert.equal((await call('PUT', '/v1/config', l7)).status, 200);
  const downgrade = await call('PUT', '/v1/config', {
    Kind: 'service-defaults',
    Name: 'tcp-svc',
    Protocol: 'tcp',
  });
  assert.equal(downgrade.status, 500);
  assert.equal(
    downgrade.text,
    'service "tcp-svc" has protocol "tcp", which is incompatible with L7 intentions permissions',
  );
  const del = await call('DELETE', '/v1/config/service-defaults/tcp-svc');
  assert.equal(del.status, 500);
  assert.equal((await call('GET', '/v1/config/service-defaults/tcp-svc')).json().Protocol, 'http');

  const split = await call('PUT', '/v1/config', {
    Kind: 'service-splitter',
    Name: 'web',
    Splits: [{ Weight: 100, Service: 'api', Peer: 'east' }],
  });
  assert.equal(split.status, 400);
  assert.match(split.text, /invalid config key "Splits\[0\]\.Peer"/);
  assert.equal((await call('GET', '/v1/config/service-splitter/web')).status, 404, 'nothing stored');
});

test('discovery-chain http - the typed api client reads chains, POSTs overrides and authorizes', async () => {
  const client = new ApiClient({ address: dev.agent.httpAddr });
  const plain = await client.discoveryChain.get('web');
  assert.equal(plain.value['StartNode'], 'resolver:web.default.default.dc1');
  assert.ok(plain.meta.lastIndex > 0);
  const custom = await client.discoveryChain.get('web', {
    overrideProtocol: 'http',
    evaluateInDatacenter: 'dc9',
  });
  assert.equal(custom.value['Protocol'], 'http');
  assert.equal(custom.value['Datacenter'], 'dc9');
  const td = (await call('GET', '/v1/connect/ca/roots')).json().TrustDomain as string;
  const res = await client.connect.authorize({
    Target: 'web',
    ClientCertURI: `spiffe://${td}/ns/default/dc/dc1/svc/anyone`,
    ClientCertSerial: '01',
  });
  assert.deepEqual(res, { Authorized: true, Reason: 'Default behavior configured by ACLs' });
});
