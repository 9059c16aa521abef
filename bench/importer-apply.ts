/**
 * Importer write cost per imported change, in process (no network, no fsync): a store holding 1,000 imported
 * services × 10 instances from one peer gets bursts of 100 health flips (instance 0 of 100 different services,
 * each received as the service's full instance set, as a peer sends it). Every command is encoded and decoded as
 * the log does (`store.encode` → `applyEncoded`).
 *
 * Baseline in the same run: one `peering-import-service` full replace per received service (what the importer
 * wrote before batching). Measured: the `Importer` (one `peering-import-batch` for what arrives while a write is in
 * flight, only changed instances written). Printed: process CPU (all threads, GC included) per change, commands
 * and bytes written per burst, and the ratio to the baseline.
 *
 * Also from the wire: each received service as the frame a peer sends (`ReplicationMessage` Response bytes),
 * decoded and then imported, once with the generated protobuf-es decoder and converter (what the stream did
 * before) and once with the stream's decoder (`inbound-decode.ts`, hand-written for this message), each into its
 * own store, so the decoders' cost per change shows next to the write's.
 *
 *   node --import tsx bench/importer-apply.ts            # ROUNDS=5 to change the default
 */
import { StateStore, type Command, type ImportedInstance } from '../src/state/index.js';
import { Importer } from '../src/peering/importer.js';
import type { CheckServiceNode } from '../src/peering/messages.js';
import type { PeeringWrite } from '../src/peering/store.js';
import { replicationMessageCodec } from '../src/grpc/peerstream/methods.js';
import { toWireMessage } from '../src/grpc/peerstream/encoded-response.js';
import { decodeGeneric, decodeInbound } from '../src/grpc/peerstream/inbound-decode.js';
import { TYPE_URL, type ReplicationMessage } from '../src/peering/messages.js';
import { fmt, loadLine, median, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --import tsx bench/importer-apply.ts';
const SERVICES = 1_000;
const PER_SERVICE = 10;
const FLIPS = 100;
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const PEER = 'exporter';

const serviceName = (s: number): string => `svc-${String(s).padStart(4, '0')}`;

/** Instance `i` of service `s` as a peer replicates it, its check at `status`. */
function instance(s: number, i: number, status: string): CheckServiceNode {
  const name = serviceName(s);
  const id = `${name}-${String(i)}`;
  const node = `node-${String((s * PER_SERVICE + i) % 1000)}`;
  return {
    Node: { ID: '', Node: node, Address: '10.0.0.1', Datacenter: 'dc2', TaggedAddresses: {}, Meta: {} },
    Service: {
      Kind: '',
      ID: id,
      Service: name,
      Tags: ['v1', 'primary'],
      Address: '10.0.0.1',
      Meta: { version: '1.2.3' },
      Port: 8080 + i,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    },
    Checks: [
      {
        Node: node,
        CheckID: `service:${id}`,
        Name: `Service '${name}' check`,
        Status: status,
        Notes: '',
        Output: 'HTTP GET http://10.0.0.1/health: 200 OK',
        ServiceID: id,
        ServiceName: name,
        ServiceTags: ['v1', 'primary'],
        Type: 'http',
        Interval: '10s',
        Timeout: '5s',
        ExposedPort: 0,
        Definition: {},
      },
    ],
  } as unknown as CheckServiceNode;
}

function serviceSet(s: number, flipped: boolean): CheckServiceNode[] {
  return Array.from({ length: PER_SERVICE }, (_, i) =>
    instance(s, i, i === 0 && flipped ? 'critical' : 'passing'),
  );
}

/** A store with an active peering, and a write that encodes and applies as the log does. */
function newStore(): { store: StateStore; write: (cmd: Command) => number } {
  const store = new StateStore();
  let index = 0;
  const write = (cmd: Command): number => {
    const data = store.encode(cmd);
    const r = store.applyEncoded(++index, data);
    if (!r.ok) throw new Error(r.error);
    return data.length;
  };
  write({
    Type: 'peering-establish',
    ID: 'p-id',
    Name: PEER,
    Meta: {},
    PeerID: 'remote',
    PeerCAPems: [],
    PeerServerName: 'server.dc2.peering.example',
    PeerServerAddresses: ['127.0.0.1:1'],
    ManualServerAddresses: [],
    Remote: { Partition: 'default', Datacenter: 'dc2' },
    ActiveStreamSecret: 'secret',
  });
  return { store, write };
}

/** The pre-batch command: the whole set, with PeerName on everything. */
function fullReplace(s: number, nodes: readonly CheckServiceNode[]): Command {
  const withPeer = nodes.map((n) => ({
    Node: { ...n.Node, PeerName: PEER },
    Service: { ...n.Service, PeerName: PEER },
    Checks: n.Checks.map((c) => ({ ...c, PeerName: PEER })),
  })) as unknown as ImportedInstance[];
  return { Type: 'peering-import-service', PeerName: PEER, ServiceName: serviceName(s), Nodes: withPeer };
}

interface Burst {
  cpuPerChangeMs: number;
  commands: number;
  bytes: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Which services a burst flips: 100 different ones, moving through the catalog. */
const burstServices = (round: number): number[] =>
  Array.from({ length: FLIPS }, (_, k) => (round * FLIPS + k * 7) % SERVICES);

function baselineBurst(write: (cmd: Command) => number, round: number, flipped: boolean): Burst {
  const sets = burstServices(round).map((s) => [s, serviceSet(s, flipped)] as const);
  const t0 = cpuMs();
  let bytes = 0;
  for (const [s, nodes] of sets) bytes += write(fullReplace(s, nodes));
  return { cpuPerChangeMs: (cpuMs() - t0) / FLIPS, commands: FLIPS, bytes };
}

async function batchedBurst(
  importer: Importer,
  counter: Counter,
  round: number,
  flipped: boolean,
): Promise<Burst> {
  const sets = burstServices(round).map((s) => [s, serviceSet(s, flipped)] as const);
  const before = { ...counter };
  const t0 = cpuMs();
  // A burst: every response arrives while the first write is in flight (the receiver does not wait for commits).
  await Promise.all(sets.map(([s, nodes]) => importer.service(serviceName(s), nodes)));
  return {
    cpuPerChangeMs: (cpuMs() - t0) / FLIPS,
    commands: counter.commands - before.commands,
    bytes: counter.bytes - before.bytes,
  };
}

interface Counter {
  commands: number;
  bytes: number;
}

/** An importer writing into its own store, as the log does (the write resolves on a later tick). */
function newImporter(): { importer: Importer; counter: Counter } {
  const target = newStore();
  const counter: Counter = { commands: 0, bytes: 0 };
  const write: PeeringWrite = (cmd) => {
    const bytes = target.write(cmd);
    counter.commands += 1;
    counter.bytes += bytes;
    return new Promise((resolve) =>
      setImmediate(() => resolve({ index: 0, result: { ok: true, value: true } })),
    );
  };
  return { importer: new Importer(PEER, write), counter };
}

type Decode = (frame: Buffer) => ReplicationMessage | undefined;

const decoders: Record<'generated' | 'stream', Decode> = {
  generated: (frame) => decodeGeneric(frame),
  stream: (frame) => {
    const m = decodeInbound(frame);
    return m.kind === 'ignored' ? undefined : m;
  },
};

/** The frame a peer sends for service `s` (its full instance set). */
function frame(s: number, flipped: boolean): Buffer {
  const msg: ReplicationMessage = {
    kind: 'response',
    nonce: '00000001',
    resourceUrl: TYPE_URL.exportedService,
    resourceId: serviceName(s),
    resource: { type: 'exported-service', nodes: serviceSet(s, flipped) },
    operation: 1,
  };
  return replicationMessageCodec.serialize(toWireMessage(msg));
}

/** A burst received as frames: each decoded by `decode`, then imported. */
async function wireBurst(
  decode: Decode,
  target: { importer: Importer; counter: Counter },
  round: number,
  flipped: boolean,
): Promise<Burst> {
  const frames = burstServices(round).map((s) => frame(s, flipped));
  const before = { ...target.counter };
  const t0 = cpuMs();
  await Promise.all(
    frames.map((f) => {
      const m = decode(f);
      if (m?.kind !== 'response' || m.resource?.type !== 'exported-service') throw new Error('bad frame');
      return target.importer.service(m.resourceId, m.resource.nodes);
    }),
  );
  return {
    cpuPerChangeMs: (cpuMs() - t0) / FLIPS,
    commands: target.counter.commands - before.commands,
    bytes: target.counter.bytes - before.bytes,
  };
}

async function main(): Promise<void> {
  printHeader(
    'importer-apply',
    `importer write CPU per change (${SERVICES} × ${PER_SERVICE} imported, bursts of ${FLIPS})`,
  );
  const base = newStore();
  const batched = newStore();
  const counter: Counter = { commands: 0, bytes: 0 };
  const write: PeeringWrite = (cmd) => {
    // As the log: the write resolves on a later tick, so a burst queues behind the first command.
    const bytes = batched.write(cmd);
    counter.commands += 1;
    counter.bytes += bytes;
    return new Promise((resolve) =>
      setImmediate(() => resolve({ index: 0, result: { ok: true, value: true } })),
    );
  };
  const importer = new Importer(PEER, write);
  const viaGenerated = newImporter();
  const viaStream = newImporter();
  for (let s = 0; s < SERVICES; s++) {
    base.write(fullReplace(s, serviceSet(s, false)));
    await importer.service(serviceName(s), serviceSet(s, false));
    await viaGenerated.importer.service(serviceName(s), serviceSet(s, false));
    await viaStream.importer.service(serviceName(s), serviceSet(s, false));
  }
  const baseRuns: Burst[] = [];
  const batchRuns: Burst[] = [];
  const generatedRuns: Burst[] = [];
  const streamRuns: Burst[] = [];
  for (let round = 0; round < ROUNDS * 2; round++) {
    const flipped = round % 2 === 0;
    baseRuns.push(baselineBurst(base.write, round, flipped));
    batchRuns.push(await batchedBurst(importer, counter, round, flipped));
    generatedRuns.push(await wireBurst(decoders.generated, viaGenerated, round, flipped));
    streamRuns.push(await wireBurst(decoders.stream, viaStream, round, flipped));
  }
  const row = (name: string, runs: Burst[], ref: number): string[] => {
    const cpu = median(runs.map((r) => r.cpuPerChangeMs));
    return [
      name,
      fmt(cpu, 3),
      ratio(cpu, ref),
      fmt(median(runs.map((r) => r.commands))),
      fmt(median(runs.map((r) => r.bytes)) / 1024, 1),
    ];
  };
  const ref = median(baseRuns.map((r) => r.cpuPerChangeMs));
  printTable(
    `importer writes per burst of ${FLIPS} flips (median of ${ROUNDS * 2} bursts; ${loadLine()})`,
    ['path', 'CPU ms/change', 'vs full replace', 'commands/burst', 'KiB encoded/burst'],
    [
      row('full replace per service (before)', baseRuns, ref),
      row('batch, changed only (now)', batchRuns, ref),
      row('frames: generated decoder + batch (before)', generatedRuns, ref),
      row('frames: stream decoder + batch (now)', streamRuns, ref),
    ],
  );
  printReproduce(COMMAND);
}

await main();
