import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../store.js';
import { IDX } from '../index-table.js';
import type { Command, ServiceInput } from '../commands.js';
import type { ServiceKind } from '../../types/index.js';

function svc(id: string, name: string, kind: ServiceKind = ''): ServiceInput {
  return {
    Kind: kind,
    ID: id,
    Service: name,
    Tags: [],
    Address: '',
    Meta: {},
    Port: 80,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
  };
}

function reg(node: string, service: ServiceInput | null): Command {
  return {
    Type: 'register',
    Node: { ID: '', Node: node, Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    SkipNodeUpdate: false,
    Service: service,
    Checks: [],
  };
}

function dereg(node: string, serviceID = ''): Command {
  return { Type: 'deregister', PeerName: '', Node: node, ServiceID: serviceID, CheckID: '' };
}

/** The answer serviceNames must give, computed the slow way from every instance. */
function bruteForce(s: StateStore, peer: string): { name: string; kinds: string[] }[] {
  const byName = new Map<string, Set<string>>();
  for (const { service } of s.services(undefined, peer).value) {
    let kinds = byName.get(service.Service);
    if (!kinds) byName.set(service.Service, (kinds = new Set()));
    kinds.add(service.Kind);
  }
  return [...byName]
    .map(([name, kinds]) => ({ name, kinds: [...kinds].sort() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function names(s: StateStore, peer: string): { name: string; kinds: string[] }[] {
  return s.serviceNames(undefined, peer).value.map((n) => ({ name: n.name, kinds: [...n.kinds] }));
}

test('catalog names - follow register, deregister, rename, kind change and node removal exactly', () => {
  const s = new StateStore();
  const steps: Command[] = [
    reg('n1', svc('web-1', 'web')),
    reg('n2', svc('web-2', 'web')),
    reg('n1', svc('web-1-proxy', 'web-sidecar-proxy', 'connect-proxy')),
    reg('n2', svc('db-1', 'db')),
    reg('n2', svc('db-1', 'Db')), // rename (case only)
    reg('n1', svc('web-1', 'api')), // rename of one instance: web keeps web-2
    reg('n2', svc('web-2', 'web', 'connect-proxy')), // kind change: web has no typical instance left
    dereg('n2', 'web-2'),
    reg('n3', svc('gw', 'gw', 'mesh-gateway')),
    dereg('n1'), // node with two services
    dereg('n2'),
    dereg('n3'),
  ];
  let index = 0;
  for (const cmd of steps) {
    assert.equal(s.apply(++index, cmd).ok, true);
    assert.deepEqual(names(s, ''), bruteForce(s, ''), `after step ${String(index)}`);
  }
  assert.deepEqual(names(s, ''), []);
});

test('catalog names - the names key moves only when a name or kind appears or disappears', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', svc('web-1', 'web')));
  const first = s.serviceNames(undefined, '');
  assert.equal(first.index, 1);
  s.apply(2, reg('n2', svc('web-2', 'web'))); // one more instance of a known name
  s.apply(3, reg('n2', { ...svc('web-2', 'web'), Port: 81 })); // an instance changes
  const same = s.serviceNames(undefined, '');
  assert.equal(same.index, 1, 'no name appeared');
  assert.equal(same, first, 'the memo is kept: no rebuild');
  assert.ok(s.maxIndex(undefined, IDX.services) >= 3, 'the services key did move');
  s.apply(4, reg('n2', svc('web-2-proxy', 'web', 'connect-proxy')));
  assert.equal(s.serviceNames(undefined, '').index, 4, 'a new kind of a known name');
  s.apply(5, dereg('n1', 'web-1'));
  assert.equal(s.serviceNames(undefined, '').index, 4, 'web still has a typical instance');
  s.apply(6, dereg('n2', 'web-2'));
  assert.equal(s.serviceNames(undefined, '').index, 6, 'the typical kind went');
  s.apply(7, dereg('n2'));
  const empty = s.serviceNames(undefined, '');
  assert.deepEqual(empty.value, []);
  assert.ok(empty.index >= 7, 'the last name going never reads backwards');
});

test('catalog names - are per peer: imports and peer removal touch only that peer', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', svc('web-1', 'web')));
  s.apply(2, {
    Type: 'peering-establish',
    ID: 'p1-id',
    Name: 'p1',
    Meta: {},
    PeerID: 'remote-id',
    PeerCAPems: [],
    PeerServerName: 'server.dc2.peering.example',
    PeerServerAddresses: ['127.0.0.1:1'],
    ManualServerAddresses: [],
    Remote: { Partition: 'default', Datacenter: 'dc2' },
    ActiveStreamSecret: 'secret',
  });
  const local = s.serviceNames(undefined, '');
  const imp = (node: string, name: string, ids: string[]): Command => ({
    Type: 'peering-import-service',
    PeerName: 'p1',
    ServiceName: name,
    Nodes: ids.map((id) => ({
      Node: { ID: '', Node: node, Address: '10.1.0.1', Datacenter: 'dc2', TaggedAddresses: {}, Meta: {} },
      Service: svc(id, name),
      Checks: [],
    })),
  });
  assert.equal(s.apply(3, imp('r1', 'billing', ['billing-1'])).ok, true);
  assert.equal(s.apply(4, imp('r1', 'web', ['web-9'])).ok, true);
  assert.deepEqual(names(s, 'p1'), bruteForce(s, 'p1'));
  assert.deepEqual(
    names(s, 'p1').map((n) => n.name),
    ['billing', 'web'],
  );
  assert.equal(s.serviceNames(undefined, '').index, local.index, 'imports never move the local names');
  assert.deepEqual(names(s, ''), [{ name: 'web', kinds: [''] }]);
  assert.equal(s.apply(5, imp('r1', 'billing', [])).ok, true); // the peer stopped sending billing
  assert.deepEqual(names(s, 'p1'), [{ name: 'web', kinds: [''] }]);
  assert.equal(s.apply(6, { Type: 'peering-import-list', PeerName: 'p1', Services: [] }).ok, true);
  assert.deepEqual(names(s, 'p1'), []);
  assert.deepEqual(names(s, ''), [{ name: 'web', kinds: [''] }]);
});

test('catalog names - are rebuilt by a snapshot restore', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', svc('web-1', 'web')));
  s.apply(2, reg('n1', svc('db-1', 'db')));
  const r = new StateStore();
  r.apply(1, reg('x', svc('old', 'old')));
  assert.deepEqual(names(r, ''), [{ name: 'old', kinds: [''] }]);
  r.restore(2, s.snapshot());
  assert.deepEqual(names(r, ''), bruteForce(s, ''));
  r.apply(3, dereg('n1', 'db-1'));
  assert.deepEqual(names(r, ''), [{ name: 'web', kinds: [''] }]);
});
