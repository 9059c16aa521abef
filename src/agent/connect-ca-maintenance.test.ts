/**
 * The CA manager's maintenance on a real store with a fake clock: `RotationPeriod` rotates once the active root
 * is that old, and rotated-out roots are pruned once twice `LeafCertTTL` has passed, never before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FakeClock } from '../lib/testing/fake-clock.js';
import { Writable } from 'node:stream';

import { generateRootCA } from '../connect/index.js';
import { createLogger, silentLogger, type Logger } from '../logging/index.js';
import { StateStore, type Command } from '../state/index.js';
import { ConnectCAManager } from './connect-ca.js';

const H = 3_600_000;

async function setup(
  agentCaConfig: Record<string, unknown>,
  logger: Logger = silentLogger(),
): Promise<{
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
  const ca = new ConnectCAManager({ store, write, logger, datacenter: 'dc1', clock });
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

/** A JSON logger whose lines the test reads back. */
function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n'))
        if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ json: true, level: 'info', destination }), lines };
}

test('connect CA maintenance - a scheduled rotation cross-signs even after a forced one, and logs why at INFO', async () => {
  const { logger, lines } = capturingLogger();
  const { store, clock, ca } = await setup({ leaf_cert_ttl: '24h' }, logger);
  // One forced rotation (the flag is stored with the configuration) that also turns RotationPeriod on.
  await ca.setConfiguration({
    Provider: 'consul',
    Config: { LeafCertTTL: '24h', RotationPeriod: '48h', PrivateKeyBits: 384 },
    ForceWithoutCrossSigning: true,
  });
  assert.equal(store.caConfig(undefined).value?.ForceWithoutCrossSigning, true);
  const forced = store.caRoots(undefined).value.find((r) => r.Active);
  assert.ok(forced);
  assert.equal(forced.IntermediateCerts, undefined, 'the forced rotation skipped cross-signing');
  assert.ok(
    lines.some((l) => l['level'] === 30 && String(l['msg']).startsWith('CA RotationPeriod set: ')),
    'setting RotationPeriod says what it does',
  );

  await clock.advance(Date.parse(forced.NotBefore) + 48 * H - clock.now());
  await ca.tick();
  const active = store.caRoots(undefined).value.find((r) => r.Active);
  assert.ok(active && active.ID !== forced.ID, 'rotated on schedule');
  assert.equal(
    active.IntermediateCerts?.length,
    1,
    'cross-signed by the forced root despite the stored flag',
  );
  const rotated = lines.find(
    (l) => l['msg'] === 'CA rotated to new root under provider' && l['root_id'] === active.ID,
  );
  assert.equal(rotated?.['level'], 30, 'INFO');
  assert.equal(rotated['cross_signed'], true);
  assert.match(
    String(rotated['reason']),
    /^RotationPeriod \(48h\) elapsed since the active root's NotBefore/,
  );
});

test('connect CA maintenance - RotationPeriod never rotates away from an operator RootCert', async () => {
  const { store, clock, ca } = await setup({ leaf_cert_ttl: '24h' });
  const op = await generateRootCA({ clusterId: '11111111-2222-3333-4444-555555555555', datacenter: 'dc1' });
  await ca.setConfiguration({
    Provider: 'consul',
    Config: {
      LeafCertTTL: '24h',
      RotationPeriod: '48h',
      RootCert: op.root.RootCert,
      PrivateKey: op.signingKeyPem,
    },
    ForceWithoutCrossSigning: false,
  });
  // Only the prune of the replaced root is scheduled (its rotation would come first, at the root's NotBefore + 48 h).
  assert.equal(ca.nextDue(), clock.now() + 48 * H + 1);
  await clock.advance(100 * H);
  assert.ok(!ca.rotationDue(clock.now()));
  await ca.tick();
  const after = store.caRoots(undefined).value;
  assert.deepEqual(
    after.map((r) => r.ID),
    [op.root.ID],
    'still the operator root, alone once the old one was pruned',
  );
  assert.equal(ca.nextDue(), undefined);
});
