import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../errors/index.js';
import { renderPeering } from './render.js';
import { TestNetwork, type TestCluster } from './testing/cluster.js';
import { peeringState as state, until } from './testing/wait.js';

function imported(c: TestCluster, peer: string, svc: string) {
  return c.store.serviceInstances(undefined, peer, svc).value;
}

async function peer(acceptor: TestCluster, dialer: TestCluster): Promise<void> {
  const token = await acceptor.service.generateToken({
    PeerName: dialer.name,
    Meta: { env: 'test' },
    ServerExternalAddresses: [],
  });
  assert.equal(state(acceptor, dialer.name), 'PENDING');
  await dialer.service.establish({ PeerName: acceptor.name, PeeringToken: token, Meta: {} });
  await until(() => state(dialer, acceptor.name) === 'ACTIVE', 'dialer ACTIVE');
  await until(() => state(acceptor, dialer.name) === 'ACTIVE', 'acceptor ACTIVE');
}

test('peering - establish, replicate both ways, health changes, un-export, delete and re-establish', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  await a.register('web', 'a-node-1');
  await a.register('web', 'a-node-2', 'passing', 'web-2');
  await a.register('db', 'a-node-1');
  await b.register('api', 'b-node-1');
  await a.exportTo('beta', ['web', 'db']);
  await b.exportTo('alpha', ['api']);
  await peer(a, b);

  // A's exports arrive on B with PeerName and a flattened check; B's on A.
  const web = await until(
    () => (imported(b, 'alpha', 'web').length === 2 ? imported(b, 'alpha', 'web') : undefined),
    'web on beta',
  );
  assert.equal(web[0]?.service.PeerName, 'alpha');
  assert.equal(web[0]?.node.PeerName, 'alpha');
  const checks = b.store.instanceChecks(web[0]!.node, web[0]!.service.ID);
  assert.deepEqual(
    checks.map((c) => [c.CheckID, c.Status, c.PeerName]),
    [['web:overall-check', 'passing', 'alpha']],
  );
  await until(() => imported(a, 'beta', 'api').length === 1, 'api on alpha');
  assert.equal(
    b.store.serviceInstances(undefined, '', 'web').value.length,
    0,
    'imports never mix with local data',
  );

  // Health change propagates.
  await a.register('web', 'a-node-1', 'critical');
  await until(() => {
    const inst = imported(b, 'alpha', 'web').find((i) => i.node.Node === 'a-node-1');
    return inst && b.store.instanceChecks(inst.node, inst.service.ID)[0]?.Status === 'critical';
  }, 'critical on beta');

  // Maintenance shows as critical on the importer (Consul loses it: #23311).
  await a.write({
    Type: 'register',
    Node: {
      ID: '',
      Node: 'a-node-2',
      Address: '10.0.0.1',
      Datacenter: 'alpha',
      TaggedAddresses: {},
      Meta: {},
    },
    SkipNodeUpdate: true,
    Service: null,
    Checks: [
      {
        Node: 'a-node-2',
        CheckID: '_service_maintenance:web-2',
        Name: 'Service Maintenance Mode',
        Status: 'critical',
        Notes: 'upgrade',
        Output: '',
        ServiceID: 'web-2',
        ServiceName: 'web',
        ServiceTags: [],
        Type: 'maintenance',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
      },
    ],
  });
  await until(() => {
    const inst = imported(b, 'alpha', 'web').find((i) => i.service.ID === 'web-2');
    const c = inst && b.store.instanceChecks(inst.node, inst.service.ID)[0];
    return c && c.Status === 'critical' && c.Output.includes('maintenance');
  }, 'maintenance → critical on beta');

  // Deregistering an instance and un-exporting a service propagate.
  await a.write({ Type: 'deregister', PeerName: '', Node: 'a-node-2', ServiceID: 'web-2', CheckID: '' });
  await until(() => imported(b, 'alpha', 'web').length === 1, 'instance removed on beta');
  await a.write({
    Type: 'config-set',
    Entry: {
      Kind: 'exported-services',
      Name: 'default',
      Services: [{ Name: 'web', Consumers: [{ Peer: 'beta' }] }],
    },
    Cas: null,
  });
  await until(() => imported(b, 'alpha', 'db').length === 0, 'db un-exported on beta');
  const bp = renderPeering(b.store.peering(undefined, 'alpha').value!, b.tracker);
  assert.deepEqual((bp['StreamStatus'] as { ImportedServices: string[] }).ImportedServices, ['web']);
  const ap = renderPeering(a.store.peering(undefined, 'beta').value!, a.tracker);
  assert.deepEqual((ap['StreamStatus'] as { ExportedServices: string[] }).ExportedServices, ['web']);
  assert.equal(
    typeof (ap['Diagnostics'] as { ReplicationLagMs: { Last: number } }).ReplicationLagMs.Last,
    'number',
  );

  // Delete on the acceptor: it is removed there; the dialer goes TERMINATED and drops its imports.
  await a.service.delete('beta');
  await until(() => a.store.peering(undefined, 'beta').value === null, 'acceptor record removed');
  await until(() => state(b, 'alpha') === 'TERMINATED', 'dialer TERMINATED');
  assert.equal(imported(b, 'alpha', 'web').length, 0);
  assert.equal(imported(a, 'beta', 'api').length, 0);
  assert.equal(b.store.nodes(undefined, 'alpha').value.length, 0, 'no imported nodes left');

  // After both deletes, a new token re-establishes cleanly.
  await b.service.delete('alpha');
  await until(() => b.store.peering(undefined, 'alpha').value === null, 'dialer record removed');
  await peer(a, b);
  await until(() => imported(b, 'alpha', 'web').length === 1, 'web back on beta');
});

test('peering - tokens are single-use; regenerating voids an unused token; own tokens are refused', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  const c = await net.cluster('gamma');
  const old = await a.service.generateToken({ PeerName: 'beta', Meta: {}, ServerExternalAddresses: [] });
  const fresh = await a.service.generateToken({ PeerName: 'beta', Meta: {}, ServerExternalAddresses: [] });
  await assert.rejects(
    b.service.establish({ PeerName: 'alpha', PeeringToken: old, Meta: {} }),
    (err: unknown) => {
      return (
        err instanceof AppError &&
        err.httpStatus === 403 &&
        /a new peering token must be generated/.test(err.message)
      );
    },
  );
  await b.service.establish({ PeerName: 'alpha', PeeringToken: fresh, Meta: {} });
  await until(() => state(b, 'alpha') === 'ACTIVE', 'ACTIVE');
  // The same token again (from another cluster) is refused.
  await assert.rejects(
    c.service.establish({ PeerName: 'alpha', PeeringToken: fresh, Meta: {} }),
    (err: unknown) => {
      return err instanceof AppError && err.httpStatus === 403;
    },
  );
  // Regenerating for a live peering does not break its stream.
  await a.service.generateToken({ PeerName: 'beta', Meta: {}, ServerExternalAddresses: [] });
  assert.equal(state(b, 'alpha'), 'ACTIVE');
  // A cluster cannot peer with itself.
  const own = await a.service.generateToken({ PeerName: 'self', Meta: {}, ServerExternalAddresses: [] });
  await assert.rejects(
    a.service.establish({ PeerName: 'self2', PeeringToken: own, Meta: {} }),
    /within the same cluster/,
  );
  await assert.rejects(
    a.service.generateToken({ PeerName: 'Bad_Name', Meta: {}, ServerExternalAddresses: [] }),
    /not a valid peer name/,
  );
});

test('peering - an unreachable acceptor makes the dialer FAILING with a reason, and it converges when back', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha', { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 300 });
  const b = await net.cluster('beta', { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 300 });
  await a.register('web', 'n1');
  await a.exportTo('beta', ['web']);
  await peer(a, b);
  await until(() => imported(b, 'alpha', 'web').length === 1, 'web on beta');
  a.setReachable(false);
  // Kill the live stream by stopping the acceptor's manager (as a crash would).
  await a.manager.close();
  await until(() => state(b, 'alpha') === 'FAILING', 'FAILING');
  const diag = renderPeering(b.store.peering(undefined, 'alpha').value!, b.tracker)['Diagnostics'] as Record<
    string,
    unknown
  >;
  assert.ok(typeof diag['Reason'] === 'string' && diag['Reason'] !== '', JSON.stringify(diag));
  assert.ok(typeof diag['Message'] === 'string' && diag['Message'] !== '');
  assert.equal(diag['LastAttemptAddress'], 'alpha:8503');
  assert.equal(imported(b, 'alpha', 'web').length, 1, 'imported data is kept while FAILING');
});

test('peering - a silent stream is dropped after the heartbeat timeout and the dialer reconnects', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const opts = { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 250 };
  const a = await net.cluster('alpha', opts);
  const b = await net.cluster('beta', opts);
  await peer(a, b);
  const firstStream = a.accepted[a.accepted.length - 1]!;
  // The acceptor's messages stop reaching the dialer: no heartbeats arrive.
  firstStream.blackhole();
  // Only the dialer's heartbeat timeout can end its stream here; it then dials again at once (the lost stream
  // had lived past the backoff cap), and the peering is ACTIVE on a new stream. The HEARTBEAT_TIMEOUT reason is
  // visible only between the two, so it is not polled for.
  await until(() => a.accepted.length >= 2 && state(b, 'alpha') === 'ACTIVE', 'reconnected');
  const s = b.tracker.get(b.store.peering(undefined, 'alpha').value!.ID);
  assert.ok(s?.disconnectTime !== undefined, 'the first stream was dropped');
});

test('peering - a service of 20,000 instances of 5 KB replicates in parts below the 4 MiB message cliff', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  const meta: Record<string, string> = {};
  for (let k = 0; k < 10; k++) meta[`k${k}`] = 'x'.repeat(500);
  for (let i = 0; i < 20_000; i++) {
    await a.write({
      Type: 'register',
      Node: {
        ID: '',
        Node: `n${i}`,
        Address: '10.0.0.1',
        Datacenter: 'alpha',
        TaggedAddresses: {},
        Meta: {},
      },
      SkipNodeUpdate: false,
      Service: {
        Kind: '',
        ID: 'big',
        Service: 'big',
        Tags: [],
        Address: '',
        Meta: meta,
        Port: 80,
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      Checks: [],
    });
  }
  await a.exportTo('beta', ['big']);
  await peer(a, b);
  await until(() => imported(b, 'alpha', 'big').length === 20_000, 'all 20,000 instances on beta', 60_000);
  // Every message the exporter sent stayed far below Consul's 4 MiB receive limit.
  const stream = a.accepted[a.accepted.length - 1]!;
  const sizes = stream.sent.filter((m) => m.kind === 'response').map((m) => JSON.stringify(m).length);
  assert.ok(sizes.length > 50, `sent in ${sizes.length} parts`);
  assert.ok(Math.max(...sizes) < 2 * 1024 * 1024, `largest message ${Math.max(...sizes)} bytes`);
  assert.equal(imported(b, 'alpha', 'big')[0]?.service.Meta['k9']?.length, 500);
});

test('peering - peers that announce no extensions (Consul) get one message per service', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha', { features: { chunkedExports: false } });
  const b = await net.cluster('beta');
  const meta: Record<string, string> = {};
  for (let k = 0; k < 10; k++) meta[`k${k}`] = 'x'.repeat(500);
  for (let i = 0; i < 500; i++) {
    await a.write({
      Type: 'register',
      Node: {
        ID: '',
        Node: `n${i}`,
        Address: '10.0.0.1',
        Datacenter: 'alpha',
        TaggedAddresses: {},
        Meta: {},
      },
      SkipNodeUpdate: false,
      Service: {
        Kind: '',
        ID: 'mid',
        Service: 'mid',
        Tags: [],
        Address: '',
        Meta: meta,
        Port: 80,
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      Checks: [],
    });
  }
  await a.exportTo('beta', ['mid']);
  await peer(a, b);
  await until(() => imported(b, 'alpha', 'mid').length === 500, 'all 500 instances on beta');
  const responses = a.accepted[a.accepted.length - 1]!.sent.filter(
    (m) => m.kind === 'response' && m.resourceId.startsWith('mid'),
  );
  assert.equal(responses.length, 1, 'a peer without the extension gets Consul’s single message');
  assert.equal(responses[0]?.kind === 'response' ? responses[0].resourceId : '', 'mid');
});

test('peering - deleting while the stream is already gone neither crashes nor leaves the record', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  await peer(a, b);
  // The acceptor's side of the stream dies without telling anyone; then the acceptor deletes the peering.
  a.accepted[a.accepted.length - 1]!.end();
  await a.service.delete('beta');
  await until(() => a.store.peering(undefined, 'beta').value === null, 'record removed');
});
