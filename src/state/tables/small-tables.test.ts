import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexTable } from '../index-table.js';
import type { ApplyContext } from '../table.js';
import { CaTable } from './ca.js';
import { ConfigTable } from './config.js';
import { createTables } from './registry.js';
import { SystemTable } from './system.js';
import { VIRTUAL_IP_RANGE, VirtualIpTable } from './virtual-ips.js';

function ctx(index: number, indexes = new IndexTable()): ApplyContext & { fired: string[] } {
  const fired: string[] = [];
  return {
    index,
    fired,
    bump: (k) => {
      indexes.set(k, index);
      fired.push(k);
    },
    fire: (k) => fired.push(k),
    touchKey: () => undefined,
    retire: (k) => {
      indexes.retire(k);
    },
  };
}

test('state tables - every command type belongs to exactly one registered table', () => {
  const tables = Object.values(createTables({ indexes: new IndexTable() }));
  const owners = new Map<string, string>();
  for (const t of tables) {
    for (const c of t.commands) {
      assert.equal(owners.get(c), undefined, `${c} declared twice`);
      owners.set(c, t.name);
    }
  }
  assert.equal(new Set(tables.map((t) => t.name)).size, tables.length, 'section names are unique');
  assert.equal(owners.get('kv-reap'), 'kv');
});

test('state tables - system: the first cluster-init wins and survives a snapshot', () => {
  const t = new SystemTable();
  const c = ctx(1);
  assert.deepEqual(t.apply(c, { Type: 'cluster-init', ClusterID: 'a' }), { ok: true, value: 'a' });
  assert.deepEqual(t.apply(ctx(2), { Type: 'cluster-init', ClusterID: 'b' }), { ok: true, value: 'a' });
  assert.deepEqual(c.fired, ['system']);
  const copy = new SystemTable();
  copy.restore(t.snapshot());
  assert.equal(copy.clusterId, 'a');
});

test('state tables - ca: roots get the init index; a second init changes nothing', () => {
  const indexes = new IndexTable();
  const t = new CaTable({ indexes });
  const root = { ID: 'r', Active: true } as never;
  t.apply(ctx(3, indexes), { Type: 'ca-init', Roots: [root], SigningKeyPem: 'k' });
  t.apply(ctx(4, indexes), { Type: 'ca-init', Roots: [], SigningKeyPem: 'other' });
  assert.equal(t.caRoots(undefined).index, 3);
  assert.equal(t.caRoots(undefined).value[0]?.CreateIndex, 3);
  assert.equal(t.signingKeyPem, 'k');
});

test('state tables - config: CAS, and a deleted kind reads its delete index', () => {
  const indexes = new IndexTable();
  const t = new ConfigTable({ indexes });
  const entry = { Kind: 'service-defaults', Name: 'web' };
  assert.deepEqual(t.apply(ctx(1, indexes), { Type: 'config-set', Entry: entry, Cas: 0 }), {
    ok: true,
    value: true,
  });
  assert.deepEqual(t.apply(ctx(2, indexes), { Type: 'config-set', Entry: entry, Cas: 0 }), {
    ok: true,
    value: false,
  });
  assert.deepEqual(
    t.apply(ctx(3, indexes), { Type: 'config-delete', Kind: 'service-defaults', Name: 'web', Cas: 1 }),
    {
      ok: true,
      value: true,
    },
  );
  assert.equal(t.configEntries(undefined, 'service-defaults').index, 3);
  assert.equal(indexes.size, 1, 'only the config-entries table key is left');
});

test('state tables - virtual IPs: fresh addresses first, released ones reused only past the range', () => {
  const t = new VirtualIpTable();
  t.allocate('a');
  t.allocate('b');
  assert.equal(t.address('a'), '240.0.0.1');
  assert.equal(t.address('b'), '240.0.0.2');
  t.release('a');
  t.allocate('c');
  assert.equal(t.address('c'), '240.0.0.3');
  t.restore({ VirtualIPs: [], FreeVirtualIPs: [7], NextVirtualIP: VIRTUAL_IP_RANGE });
  t.allocate('d');
  assert.equal(t.address('d'), '240.0.0.7');
  t.allocate('e');
  assert.equal(t.address('e'), undefined, 'range exhausted: no address rather than a duplicate');
});
