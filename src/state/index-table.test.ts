import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDX, IndexTable } from './index-table.js';
import { StateStore } from './store.js';
import { WatchSet } from './watch.js';

test('state index - a retired per-object key falls back to its table key; unknown keys read 0', () => {
  const t = new IndexTable();
  t.set(IDX.services, 7);
  t.set(IDX.service('', 'web'), 5);
  assert.equal(t.get(IDX.service('', 'web')), 5);
  t.retire(IDX.service('', 'web'));
  assert.equal(t.get(IDX.service('', 'web')), 7);
  assert.equal(t.get('unknown'), 0);
  const ws = new WatchSet();
  assert.equal(t.maxIndex(ws, 'unknown'), 1);
  assert.ok(ws.topics.has('unknown'));
});

test('state index - per-object keys go with their objects, and reads of them never go backwards', () => {
  const s = new StateStore();
  const reg = (i: number, node: string, svc: string) =>
    s.apply(i, {
      Type: 'register',
      Node: { ID: '', Node: node, Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
      SkipNodeUpdate: false,
      Service: {
        Kind: '',
        ID: svc,
        Service: svc,
        Tags: [],
        Address: '',
        Meta: {},
        Port: 1,
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      Checks: [],
    });
  reg(1, 'n0', 'keep');
  const base = s.indexKeyCount;
  let last = 0;
  for (let i = 0; i < 50; i++) {
    reg(2 + i * 2, `n${String(i + 1)}`, `svc-${String(i)}`);
    s.apply(3 + i * 2, {
      Type: 'deregister',
      PeerName: '',
      Node: `n${String(i + 1)}`,
      ServiceID: '',
      CheckID: '',
    });
    const gone = s.serviceInstances(undefined, '', `svc-${String(i)}`);
    assert.equal(gone.value.length, 0);
    assert.ok(gone.index >= 3 + i * 2, 'a deleted service reports at least its delete index');
    assert.ok(gone.index >= last);
    last = gone.index;
    assert.ok(s.node(undefined, '', `n${String(i + 1)}`).index >= 3 + i * 2);
  }
  // 50 services and nodes came and went: the index table did not keep a key for each.
  assert.equal(s.indexKeyCount, base);
  s.apply(200, { Type: 'config-set', Entry: { Kind: 'service-defaults', Name: 'a' }, Cas: null });
  s.apply(201, { Type: 'config-delete', Kind: 'service-defaults', Name: 'a', Cas: null });
  assert.equal(s.configEntry(undefined, 'service-defaults', 'a').index, 201);
  assert.equal(s.configEntries(undefined, 'service-defaults').index, 201);
});
