import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateRootCA, rootPems } from '../connect/index.js';
import { TestNetwork } from './testing/cluster.js';
import { peeringState as state, until } from './testing/wait.js';

test('peering trust bundle - a root rotation on the exporter is re-sent and replaces the importer stored bundle', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  const token = await b.service.generateToken({ PeerName: 'a', Meta: {}, ServerExternalAddresses: [] });
  await a.service.establish({ PeerName: 'b', PeeringToken: token, Meta: {} });
  await until(() => state(a, 'b') === 'ACTIVE' && state(b, 'a') === 'ACTIVE', 'peering ACTIVE');

  const before = rootPems(b.store.caRoots(undefined).value);
  const first = await until(() => a.store.trustBundle(undefined, 'b').value ?? false, 'bundle stored');
  assert.deepEqual(first.RootPEMs, before);
  assert.equal(first.PeerName, 'b');
  assert.equal(first.TrustDomain, `${b.store.clusterId}.consul`.toLowerCase());

  const active = b.store.caRoots(undefined).value.find((r) => r.Active);
  const next = await generateRootCA({ clusterId: b.store.clusterId, datacenter: 'beta' });
  const r = await b.write({
    Type: 'ca-rotate',
    Config: { Provider: 'consul', Config: {}, ForceWithoutCrossSigning: true },
    Root: next.root,
    SigningKeyPem: next.signingKeyPem,
    ExpectedActiveRootID: active?.ID ?? '',
    RotatedOutAt: new Date().toISOString(),
  });
  assert.equal(r.result.ok, true, r.result.ok ? '' : r.result.error);
  const after = rootPems(b.store.caRoots(undefined).value);
  assert.equal(after.length, 2, 'the old root stays listed next to the new one');

  const stored = await until(() => {
    const tb = a.store.trustBundle(undefined, 'b').value;
    return tb && tb.RootPEMs.length === 2 ? tb : false;
  }, 'rotated bundle on alpha');
  assert.deepEqual(stored.RootPEMs, after);
  assert.ok(stored.ModifyIndex > first.ModifyIndex);
  assert.equal(stored.CreateIndex, first.CreateIndex);
  assert.deepEqual(a.store.peering(undefined, 'b').value?.PeerCAPems, after, 'GET /v1/peering/b shows them');
});
