import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeService } from '../types/index.js';
import { TestNetwork, type TestCluster } from './testing/cluster.js';
import { peeringState as state, until } from './testing/wait.js';

type Svc = Omit<NodeService, 'CreateIndex' | 'ModifyIndex'>;

async function registerService(c: TestCluster, node: string, address: string, service: Svc): Promise<void> {
  const r = await c.write({
    Type: 'register',
    Node: { ID: '', Node: node, Address: address, Datacenter: c.name, TaggedAddresses: {}, Meta: {} },
    SkipNodeUpdate: false,
    Service: service,
    Checks: [
      {
        Node: node,
        CheckID: `chk-${service.ID}`,
        Name: 'chk',
        Status: 'passing',
        Notes: '',
        Output: '',
        ServiceID: service.ID,
        ServiceName: service.Service,
        ServiceTags: [],
        Type: 'ttl',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
      },
    ],
  });
  if (!r.result.ok) throw new Error(r.result.error);
}

const base = { Tags: [], Meta: {}, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false };

function sidecar(c: TestCluster, dest: string): Promise<void> {
  return registerService(c, 'b-node', '10.0.0.2', {
    ...base,
    Kind: 'connect-proxy',
    ID: `${dest}-sidecar-proxy`,
    Service: `${dest}-sidecar-proxy`,
    Address: '',
    Port: 21000,
    Proxy: { DestinationServiceName: dest, DestinationServiceID: dest, LocalServicePort: 8080 },
  });
}

function gateway(c: TestCluster, id: string, wanPort: number): Promise<void> {
  return registerService(c, 'gw-node', '10.0.0.9', {
    ...base,
    Kind: 'mesh-gateway',
    ID: id,
    Service: 'mesh-gateway',
    Address: '10.0.0.9',
    Port: 8443,
    TaggedAddresses: {
      lan: { Address: '10.0.0.9', Port: 8443 },
      wan: { Address: '198.51.100.7', Port: wanPort },
    },
  });
}

async function peered(): Promise<{ a: TestCluster; b: TestCluster; net: TestNetwork }> {
  const net = new TestNetwork();
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  const token = await b.service.generateToken({ PeerName: 'a', Meta: {}, ServerExternalAddresses: [] });
  await a.service.establish({ PeerName: 'b', PeeringToken: token, Meta: {} });
  await until(() => state(a, 'b') === 'ACTIVE' && state(b, 'a') === 'ACTIVE', 'peering ACTIVE');
  return { a, b, net };
}

function importedProxies(a: TestCluster, name: string) {
  return a.store.serviceInstances(undefined, 'b', name).value;
}

test('peering mesh export - a mesh service also exports <svc>-sidecar-proxy: one instance per mesh gateway, with PeerMeta', async (t) => {
  const { a, b, net } = await peered();
  t.after(() => net.close());
  await b.register('web', 'b-node');
  await sidecar(b, 'web');
  await gateway(b, 'mesh-gateway', 443);
  await b.register('db', 'b-node'); // exported, not in the mesh
  await b.exportTo('a', ['web', 'db']);

  const proxies = await until(
    () =>
      importedProxies(a, 'web-sidecar-proxy').length === 1 ? importedProxies(a, 'web-sidecar-proxy') : false,
    'web-sidecar-proxy imported on alpha',
  );
  const td = b.store.clusterId.toLowerCase() + '.consul';
  const p = proxies[0]!;
  assert.equal(p.service.PeerName, 'b');
  assert.equal(p.service.Kind, 'connect-proxy');
  assert.equal(p.service.ID, 'web-sidecar-proxy-instance-0');
  assert.equal(p.node.Node, 'gw-node');
  assert.equal(p.service.Address, '10.0.0.9');
  assert.equal(p.service.Port, 8443);
  assert.deepEqual(p.service.TaggedAddresses?.['wan'], { Address: '198.51.100.7', Port: 443 });
  assert.deepEqual(p.service.Proxy, {
    DestinationServiceName: 'web',
    DestinationServiceID: 'web-instance-0',
  });
  assert.deepEqual(p.service.Connect, {
    PeerMeta: {
      SNI: [`web.default.default.a.external.${td}`],
      SpiffeID: [`spiffe://${td}/ns/default/dc/beta/svc/web`, `spiffe://${td}/gateway/mesh/dc/beta`],
      Protocol: 'tcp',
    },
  });
  assert.deepEqual(
    a.store.instanceChecks(p.node, p.service.ID).map((c) => [c.CheckID, c.Status]),
    [['web-sidecar-proxy-instance-0:overall-check', 'passing']],
  );

  // The plain export is unchanged: the real instance, Connect fields stripped, no proxy for db.
  const web = await until(() => a.store.serviceInstances(undefined, 'b', 'web').value[0], 'web imported');
  assert.equal(web.service.Kind, '');
  assert.equal(web.service.Connect, undefined);
  assert.equal(web.node.Node, 'b-node');
  await until(() => a.store.serviceInstances(undefined, 'b', 'db').value.length === 1, 'db imported');
  assert.equal(importedProxies(a, 'db-sidecar-proxy').length, 0);
  const names = a.store
    .serviceNames(undefined, 'b')
    .value.map((n) => n.name)
    .sort();
  assert.deepEqual(names, ['db', 'web', 'web-sidecar-proxy']);
});

test('peering mesh export - gateways, protocol and mesh membership changes follow; no gateway means no proxy', async (t) => {
  const { a, b, net } = await peered();
  t.after(() => net.close());
  await b.register('api', 'b-node');
  await sidecar(b, 'api');
  await b.exportTo('a', ['api']);
  await until(() => a.store.serviceInstances(undefined, 'b', 'api').value.length === 1, 'api imported');
  assert.equal(importedProxies(a, 'api-sidecar-proxy').length, 0, 'no mesh gateway: nothing to dial');

  await gateway(b, 'gw-1', 443);
  await until(() => importedProxies(a, 'api-sidecar-proxy').length === 1, 'proxy after the gateway');
  await gateway(b, 'gw-2', 8443);
  await until(() => importedProxies(a, 'api-sidecar-proxy').length === 2, 'second gateway');

  const setDefaults = await b.write({
    Type: 'config-set',
    Entry: { Kind: 'service-defaults', Name: 'api', Protocol: 'http' },
    Cas: null,
  });
  assert.equal(setDefaults.result.ok, true);
  await until(
    () =>
      importedProxies(a, 'api-sidecar-proxy').every(
        (i) => (i.service.Connect?.['PeerMeta'] as { Protocol: string }).Protocol === 'http',
      ),
    'protocol http on the importer',
  );

  // The sidecar goes: api leaves the mesh and its synthetic proxy is deleted on the importer.
  await b.write({
    Type: 'deregister',
    PeerName: '',
    Node: 'b-node',
    ServiceID: 'api-sidecar-proxy',
    CheckID: '',
  });
  await until(() => importedProxies(a, 'api-sidecar-proxy').length === 0, 'proxy removed');
  assert.equal(a.store.serviceInstances(undefined, 'b', 'api').value.length, 1, 'plain export stays');
});
