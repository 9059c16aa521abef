/**
 * Exporter heap with a stalled peer. In this process: a cluster (StateStore + PeeringManager, src/peering/testing)
 * exports 1,000 services × 10 instances (`*`) to a fake peer on an in-memory stream pair with transport
 * backpressure (a side that stops reading stalls the sender after 16 unread messages, as HTTP/2 does). The peer
 * syncs, then stops reading while it keeps heartbeating, and 10,000 health changes are written (check status flips
 * spread over all services). Measured: heapUsed after a full GC before and after the changes, the messages the
 * exporter sent meanwhile, and, when the peer resumes, the time until it holds exactly the exporter's state.
 * Then a peer that never resumes, with `ack_timeout` = 3 s: the reason its stream is reset with.
 *
 * Baseline in the same run: the heap growth of the same 10,000 changes with no peer stream at all.
 *
 *   node --expose-gc --import tsx bench/stalled-peer.ts
 */
import { Exporter, renderPeering } from '../src/peering/index.js';
import type { CheckServiceNode } from '../src/peering/index.js';
import { TestNetwork, type TestCluster } from '../src/peering/testing/cluster.js';
import { openFakePeerStream, type FakePeerStream } from '../src/peering/testing/fake-peer-stream.js';
import { runBench } from './lib/cleanup.js';
import { fmt, fmtMs, printHeader, printReproduce, printTable, sleep } from './lib/stats.js';

const COMMAND = 'node --expose-gc --import tsx bench/stalled-peer.ts';
const SERVICES = 1_000;
const PER_SERVICE = 10;
const NODES = 100;
const CHANGES = 10_000;

/** Signed MiB (a heap may shrink after a full GC). */
const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const svc = (s: number): string => `svc-${String(s).padStart(4, '0')}`;

async function populate(a: TestCluster): Promise<void> {
  for (let n = 0; n < SERVICES * PER_SERVICE; n++) {
    const s = Math.floor(n / PER_SERVICE);
    await a.register(svc(s), `node-${n % NODES}`, 'passing', `${svc(s)}-${n}`);
  }
  await a.exportTo('evil', ['*']);
}

/** Change n: the check of instance (n mod 10) of service (n mod 1,000), status alternating. */
async function change(a: TestCluster, n: number): Promise<void> {
  const s = n % SERVICES;
  const i = s * PER_SERVICE + (Math.floor(n / SERVICES) % PER_SERVICE);
  const r = await a.write({
    Type: 'check-update',
    Node: `node-${i % NODES}`,
    CheckID: `chk-${svc(s)}-${i}`,
    Status: Math.floor(n / (SERVICES * PER_SERVICE)) % 2 === 0 ? 'critical' : 'passing',
    Output: `change ${n}`,
  });
  if (!r.result.ok) throw new Error(r.result.error);
}

async function connect(a: TestCluster): Promise<FakePeerStream> {
  return openFakePeerStream(a, 'evil');
}

/** Reads and ACKs until the peer's copy equals the exporter's current data for every service. */
async function readUntilExact(
  a: TestCluster,
  p: FakePeerStream,
  state: Map<string, CheckServiceNode[]>,
): Promise<number> {
  const exporter = new Exporter(a.store);
  let messages = 0;
  const exact = (): boolean => {
    for (let s = 0; s < SERVICES; s++) {
      if (JSON.stringify(state.get(svc(s))) !== JSON.stringify(exporter.instances(svc(s)))) return false;
    }
    return true;
  };
  let checkedAt = 0;
  for (;;) {
    if (messages - checkedAt >= 50 || messages === 0 || p.mine.unread === 0) {
      checkedAt = messages;
      if (exact()) return messages;
    }
    const m = await p.mine.recv();
    if (m === null) throw new Error('stream ended');
    if (m.kind !== 'response') continue;
    messages++;
    if (m.resource?.type === 'exported-service') state.set(m.resourceId, m.resource.nodes);
    await p.mine.send({
      kind: 'request',
      peerId: '',
      responseNonce: m.nonce,
      resourceUrl: m.resourceUrl,
      error: undefined,
    });
  }
}

async function main(): Promise<void> {
  printHeader('stalled-peer', `exporter heap while a peer stops reading for ${fmt(CHANGES)} changes`);
  const net = new TestNetwork();
  try {
    // Baseline: the same changes, no peer stream.
    const base = await net.cluster('base');
    await populate(base);
    const b0 = heapAfterGc();
    const tBase = performance.now();
    for (let n = 0; n < CHANGES; n++) await change(base, n);
    const baseMs = performance.now() - tBase;
    const baseGrowth = heapAfterGc() - b0;
    await base.close();

    // The stall lasts as long as writing the changes takes, minutes on a busy machine: keep the ACK bound above it
    // here (the reset itself is shown below with a short bound).
    const a = await net.cluster('alpha', { streamLimits: { ackTimeoutMs: 3_600_000 } });
    const t0 = performance.now();
    await populate(a);
    console.log(
      `registered ${fmt(SERVICES * PER_SERVICE)} instances in-process in ${fmtMs(performance.now() - t0)}`,
    );
    const p = await connect(a);
    const state = new Map<string, CheckServiceNode[]>();
    const tSync = performance.now();
    await readUntilExact(a, p, state);
    console.log(`initial sync of ${fmt(SERVICES)} services: ${fmtMs(performance.now() - tSync)}`);
    p.theirs.sent.length = 0; // the test pair's record of sent messages is not exporter state
    const h0 = heapAfterGc();
    const tStall = performance.now();
    for (let n = 0; n < CHANGES; n++) {
      await change(a, n);
      if (n % 1_000 === 0) await p.mine.send({ kind: 'heartbeat' });
    }
    await sleep(200);
    const stallMs = performance.now() - tStall;
    const sentDuringStall = p.theirs.sent.length;
    const stats = a.tracker.get(p.peerId)?.sender?.();
    const growth = heapAfterGc() - h0;
    const tResume = performance.now();
    const read = await readUntilExact(a, p, state);
    const resumeMs = performance.now() - tResume;

    // A peer that never resumes: reset after the ACK bound, with a reason `peering read` shows.
    const net2 = new TestNetwork();
    const c = await net2.cluster('gamma', { streamLimits: { ackTimeoutMs: 3_000 } });
    for (let s = 0; s < 20; s++) await c.register(svc(s), `node-${s}`);
    await c.exportTo('evil', ['*']);
    const q = await connect(c);
    const tNever = performance.now();
    for (let n = 0; c.tracker.get(q.peerId)?.connected !== false && n < 100_000; n++) {
      await c.write({
        Type: 'check-update',
        Node: `node-${n % 20}`,
        CheckID: `chk-${svc(n % 20)}`,
        Status: n % 2 === 0 ? 'critical' : 'passing',
        Output: '',
      });
      await q.mine.send({ kind: 'heartbeat' });
      await sleep(20);
    }
    const peering = c.store.peeringById(q.peerId);
    const diag = peering
      ? (renderPeering(peering, c.tracker)['Diagnostics'] as { Reason?: string; Message?: string })
      : undefined;
    await net2.close();

    printTable(
      `exporter with ${fmt(SERVICES)} services × ${PER_SERVICE} instances exported, ${fmt(CHANGES)} changes`,
      ['case', 'heap growth', 'messages sent', 'note'],
      [
        ['no peer (baseline)', mib(baseGrowth), '-', `changes written in ${fmtMs(baseMs)}`],
        [
          'peer stopped reading',
          mib(growth),
          fmt(sentDuringStall),
          `changes written in ${fmtMs(stallMs)}; send map ${stats?.dirty ?? '?'} entries, ${stats?.unacked ?? '?'} unacked`,
        ],
        ['  growth over baseline', mib(growth - baseGrowth), '-', 'target ≤ 20 MiB'],
        ['peer resumed', '-', fmt(read), `exact after ${fmtMs(resumeMs)}`],
      ],
    );
    console.log(
      `\npeer that never resumes (ack_timeout 3s): reset after ${fmtMs(performance.now() - tNever)} with ` +
        `Reason ${diag?.Reason ?? '(none)'}: ${diag?.Message ?? ''}`,
    );
    printReproduce(COMMAND);
  } finally {
    await net.close();
  }
}

await runBench('stalled-peer', main);
