// The send path under a peer that stops reading: state of the world per resource (the send map never holds more
// than one entry per resource), pending nonces capped, exact convergence when the peer resumes, and a reset with
// reason ACK_TIMEOUT when it never does. Time is a FakeClock: the "60 s" stall is simulated, not waited for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../lib/testing/fake-clock.js';
import { Exporter } from './exporter.js';
import { STREAM_CODE, TYPE_URL, type CheckServiceNode, type ReplicationMessage } from './messages.js';
import { renderPeering } from './render.js';
import { MEMORY_STREAM_HIGH_WATER, type MemoryStream } from './testing/memory-stream.js';
import { TestNetwork, type TestCluster } from './testing/cluster.js';
import { openFakePeerStream } from './testing/fake-peer-stream.js';
import type { StreamLimits } from './stream-limits.js';

const SERVICES = 20;
const CHANGES = 10_000;
const LIMITS: Partial<StreamLimits> = { maxUnackedResponses: 8, ackTimeoutMs: 90_000 };

interface Setup {
  a: TestCluster;
  clock: FakeClock;
  peerId: string;
  mine: MemoryStream;
  theirs: MemoryStream;
}

/** An exporter with SERVICES services exported (`*`) to "evil", and a fake peer's stream, opened and subscribed. */
async function setup(t: { after(fn: () => Promise<void>): void }): Promise<Setup> {
  const clock = new FakeClock();
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha', { clock, streamLimits: LIMITS });
  for (let i = 0; i < SERVICES; i++) await a.register(`svc-${i}`, `node-${i % 5}`);
  await a.exportTo('evil', ['*']);
  const { mine, theirs, peerId } = await openFakePeerStream(a, 'evil');
  return { a, clock, peerId, mine, theirs };
}

/** Flips the check of service i to the other status; returns once committed. */
async function flip(a: TestCluster, i: number, n: number): Promise<void> {
  const svc = i % SERVICES;
  const r = await a.write({
    Type: 'check-update',
    Node: `node-${svc % 5}`,
    CheckID: `chk-svc-${svc}`,
    Status: n % 2 === 0 ? 'critical' : 'passing',
    Output: `change ${n}`,
  });
  assert.ok(r.result.ok);
}

/** Lets pending promise callbacks and watch wakes run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Reads and ACKs until the fake peer holds, for every exported service, exactly the exporter's current data. */
async function readUntilExact(s: Setup, state: Map<string, CheckServiceNode[]>): Promise<void> {
  const exporter = new Exporter(s.a.store);
  const exact = (): boolean => {
    for (let i = 0; i < SERVICES; i++) {
      const want = exporter.instances(`svc-${i}`);
      if (JSON.stringify(state.get(`svc-${i}`)) !== JSON.stringify(want)) return false;
    }
    return true;
  };
  while (!exact()) {
    const m = await s.mine.recv();
    if (m === null) throw new Error('stream ended');
    if (m.kind !== 'response') continue;
    if (m.resource?.type === 'exported-service') state.set(m.resourceId, m.resource.nodes);
    await s.mine.send({
      kind: 'request',
      peerId: '',
      responseNonce: m.nonce,
      resourceUrl: m.resourceUrl,
      error: undefined,
    });
  }
}

function senderStats(s: Setup) {
  const view = s.a.tracker.get(s.peerId)?.sender;
  assert.ok(view, 'the stream publishes its send-path sizes while it runs');
  return view();
}

test('send path - a peer that stops reading: one send-map entry per resource, unacked capped, exact on resume', async (t) => {
  const s = await setup(t);
  const state = new Map<string, CheckServiceNode[]>();
  await readUntilExact(s, state);

  // The peer stops reading (it keeps heartbeating) while 10,000 changes happen.
  let maxDirty = 0;
  let maxUnacked = 0;
  for (let n = 0; n < CHANGES; n++) {
    await flip(s.a, n, n);
    if (n % 500 === 0) {
      await s.mine.send({ kind: 'heartbeat' });
      await s.clock.advance(3_000); // 20 × 3 s = a 60 s stall, below the 90 s ACK bound
      await settle();
      const st = senderStats(s);
      maxDirty = Math.max(maxDirty, st.dirty);
      maxUnacked = Math.max(maxUnacked, st.unacked);
    }
  }
  await settle();
  const st = senderStats(s);
  assert.ok(
    st.dirty <= SERVICES + 1,
    `send map holds ${st.dirty} entries for ${SERVICES} services + the list`,
  );
  assert.ok(maxDirty <= SERVICES + 1);
  assert.ok(maxDirty > 0, 'changes did wait in the send map');
  assert.ok(maxUnacked <= LIMITS.maxUnackedResponses!, `unacked ${maxUnacked} ≤ cap`);
  assert.ok(st.control <= 8, 'the control lane stays small');
  assert.ok(
    s.theirs.sent.length < 4 * SERVICES + MEMORY_STREAM_HIGH_WATER + 16,
    `sent ${s.theirs.sent.length} messages for ${CHANGES} changes: intermediate versions were coalesced`,
  );
  assert.equal(
    s.a.tracker.get(s.peerId)?.connected,
    true,
    'a stall shorter than the ACK bound keeps the stream',
  );

  // It resumes: it converges to exactly the exporter's state.
  await readUntilExact(s, state);
  assert.equal(s.a.tracker.get(s.peerId)?.connected, true);
});

test('send path - a peer that never resumes is reset with ACK_TIMEOUT, shown by peering read', async (t) => {
  const s = await setup(t);
  await flip(s.a, 0, 1);
  await settle();
  // Nothing is read or ACKed. Up to just before the bound the stream stays up...
  for (let elapsed = 0; elapsed + 15_000 < LIMITS.ackTimeoutMs!; elapsed += 15_000) {
    await s.mine.send({ kind: 'heartbeat' });
    await s.clock.advance(15_000);
    await settle();
  }
  assert.equal(s.a.tracker.get(s.peerId)?.connected, true);
  assert.ok(senderStats(s).unacked > 0);
  // ...and past it, it is reset with a reason, although the peer kept heartbeating.
  await s.mine.send({ kind: 'heartbeat' });
  await s.clock.advance(15_000);
  await settle();
  const status = s.a.tracker.get(s.peerId);
  assert.equal(status?.connected, false);
  assert.equal(status?.reason, 'ACK_TIMEOUT');
  assert.match(status?.message ?? '', /did not acknowledge replicated resources within 1m30s/);
  assert.equal(s.theirs.failedWith?.grpcCode, STREAM_CODE.resourceExhausted);
  const p = s.a.store.peeringById(s.peerId);
  assert.ok(p);
  const rendered = renderPeering(p, s.a.tracker) as { State: string; Diagnostics: Record<string, unknown> };
  assert.equal(rendered.State, 'FAILING');
  assert.equal(rendered.Diagnostics['Reason'], 'ACK_TIMEOUT');
  assert.match(String(rendered.Diagnostics['Message']), /did not acknowledge/);
});

test('send path - ACKs and heartbeats go ahead of resources', async (t) => {
  const s = await setup(t);
  const state = new Map<string, CheckServiceNode[]>();
  await readUntilExact(s, state);
  for (let n = 0; n < 200; n++) await flip(s.a, n, n);
  await settle();
  // A response from the peer while resources wait: its ACK is the next message after what is already in flight.
  const before = s.theirs.sent.length;
  await s.mine.send({
    kind: 'response',
    nonce: 'p1',
    resourceUrl: TYPE_URL.exportedServiceList,
    resourceId: 'exported-service-list',
    resource: { type: 'exported-service-list', services: [] },
    operation: 1,
  });
  await s.clock.advance(15_000);
  let ackAt = -1;
  let heartbeatAt = -1;
  const seen: ReplicationMessage[] = [];
  while (ackAt < 0 || heartbeatAt < 0) {
    const m = await s.mine.recv();
    if (m === null) throw new Error('stream ended');
    seen.push(m);
    if (m.kind === 'request' && m.responseNonce === 'p1') ackAt = seen.length;
    if (m.kind === 'heartbeat') heartbeatAt = seen.length;
  }
  const queuedBefore = MEMORY_STREAM_HIGH_WATER + 2;
  assert.ok(
    ackAt <= queuedBefore,
    `ACK arrived as message ${ackAt} (after at most the ${queuedBefore} in flight)`,
  );
  assert.ok(heartbeatAt <= queuedBefore + 1, `heartbeat arrived as message ${heartbeatAt}`);
  assert.ok(s.theirs.sent.length - before < 60);
});

test('send path - peers share one encoded payload per (service, version)', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  await a.register('web', 'n1');
  const peers = ['b1', 'b2', 'b3'];
  await a.exportTo('b1', ['web']);
  await a.exportTo('b2', ['web']);
  await a.exportTo('b3', ['web']);
  const dialers: TestCluster[] = [];
  for (const name of peers) {
    const b = await net.cluster(name);
    dialers.push(b);
    const tok = await a.service.generateToken({ PeerName: name, Meta: {}, ServerExternalAddresses: [] });
    await b.service.establish({ PeerName: 'alpha', PeeringToken: tok, Meta: {} });
  }
  const webOf = (s: MemoryStream) =>
    s.sent.filter(
      (m): m is Extract<ReplicationMessage, { kind: 'response' }> =>
        m.kind === 'response' && m.resourceId === 'web',
    );
  const deadline = Date.now() + 10_000;
  while (a.accepted.length < 3 || a.accepted.some((s) => webOf(s).length === 0)) {
    if (Date.now() > deadline) throw new Error('streams did not start');
    await new Promise((r) => setTimeout(r, 5));
  }
  const [first, ...rest] = a.accepted.map((s) => webOf(s)[0]?.resource);
  assert.ok(first);
  for (const r of rest) assert.equal(r, first, 'the same resource object goes to every peer');
});
