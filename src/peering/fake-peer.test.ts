// A scripted peer drives the acceptor's stream with hostile input: every bad message gets a clear error or a
// NACK, and the importer never writes outside that peer's data or loses what it had.
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePeeringToken } from './token.js';
import { STREAM_CODE, TYPE_URL, type ReplicationMessage } from './messages.js';
import { memoryStreamPair, type MemoryStream } from './testing/memory-stream.js';
import { TestNetwork, type TestCluster } from './testing/cluster.js';
import { DEFAULT_STREAM_LIMITS, type StreamLimits } from './stream-limits.js';
import { FakeClock } from '../lib/testing/fake-clock.js';
import type { Clock } from '../lib/clock.js';
import { createLogger, type Logger } from '../logging/index.js';
import type { Command } from '../state/index.js';
import { until } from './testing/wait.js';

async function recvUntil(
  s: MemoryStream,
  pred: (m: ReplicationMessage) => boolean,
): Promise<ReplicationMessage> {
  for (;;) {
    const m = await s.recv();
    if (m === null) throw new Error('stream ended');
    if (pred(m)) return m;
  }
}

/** The remote a hostile peer claims in its `open`. */
const EVIL = { Partition: '', Datacenter: 'evil' };

/** Opens an authenticated stream to `a` as the scripted peer: `a` accepts `theirs`; the test drives `mine`. */
async function openStream(
  a: Awaited<ReturnType<typeof setup>>['a'],
  peerId: string,
  secret: string,
  remote?: typeof EVIL,
): Promise<{ mine: MemoryStream; theirs: MemoryStream }> {
  const [mine, theirs] = memoryStreamPair();
  void a.manager.accept(theirs);
  await mine.send({ kind: 'open', peerId, streamSecretId: secret, remote });
  return { mine, theirs };
}

async function setup(
  t: { after(fn: () => Promise<void>): void },
  streamLimits: Partial<StreamLimits> = {},
  more: { clock?: Clock; logger?: Logger; beforeCommit?: (cmd: Command) => Promise<void> } = {},
): Promise<{ a: TestCluster; secret: string; peerId: string }> {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha', { streamLimits, ...more });
  await a.register('web', 'shared-node');
  const token = decodePeeringToken(
    await a.service.generateToken({ PeerName: 'evil', Meta: {}, ServerExternalAddresses: [] }),
  );
  const secret = await a.manager.exchangeSecret({
    PeerID: token.PeerID,
    EstablishmentSecret: token.EstablishmentSecret,
  });
  return { a, secret, peerId: token.PeerID };
}

function instance(service: string, node = 'shared-node') {
  return {
    Node: { ID: '', Node: node, Address: '6.6.6.6', Datacenter: 'evil', TaggedAddresses: {}, Meta: {} },
    Service: {
      Kind: '' as const,
      ID: service,
      Service: service,
      Tags: [],
      Address: '',
      Meta: {},
      Port: 1,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    },
    Checks: [],
  };
}

test('fake peer - Open is checked: first message, unknown peer, bad secret, reused establishment secret', async (t) => {
  const { a, peerId } = await setup(t);
  const cases: [ReplicationMessage, number, RegExp][] = [
    [
      { kind: 'heartbeat' },
      STREAM_CODE.invalidArgument,
      /first message when initiating a peering must be: Open/,
    ],
    [
      { kind: 'open', peerId: '', streamSecretId: 'x', remote: undefined },
      STREAM_CODE.invalidArgument,
      /must specify a PeerID/,
    ],
    [
      { kind: 'open', peerId: 'nope', streamSecretId: 'x', remote: undefined },
      STREAM_CODE.invalidArgument,
      /unknown PeerID/,
    ],
    [
      { kind: 'open', peerId, streamSecretId: 'wrong', remote: undefined },
      STREAM_CODE.permissionDenied,
      /invalid peering stream secret/,
    ],
  ];
  for (const [first, code, re] of cases) {
    const [mine, theirs] = memoryStreamPair();
    const done = a.manager.accept(theirs);
    await mine.send(first);
    await done;
    assert.equal(theirs.failedWith?.grpcCode, code);
    assert.match(theirs.failedWith?.message ?? '', re);
  }
  await assert.rejects(
    a.manager.exchangeSecret({ PeerID: peerId, EstablishmentSecret: 'guess' }),
    /invalid peering establishment secret/,
  );
});

test('fake peer - hostile responses are NACKed and never touch local or other data', async (t) => {
  const { a, secret, peerId } = await setup(t);
  const { mine, theirs } = await openStream(a, peerId, secret, EVIL);
  let nonce = 0;
  const respond = async (
    msg: Omit<Extract<ReplicationMessage, { kind: 'response' }>, 'kind' | 'nonce'> & { nonce?: string },
  ) => {
    nonce += 1;
    const n = msg.nonce ?? `n${nonce}`;
    await mine.send({ kind: 'response', ...msg, nonce: n });
    const reply = await recvUntil(mine, (m) => m.kind === 'request' && m.responseNonce === n);
    return reply.kind === 'request' ? reply.error : undefined;
  };
  const web = { type: 'exported-service' as const, nodes: [instance('web')] };

  assert.equal(
    (
      await respond({
        resourceUrl: 'type.googleapis.com/evil.Thing',
        resourceId: 'x',
        resource: web,
        operation: 1,
      })
    )?.code,
    3,
  );
  assert.match(
    (await respond({ resourceUrl: TYPE_URL.exportedService, resourceId: 'web', resource: web, operation: 2 }))
      ?.message ?? '',
    /unsupported operation/,
  );
  assert.match(
    (
      await respond({
        resourceUrl: TYPE_URL.exportedService,
        resourceId: 'web',
        resource: undefined,
        operation: 1,
      })
    )?.message ?? '',
    /no content/,
  );
  const undecodable = await respond({
    resourceUrl: TYPE_URL.exportedService,
    resourceId: 'web',
    resource: { type: 'undecodable', typeUrl: TYPE_URL.trustBundle, error: 'type URL does not match' },
    operation: 1,
  });
  assert.equal(undecodable?.code, 13);
  // An instance of another service smuggled under ResourceID "web".
  const smuggled = await respond({
    resourceUrl: TYPE_URL.exportedService,
    resourceId: 'web',
    resource: { type: 'exported-service', nodes: [instance('web'), instance('db')] },
    operation: 1,
  });
  assert.match(smuggled?.message ?? '', /belongs to service "db"/);
  assert.equal(
    a.store.serviceInstances(undefined, 'evil', 'web').value.length,
    0,
    'a NACKed resource writes nothing',
  );
  // A resource of one type under another's URL.
  const mismatched = await respond({
    resourceUrl: TYPE_URL.exportedServiceList,
    resourceId: 'web',
    resource: web,
    operation: 1,
  });
  assert.equal(mismatched?.code, 13);

  // A valid resource is ACKed and lands only under the peer's name, even on a node name that exists locally.
  assert.equal(
    await respond({ resourceUrl: TYPE_URL.exportedService, resourceId: 'web', resource: web, operation: 1 }),
    undefined,
  );
  const imported = a.store.serviceInstances(undefined, 'evil', 'web').value;
  assert.equal(imported.length, 1);
  assert.equal(imported[0]?.node.Address, '6.6.6.6');
  const local = a.store.serviceInstances(undefined, '', 'web').value;
  assert.equal(local.length, 1);
  assert.equal(local[0]?.node.Address, '10.0.0.1', 'the local node with the same name is untouched');
  assert.equal(local[0]?.service.PeerName, undefined);

  // A subscription to an unknown resource type ends the stream with InvalidArgument.
  await mine.send({
    kind: 'request',
    peerId: '',
    responseNonce: '',
    resourceUrl: 'type.googleapis.com/evil.Thing',
    error: undefined,
  });
  await recvUntil(mine, () => false).catch(() => undefined);
  assert.equal(theirs.failedWith?.grpcCode, STREAM_CODE.invalidArgument);
  assert.match(theirs.failedWith?.message ?? '', /unknown resource URL/);
});

test('fake peer - an empty or unparsable trust bundle is NACKed and never replaces the CA roots', async (t) => {
  const { a, secret, peerId } = await setup(t);
  const { mine } = await openStream(a, peerId, secret, EVIL);
  const before = a.store.peeringById(peerId)!.PeerCAPems;
  for (const [n, rootPems] of [
    ['b1', []],
    ['b2', ['-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n']],
  ] as const) {
    await mine.send({
      kind: 'response',
      nonce: n,
      resourceUrl: TYPE_URL.trustBundle,
      resourceId: 'roots',
      resource: {
        type: 'trust-bundle',
        trustDomain: 'evil.consul',
        rootPems: [...rootPems],
        exportedPartition: '',
      },
      operation: 1,
    });
    const reply = await recvUntil(mine, (m) => m.kind === 'request' && m.responseNonce === n);
    assert.ok(reply.kind === 'request' && reply.error, `bundle ${n} is NACKed`);
  }
  assert.deepEqual(a.store.peeringById(peerId)!.PeerCAPems, before);
  assert.equal(a.store.trustBundle(undefined, 'evil').value, null);
});

test('fake peer - chunked exports are bounded: too many parts or too many partial services are NACKed', async (t) => {
  const { a, secret, peerId } = await setup(t);
  const { mine } = await openStream(a, peerId, secret, EVIL);
  const part = async (id: string, n: string) => {
    await mine.send({
      kind: 'response',
      nonce: n,
      resourceUrl: TYPE_URL.exportedService,
      resourceId: id,
      resource: { type: 'exported-service', nodes: [] },
      operation: 1,
    });
    const reply = await recvUntil(mine, (m) => m.kind === 'request' && m.responseNonce === n);
    return reply.kind === 'request' ? reply.error : undefined;
  };
  assert.match((await part('web\u00001/999999', 'x1'))?.message ?? '', /exceeds the limit/);
  const max = DEFAULT_STREAM_LIMITS.chunkAssemblyMaxServices;
  for (let i = 0; i < max; i++) assert.equal(await part(`svc${i}\u00001/2`, `p${i}`), undefined);
  assert.match((await part('one-too-many\u00001/2', 'p-over'))?.message ?? '', /partly received/);
  // Completing one frees its place.
  assert.equal(await part('svc0\u00002/2', 'p-done'), undefined);
  assert.equal(await part('now-fits\u00001/2', 'p-fits'), undefined);
});

test('fake peer - a chunked service not completed within chunk_assembly_timeout is dropped, logged and counted', async (t) => {
  const clock = new FakeClock();
  const lines: Record<string, unknown>[] = [];
  const out = new PassThrough();
  out.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n'))
      if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const logger = createLogger({ json: true, level: 'warn', destination: out });
  const { a, secret, peerId } = await setup(t, { chunkAssemblyTimeoutMs: 10_000 }, { clock, logger });
  const { mine } = await openStream(a, peerId, secret);
  const part = async (id: string, n: string) => {
    await mine.send({
      kind: 'response',
      nonce: n,
      resourceUrl: TYPE_URL.exportedService,
      resourceId: id,
      resource: { type: 'exported-service', nodes: [instance('big', `node-${n}`)] },
      operation: 1,
    });
    const reply = await recvUntil(mine, (m) => m.kind === 'request' && m.responseNonce === n);
    return reply.kind === 'request' ? reply.error : undefined;
  };
  const local = a.store.peerings(undefined).value[0]?.ID ?? '';
  assert.equal(await part('big\u00001/2', 'b1'), undefined);
  await clock.advance(9_999);
  assert.equal(a.tracker.get(local)?.chunkAssembliesEvicted, 0, 'not old enough yet');
  // The peer sends nothing more: the timer drops the held part.
  await clock.advance(1);
  assert.equal(a.tracker.get(local)?.chunkAssembliesEvicted, 1);
  const warn = lines.find((l) => String(l['msg']).includes('chunk_assembly_timeout'));
  assert.ok(warn, JSON.stringify(lines));
  assert.equal(warn['service'], 'big');
  assert.equal(warn['parts_received'], 1);
  assert.equal(warn['age_ms'], 10_000);
  // The rest of that update alone no longer completes the service.
  assert.equal(await part('big\u00002/2', 'b2'), undefined);
  assert.equal(a.store.serviceInstances(undefined, 'evil', 'big').value.length, 0);
  // A whole update in time is applied.
  assert.equal(await part('big\u00001/2', 'c1'), undefined);
  assert.equal(await part('big\u00002/2', 'c2'), undefined);
  assert.equal(a.store.serviceInstances(undefined, 'evil', 'big').value.length, 2);
});

test('fake peer - a chunked service is bounded in bytes while assembling; the parts so far are dropped', async (t) => {
  const { a, secret, peerId } = await setup(t, { chunkAssemblyMaxBytes: 4096 });
  const { mine } = await openStream(a, peerId, secret);
  const part = async (id: string, n: string, count: number) => {
    await mine.send({
      kind: 'response',
      nonce: n,
      resourceUrl: TYPE_URL.exportedService,
      resourceId: id,
      resource: {
        type: 'exported-service',
        nodes: Array.from({ length: count }, (_, i) => instance('big', `${n}-${i}`)),
      },
      operation: 1,
    });
    const reply = await recvUntil(mine, (m) => m.kind === 'request' && m.responseNonce === n);
    return reply.kind === 'request' ? reply.error : undefined;
  };
  const one = JSON.stringify([instance('big')]).length;
  const fit = Math.floor(4096 / one / 2);
  assert.equal(await part('big\u00001/3', 'b1', fit), undefined);
  assert.equal(await part('big\u00002/3', 'b2', fit), undefined);
  assert.match((await part('big\u00003/3', 'b3', fit))?.message ?? '', /chunk_assembly_max_bytes/);
  // What was held is gone: the last part alone does not complete the service.
  assert.equal(await part('big\u00003/3', 'b4', 1), undefined);
  assert.equal(a.store.serviceInstances(undefined, 'evil', 'big').value.length, 0);
  // A whole update that fits is applied.
  assert.equal(await part('big\u00001/2', 'c1', 1), undefined);
  assert.equal(await part('big\u00002/2', 'c2', 1), undefined);
  assert.equal(a.store.serviceInstances(undefined, 'evil', 'big').value.length, 2);
});

test('fake peer - responses received during a commit are ACKed only after the one batch holding them commits', async (t) => {
  const held: (() => void)[] = [];
  const imports: Command[] = [];
  let gated = false;
  const beforeCommit = async (cmd: Command): Promise<void> => {
    if (!cmd.Type.startsWith('peering-import')) return;
    imports.push(cmd);
    if (gated) await new Promise<void>((resolve) => held.push(resolve));
  };
  const { a, secret, peerId } = await setup(t, {}, { beforeCommit });
  const { mine } = await openStream(a, peerId, secret, EVIL);
  const acks: string[] = [];
  void (async () => {
    for (;;) {
      const m = await mine.recv();
      if (m === null) return;
      if (m.kind === 'request' && m.responseNonce !== '') acks.push(m.responseNonce);
    }
  })().catch(() => undefined);

  gated = true;
  for (const [i, svc] of ['web', 'api', 'db'].entries()) {
    await mine.send({
      kind: 'response',
      nonce: `n${String(i)}`,
      resourceUrl: TYPE_URL.exportedService,
      resourceId: svc,
      resource: { type: 'exported-service', nodes: [instance(svc, `node-${svc}`)] },
      operation: 1,
    });
  }
  await until(() => held.length === 1, 'the first import to be held in flight');
  // The other two are read meanwhile but wait for the write in flight; nothing is ACKed before a commit.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(imports.length, 1, 'one write in flight at a time');
  assert.deepEqual(acks, []);
  assert.equal(a.store.serviceInstances(undefined, 'evil', 'web').value.length, 0);

  gated = false;
  for (const release of held.splice(0)) release();
  await until(() => acks.length === 3, 'three ACKs');
  assert.deepEqual(acks, ['n0', 'n1', 'n2']);
  assert.deepEqual(
    imports.map((c) => (c.Type === 'peering-import-batch' ? c.Services.map((u) => u.ServiceName) : [])),
    [['web'], ['api', 'db']],
    'the two received during the first commit are one command',
  );
  for (const svc of ['web', 'api', 'db']) {
    assert.equal(a.store.serviceInstances(undefined, 'evil', svc).value.length, 1, svc);
  }
});
