import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from './store.js';
import { WatchSet } from './watch.js';
import type { Command } from './commands.js';

function reg(
  node: string,
  service: string | null,
  extra: Partial<Extract<Command, { Type: 'register' }>> = {},
): Command {
  return {
    Type: 'register',
    Node: { ID: '', Node: node, Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    SkipNodeUpdate: false,
    Service:
      service === null
        ? null
        : {
            Kind: '',
            ID: service,
            Service: service,
            Tags: [],
            Address: '',
            Meta: {},
            Port: 80,
            Weights: { Passing: 1, Warning: 1 },
            EnableTagOverride: false,
          },
    Checks: [],
    ...extra,
  };
}

function check(node: string, id: string, serviceID: string, status: 'passing' | 'critical' = 'passing') {
  return {
    Node: node,
    CheckID: id,
    Name: id,
    Status: status,
    Notes: '',
    Output: '',
    ServiceID: serviceID,
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
  };
}

test('state - writes get indexes; identical re-registration changes nothing', () => {
  const s = new StateStore();
  assert.deepEqual(s.apply(1, reg('n1', 'web')), { ok: true, value: true });
  const first = s.serviceInstances(undefined, '', 'web');
  assert.equal(first.index, 1);
  assert.equal(first.value[0]?.service.CreateIndex, 1);
  s.apply(2, reg('n1', 'web'));
  const again = s.serviceInstances(undefined, '', 'web');
  assert.equal(again.index, 1, 'identical registration does not move the index');
  assert.equal(again.value[0]?.service.ModifyIndex, 1);
  s.apply(3, reg('n1', 'web', { Service: { ...(reg('n1', 'web') as any).Service, Port: 81 } }));
  const changed = s.serviceInstances(undefined, '', 'web');
  assert.equal(changed.index, 3);
  assert.equal(changed.value[0]?.service.CreateIndex, 1);
  assert.equal(changed.value[0]?.service.ModifyIndex, 3);
});

test('state - a write to service B fires only B, a node check fires every service on the node', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', 'a'));
  s.apply(2, reg('n2', 'b'));
  const wsA = new WatchSet();
  s.serviceInstances(wsA, '', 'a');
  let woke = 0;
  const off = s.hub.subscribe(wsA, () => woke++);
  s.apply(3, reg('n2', 'b', { Service: { ...(reg('n2', 'b') as any).Service, Port: 99 } }));
  assert.equal(woke, 0);
  s.apply(4, reg('n1', null, { SkipNodeUpdate: true, Checks: [check('n1', 'node-check', '')] }));
  assert.equal(woke, 1);
  off();
  assert.equal(s.hub.size, 0);
});

test('state - a failed register changes nothing', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', 'web'));
  const r = s.apply(2, reg('n1', null, { Checks: [check('n1', 'c', 'missing-svc')] }));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : '', /Unknown service ID "missing-svc"/);
  assert.equal(s.nodeChecks(undefined, '', 'n1').value.length, 0);
  assert.equal(s.nodes(undefined, '').index, 1);
});

test('state - deregistering a service drops its checks; deregistering a node drops everything', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', 'web', { Checks: [check('n1', 'svc-check', 'web'), check('n1', 'node-check', '')] }));
  assert.equal(s.serviceChecks(undefined, '', 'web').value.length, 1);
  assert.equal(s.instanceChecks(s.node(undefined, '', 'n1').value!, 'web').length, 2);
  s.apply(2, { Type: 'deregister', PeerName: '', Node: 'n1', ServiceID: 'web', CheckID: '' });
  assert.deepEqual(
    s.nodeChecks(undefined, '', 'n1').value.map((c) => c.CheckID),
    ['node-check'],
  );
  s.apply(3, { Type: 'deregister', PeerName: '', Node: 'n1', ServiceID: '', CheckID: '' });
  assert.equal(s.node(undefined, '', 'n1').value, null);
  assert.equal(s.nodeChecks(undefined, '', 'n1').value.length, 0);
});

test('state - peer data is kept apart from local data', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', 'web'));
  const peered = reg('n1', 'web');
  if (peered.Type === 'register') peered.Node.PeerName = 'other';
  s.apply(2, peered);
  assert.equal(s.serviceInstances(undefined, '', 'web').value.length, 1);
  const imported = s.serviceInstances(undefined, 'other', 'web').value;
  assert.equal(imported.length, 1);
  assert.equal(imported[0]?.service.PeerName, 'other');
  assert.equal(imported[0]?.node.PeerName, 'other');
});

test('state - KV set, cas, delete-tree and index semantics', () => {
  const s = new StateStore();
  const kv = (
    verb: 'set' | 'cas' | 'delete' | 'delete-cas' | 'delete-tree',
    key: string,
    index = 0,
    value: string | null = 'dg==',
  ): Command => ({
    Type: 'kv',
    Verb: verb,
    Key: key,
    Value: value,
    Flags: 0,
    Index: index,
  });
  s.apply(1, kv('set', 'a/1'));
  s.apply(2, kv('set', 'a/2'));
  assert.deepEqual(s.apply(3, kv('cas', 'a/1', 0)), { ok: true, value: false });
  assert.deepEqual(s.apply(4, kv('cas', 'a/1', 1)), { ok: true, value: true });
  assert.equal(s.kvGet(undefined, 'a/1').index, 4);
  assert.equal(s.kvList(undefined, 'a/').index, 4);
  s.apply(5, kv('delete-tree', 'a/'));
  const list = s.kvList(undefined, 'a/');
  assert.equal(list.value.length, 0);
  assert.equal(list.index, 5, 'deletions move the prefix index');
});

test('state - snapshot and restore reproduce state and indexes', () => {
  const s = new StateStore();
  s.apply(1, { Type: 'cluster-init', ClusterID: 'c-1' });
  s.apply(2, reg('n1', 'web', { Checks: [check('n1', 'chk', 'web')] }));
  s.apply(3, {
    Type: 'kv',
    Verb: 'set',
    Key: 'k',
    Value: Buffer.from('hello').toString('base64'),
    Flags: 7,
    Index: 0,
  });
  s.apply(4, {
    Type: 'config-set',
    Entry: { Kind: 'service-defaults', Name: 'web', Protocol: 'http' },
    Cas: null,
  });
  const r = new StateStore();
  r.restore(4, s.snapshot());
  assert.equal(r.clusterId, 'c-1');
  assert.equal(r.lastIndex, 4);
  assert.deepEqual(r.serviceInstances(undefined, '', 'web'), s.serviceInstances(undefined, '', 'web'));
  assert.deepEqual(r.serviceChecks(undefined, '', 'web'), s.serviceChecks(undefined, '', 'web'));
  assert.equal(r.kvGet(undefined, 'k').value?.Value?.toString(), 'hello');
  assert.deepEqual(
    r.configEntry(undefined, 'service-defaults', 'web'),
    s.configEntry(undefined, 'service-defaults', 'web'),
  );
});

test('state - virtual IPs: one per (peer, service), stable across snapshots, reused only once the service is gone', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', 'web'));
  s.apply(2, reg('n2', 'web'));
  s.apply(3, reg('n1', 'api'));
  const peered = reg('n9', 'web');
  if (peered.Type === 'register') peered.Node.PeerName = 'p1';
  s.apply(4, peered);
  const web = s.virtualIp('', 'web');
  const api = s.virtualIp('', 'api');
  const pweb = s.virtualIp('p1', 'web');
  assert.match(web ?? '', /^240\.0\.0\.\d+$/);
  assert.equal(new Set([web, api, pweb]).size, 3);
  // A second instance does not change it; neither does a snapshot round trip.
  const r = new StateStore();
  r.restore(4, s.snapshot());
  assert.equal(r.virtualIp('', 'web'), web);
  assert.equal(r.virtualIp('p1', 'web'), pweb);
  // Gone with its last instance; a new service gets a fresh address, not the freed one.
  s.apply(5, { Type: 'deregister', PeerName: '', Node: 'n1', ServiceID: 'api', CheckID: '' });
  assert.equal(s.virtualIp('', 'api'), undefined);
  s.apply(6, reg('n3', 'db'));
  assert.notEqual(s.virtualIp('', 'db'), api);
  assert.equal(s.virtualIp('', 'web'), web);
});

test('state - replacing checks (new service tags, node renames) moves the checks index', () => {
  const s = new StateStore();
  s.apply(1, reg('n1', 'web', { Checks: [check('n1', 'c1', 'web')] }));
  const before = s.checksInState(undefined, '', 'any');
  const retagged = reg('n1', 'web');
  if (retagged.Type === 'register' && retagged.Service) retagged.Service.Tags = ['blue'];
  s.apply(2, retagged);
  const after = s.checksInState(undefined, '', 'any');
  assert.ok(after.index > before.index, 'index moved');
  assert.deepEqual(after.value[0]?.ServiceTags, ['blue']);
});

test('state - imports are refused for a peer that has no active peering', () => {
  const s = new StateStore();
  const r = s.apply(1, { Type: 'peering-import-service', PeerName: 'ghost', ServiceName: 'web', Nodes: [] });
  assert.equal(r.ok, false);
  assert.equal(s.apply(2, { Type: 'peering-import-list', PeerName: 'ghost', Services: [] }).ok, false);
});

test('state - node IDs are unique among local nodes, kept through renames, deletes and snapshots', () => {
  const s = new StateStore();
  const withId = (node: string, id: string) => {
    const c = reg(node, null);
    if (c.Type === 'register') c.Node.ID = id;
    return c;
  };
  const id = '11111111-2222-3333-4444-555555555555';
  assert.equal(s.apply(1, withId('a', id)).ok, true);
  const clash = s.apply(2, withId('b', id));
  assert.equal(clash.ok, false);
  assert.match(!clash.ok ? clash.error : '', /reserved by node/);
  const r = new StateStore();
  r.restore(2, s.snapshot());
  assert.equal(r.apply(3, withId('b', id)).ok, false, 'the index survives a snapshot');
  s.apply(3, { Type: 'deregister', PeerName: '', Node: 'a', ServiceID: '', CheckID: '' });
  assert.equal(s.apply(4, withId('b', id)).ok, true, 'free again once the node is gone');
});

test('state - failed writes answer a domain error code and change nothing', () => {
  const s = new StateStore();
  s.apply(
    1,
    reg('n1', 'web', {
      Node: { ID: 'id-1', Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    }),
  );
  const taken = s.apply(
    2,
    reg('n2', null, {
      Node: { ID: 'id-1', Node: 'n2', Address: '10.0.0.2', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    }),
  );
  assert.equal(taken.ok ? '' : taken.code, 'ENT_ERR_NODE_ID_TAKEN');
  const orphan = s.apply(3, reg('n1', null, { Checks: [check('n1', 'c1', 'nope')] }));
  assert.equal(orphan.ok ? '' : orphan.code, 'ENT_ERR_CHECK_SERVICE_UNKNOWN');
  const missing = s.apply(4, {
    Type: 'check-update',
    Node: 'n1',
    CheckID: 'nope',
    Status: 'passing',
    Output: '',
  });
  assert.equal(missing.ok ? '' : missing.code, 'ENT_ERR_CHECK_NOT_FOUND');
  const secret = s.apply(5, {
    Type: 'peering-exchange-secret',
    ID: 'x',
    EstablishmentSecret: 'y',
    PendingStreamSecret: 'z',
  });
  assert.equal(secret.ok ? '' : secret.code, 'ENT_ERR_PEERING_SECRET_INVALID');
  assert.equal(s.nodes(undefined, '').value.length, 1);
});

test('state - a peering-import-batch entry as this release writes it (v1) replays: replace, then a delta', () => {
  const s = new StateStore();
  s.apply(1, {
    Type: 'peering-establish',
    ID: 'p-id',
    Name: 'dc2',
    Meta: {},
    PeerID: 'remote',
    PeerCAPems: [],
    PeerServerName: 'server.dc2.peering.example',
    PeerServerAddresses: ['127.0.0.1:1'],
    ManualServerAddresses: [],
    Remote: { Partition: 'default', Datacenter: 'dc2' },
    ActiveStreamSecret: 'secret',
  });
  const inst = (node: string, id: string, status: string): string =>
    `{"Node":{"ID":"","Node":"${node}","Address":"10.1.0.1","Datacenter":"dc2","TaggedAddresses":{},"Meta":{},"PeerName":"dc2"},` +
    `"Service":{"Kind":"","ID":"${id}","Service":"web","Tags":[],"Address":"","Meta":{},"Port":80,"Weights":{"Passing":1,"Warning":1},"EnableTagOverride":false,"PeerName":"dc2"},` +
    `"Checks":[{"Node":"${node}","CheckID":"${id}-c","Name":"c","Status":"${status}","Notes":"","Output":"","ServiceID":"${id}","ServiceName":"web","ServiceTags":[],"Type":"","Interval":"","Timeout":"","ExposedPort":0,"Definition":{},"PeerName":"dc2"}]}`;
  const replace =
    `{"Type":"peering-import-batch","PeerName":"dc2","Services":[{"ServiceName":"web","Replace":true,` +
    `"Upserts":[${inst('n1', 'web-1', 'passing')},${inst('n2', 'web-2', 'passing')}],"Removes":[]}],"V":1}`;
  assert.equal(s.applyEncoded(2, Buffer.from(replace)).ok, true);
  const delta =
    `{"Type":"peering-import-batch","PeerName":"dc2","Services":[{"ServiceName":"web","Replace":false,` +
    `"Upserts":[${inst('n1', 'web-1', 'critical')}],"Removes":[{"Node":"n2","ServiceID":"web-2"}]}],"V":1}`;
  assert.equal(s.applyEncoded(3, Buffer.from(delta)).ok, true);
  const rows = s.serviceInstances(undefined, 'dc2', 'web').value;
  assert.deepEqual(
    rows.map((r) => [r.service.ID, s.instanceChecks(r.node, r.service.ID).map((c) => c.Status)]),
    [['web-1', ['critical']]],
  );
  assert.equal(s.nodes(undefined, 'dc2').value.length, 1, 'the node left without a service is gone');
});
