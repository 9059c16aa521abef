/**
 * The CA manager's maintenance on a real store with a fake clock: `RotationPeriod` rotates once the active root
 * is that old, and rotated-out roots are pruned once twice `LeafCertTTL` has passed, never before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FakeClock } from '../lib/testing/fake-clock.js';
import { silentLogger } from '../logging/index.js';
import { StateStore, type Command } from '../state/index.js';
import { ConnectCAManager } from './connect-ca.js';

const H = 3_600_000;

async function setup(agentCaConfig: Record<string, unknown>): Promise<{
  store: StateStore;
  clock: FakeClock;
  ca: ConnectCAManager;
}> {
  const store = new StateStore();
  let index = 0;
  const write = (cmd: Command) => {
    const result = store.apply(++index, cmd);
    return Promise.resolve({ index, result });
  };
  await write({ Type: 'cluster-init', ClusterID: '11111111-2222-3333-4444-555555555555' });
  const clock = new FakeClock(Date.parse('2026-01-01T00:00:00Z'));
  const ca = new ConnectCAManager({ store, write, logger: silentLogger(), datacenter: 'dc1', clock });
  await ca.bootstrap(agentCaConfig);
  return { store, clock, ca };
}

test('connect CA maintenance - RotationPeriod rotates once the active root is that old, cross-signed', async () => {
  const { store, clock, ca } = await setup({ rotation_period: '720h', leaf_cert_ttl: '24h' });
  const first = store.caRoots(undefined).value[0];
  assert.ok(first);
  assert.equal(ca.nextDue(), Date.parse(first.NotBefore) + 720 * H);

  await clock.advance(Date.parse(first.NotBefore) + 720 * H - 1 - clock.now());
  await ca.tick();
  assert.equal(store.caRoots(undefined).value.length, 1);

  await clock.advance(Date.parse(first.NotBefore) + 720 * H - clock.now());
  await ca.tick();
  const roots = store.caRoots(undefined).value;
  assert.equal(roots.length, 2);
  assert.equal(roots[0]?.Active, false);
  assert.equal(roots[1]?.Active, true);
  assert.equal(roots[1]?.IntermediateCerts?.length, 1);
  assert.equal(roots[0]?.RotatedOutAt, new Date(clock.now()).toISOString());
});

test('connect CA maintenance - a rotated-out root is pruned after twice LeafCertTTL, not before', async () => {
  const { store, clock, ca } = await setup({ leaf_cert_ttl: '24h' });
  const first = store.caRoots(undefined).value[0];
  assert.ok(first);
  assert.equal(ca.nextDue(), undefined);
  const rotatedAt = clock.now();
  await ca.rotate('test');
  assert.equal(ca.nextDue(), rotatedAt + 48 * H + 1);

  await clock.advance(rotatedAt + 48 * H - clock.now());
  await ca.tick();
  assert.equal(store.caRoots(undefined).value.length, 2);

  await clock.advance(rotatedAt + 48 * H + 1 - clock.now());
  const before = store.caRoots(undefined).index;
  await ca.tick();
  const roots = store.caRoots(undefined);
  assert.deepEqual(
    roots.value.map((r) => r.Active),
    [true],
  );
  assert.notEqual(roots.value[0]?.ID, first.ID);
  assert.ok(roots.index > before, 'a prune moves the roots index (peers re-read their trust bundle)');
});

test('connect CA maintenance - concurrent configuration changes are serialised: one rotation each, no conflict', async () => {
  const { store, ca } = await setup({});
  await Promise.all([
    ca.setConfiguration({
      Provider: 'consul',
      Config: { PrivateKeyBits: 384 },
      ForceWithoutCrossSigning: false,
    }),
    ca.setConfiguration({
      Provider: 'consul',
      Config: { PrivateKeyBits: 521 },
      ForceWithoutCrossSigning: false,
    }),
  ]);
  const roots = store.caRoots(undefined).value;
  assert.deepEqual(
    roots.map((r) => [r.Active, r.PrivateKeyBits]),
    [
      [false, 256],
      [false, 384],
      [true, 521],
    ],
  );
});

test('connect CA maintenance - ForceWithoutCrossSigning rotates without a cross-signed intermediate', async () => {
  const { store, ca } = await setup({});
  await ca.setConfiguration({
    Provider: 'consul',
    Config: { PrivateKeyBits: 384 },
    ForceWithoutCrossSigning: true,
  });
  const active = store.caRoots(undefined).value.find((r) => r.Active);
  assert.equal(active?.PrivateKeyBits, 384);
  assert.equal(active.IntermediateCerts, undefined);
  assert.equal(store.caConfig(undefined).value?.ForceWithoutCrossSigning, true);
});
