// The exporter and importer run against fakes that implement only the store interfaces peering declares
// (store.ts): nothing else of the state store is reachable from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyError, applyOk, type ServiceInstance } from '../state/index.js';
import type { HealthCheck, Node } from '../types/index.js';
import { Exporter } from './exporter.js';
import { Importer } from './importer.js';
import type { ExporterStore, PeeringWrite, PeeringWriteCommand } from './store.js';

function node(name: string): Node {
  return {
    ID: '',
    Node: name,
    Address: '10.0.0.1',
    Datacenter: 'dc1',
    TaggedAddresses: {},
    Meta: {},
  } as Node;
}

function instance(n: string, id: string, service = 'web'): ServiceInstance {
  return {
    node: node(n),
    service: {
      Kind: '',
      ID: id,
      Service: service,
      Tags: [],
      Address: '',
      Meta: {},
      Port: 80,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      CreateIndex: 5,
      ModifyIndex: 5,
    } as ServiceInstance['service'],
  };
}

/** An ExporterStore and nothing more: two reads, counted. */
class FakeCatalog implements ExporterStore {
  index = 10;
  instances: ServiceInstance[] = [instance('n1', 'web-1'), instance('n2', 'web-2')];
  reads = 0;

  serviceInstances(_ws: undefined, peer: string, name: string): { index: number; value: ServiceInstance[] } {
    assert.equal(peer, '', 'only local services are exported');
    this.reads++;
    return { index: this.index, value: this.instances.filter((i) => i.service.Service === name) };
  }

  instanceChecks(n: Node, serviceID: string): HealthCheck[] {
    return [
      {
        Node: n.Node,
        CheckID: `${serviceID}-alive`,
        Name: 'alive',
        Status: serviceID === 'web-2' ? 'critical' : 'passing',
        ServiceID: serviceID,
        ServiceName: 'web',
      } as HealthCheck,
    ];
  }
}

test('peering store - the exporter builds from the two catalog reads it declares, rebuilt when the index moves', () => {
  const catalog = new FakeCatalog();
  const exporter = new Exporter(catalog);
  const first = exporter.instances('web');
  assert.deepEqual(
    first.map((c) => [c.Node.Node, c.Service.ID, c.Checks[0]?.Status]),
    [
      ['n1', 'web-1', 'passing'],
      ['n2', 'web-2', 'critical'],
    ],
  );
  assert.equal(exporter.instances('web'), first, 'same index: the shared build is reused');
  catalog.instances = [instance('n1', 'web-1')];
  catalog.index = 11;
  assert.deepEqual(
    exporter.instances('web').map((c) => c.Service.ID),
    ['web-1'],
  );
});

test('peering store - the importer writes peering-import-* commands through PeeringWrite; a refused one throws', async () => {
  const written: PeeringWriteCommand[] = [];
  let refuse = false;
  const write: PeeringWrite = (cmd) => {
    written.push(cmd);
    return Promise.resolve({
      index: written.length,
      result: refuse ? applyError('ENT_ERR_BAD_REQUEST', 'refused by the store') : applyOk(),
    });
  };
  const importer = new Importer('dc2-peer', write);
  await importer.list(['web', 'api']);
  await importer.service('web', []);
  assert.deepEqual(
    written.map((c) => c.Type),
    ['peering-import-list', 'peering-import-batch'],
  );
  assert.deepEqual(written[0], {
    Type: 'peering-import-list',
    PeerName: 'dc2-peer',
    Services: ['web', 'api'],
  });
  refuse = true;
  await assert.rejects(importer.list([]), /refused by the store/);
});
