import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CARootRecord } from '../../types/index.js';
import { IndexTable } from '../index-table.js';
import type { ApplyContext } from '../table.js';
import { CaTable, MAX_CA_ROOTS, type CAConfigInput } from './ca.js';

function ctx(index: number, indexes: IndexTable): ApplyContext & { fired: string[] } {
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
    retire: (k) => indexes.retire(k),
  };
}

function root(id: string): CARootRecord {
  return {
    ID: id,
    Name: 'Consul CA Primary Cert',
    SerialNumber: 1,
    SigningKeyID: 'aa',
    NotBefore: '2026-01-01T00:00:00Z',
    NotAfter: '2036-01-01T00:00:00Z',
    RootCert: `pem-${id}\n`,
    Active: true,
    PrivateKeyType: 'ec',
    PrivateKeyBits: 256,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

const CONFIG: CAConfigInput = {
  Provider: 'consul',
  Config: { LeafCertTTL: '72h' },
  ForceWithoutCrossSigning: false,
};

function bootstrapped(): { t: CaTable; indexes: IndexTable } {
  const indexes = new IndexTable();
  const t = new CaTable({ indexes });
  t.apply(ctx(2, indexes), { Type: 'ca-init', Roots: [root('r1')], SigningKeyPem: 'k1', Config: CONFIG });
  return { t, indexes };
}

test('state tables - ca: ca-init stores the first root, key and configuration', () => {
  const { t } = bootstrapped();
  assert.equal(t.caConfig(undefined).index, 2);
  assert.deepEqual(t.caConfig(undefined).value, { ...CONFIG, State: null, CreateIndex: 2, ModifyIndex: 2 });
  assert.equal(t.signingKeyPem, 'k1');
});

test('state tables - ca: a config change moves ca-config, never ca-roots (trust bundles are not re-sent)', () => {
  const { t, indexes } = bootstrapped();
  const c = ctx(5, indexes);
  t.apply(c, { Type: 'ca-set-config', Config: { ...CONFIG, Config: { LeafCertTTL: '24h' } } });
  assert.deepEqual(c.fired, ['ca-config']);
  assert.equal(t.caRoots(undefined).index, 2);
  assert.deepEqual(t.caConfig(undefined).value?.Config, { LeafCertTTL: '24h' });
  assert.equal(t.caConfig(undefined).value?.CreateIndex, 2);
  assert.equal(t.caConfig(undefined).value?.ModifyIndex, 5);
});

test('state tables - ca: a rotation keeps the old root inactive, activates the new one and swaps the key', () => {
  const { t, indexes } = bootstrapped();
  const c = ctx(7, indexes);
  const r = t.apply(c, {
    Type: 'ca-rotate',
    Config: CONFIG,
    Root: { ...root('r2'), IntermediateCerts: ['xc\n'] },
    SigningKeyPem: 'k2',
    ExpectedActiveRootID: 'r1',
    RotatedOutAt: '2026-02-01T00:00:00Z',
  });
  assert.equal(r.ok, true);
  assert.deepEqual(c.fired, ['ca-roots', 'ca-config']);
  const roots = t.caRoots(undefined).value;
  assert.deepEqual(
    roots.map((x) => [x.ID, x.Active, x.RotatedOutAt, x.CreateIndex, x.ModifyIndex]),
    [
      ['r1', false, '2026-02-01T00:00:00Z', 2, 7],
      ['r2', true, undefined, 7, 7],
    ],
  );
  assert.deepEqual(roots[1]?.IntermediateCerts, ['xc\n']);
  assert.equal(t.signingKeyPem, 'k2');
});

test('state tables - ca: a rotation against a stale active root is refused and changes nothing', () => {
  const { t, indexes } = bootstrapped();
  const before = t.snapshot();
  const c = ctx(8, indexes);
  const r = t.apply(c, {
    Type: 'ca-rotate',
    Config: CONFIG,
    Root: root('r3'),
    SigningKeyPem: 'k3',
    ExpectedActiveRootID: 'not-r1',
    RotatedOutAt: '2026-02-01T00:00:00Z',
  });
  assert.equal(r.ok, false);
  assert.equal(r.ok ? '' : r.code, 'ENT_ERR_CONFLICT');
  assert.deepEqual(c.fired, []);
  assert.deepEqual(t.snapshot(), before);
});

test('state tables - ca: prune drops inactive roots only, and moves ca-roots only when it dropped one', () => {
  const { t, indexes } = bootstrapped();
  t.apply(ctx(3, indexes), {
    Type: 'ca-rotate',
    Config: CONFIG,
    Root: root('r2'),
    SigningKeyPem: 'k2',
    ExpectedActiveRootID: 'r1',
    RotatedOutAt: '2026-02-01T00:00:00Z',
  });
  const noop = ctx(4, indexes);
  t.apply(noop, { Type: 'ca-prune', RootIDs: ['r2', 'unknown'] });
  assert.deepEqual(noop.fired, []);
  const c = ctx(5, indexes);
  t.apply(c, { Type: 'ca-prune', RootIDs: ['r1'] });
  assert.deepEqual(c.fired, ['ca-roots']);
  assert.deepEqual(
    t.caRoots(undefined).value.map((x) => x.ID),
    ['r2'],
  );
});

test('state tables - ca: the configuration survives a snapshot; a section written before it restores without one', () => {
  const { t } = bootstrapped();
  const copy = new CaTable({ indexes: new IndexTable() });
  copy.restore(JSON.parse(JSON.stringify(t.snapshot())));
  assert.deepEqual(copy.caConfig(undefined).value, t.caConfig(undefined).value);
  const old = new CaTable({ indexes: new IndexTable() });
  old.restore({ CARoots: [root('r1')], CASigningKeyPem: 'k1' });
  assert.equal(old.caConfig(undefined).value, undefined);
  assert.equal(old.caRoots(undefined).value.length, 1);
});

test('state tables - ca: a rotation past MAX_CA_ROOTS drops the oldest inactive roots, never the active one', () => {
  const { t, indexes } = bootstrapped();
  let active = 'r1';
  const dropped: unknown[] = [];
  for (let i = 2; i <= MAX_CA_ROOTS + 2; i++) {
    const r = t.apply(ctx(10 + i, indexes), {
      Type: 'ca-rotate',
      Config: CONFIG,
      Root: root(`r${String(i)}`),
      SigningKeyPem: `k${String(i)}`,
      ExpectedActiveRootID: active,
      RotatedOutAt: '2026-02-01T00:00:00Z',
    });
    assert.equal(r.ok, true);
    dropped.push(r.ok ? r.value : undefined);
    active = `r${String(i)}`;
  }
  const ids = t.caRoots(undefined).value.map((x) => x.ID);
  assert.equal(ids.length, MAX_CA_ROOTS);
  assert.deepEqual(ids.slice(0, 2), ['r3', 'r4']);
  assert.equal(ids.at(-1), active);
  assert.equal(t.caRoots(undefined).value.filter((x) => x.Active).length, 1);
  assert.deepEqual(dropped.slice(-3), [{ dropped: [] }, { dropped: ['r1'] }, { dropped: ['r2'] }]);
});
