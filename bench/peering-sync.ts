/**
 * Peering initial sync: 1,000 services × 10 instances (10,000 instances, one passing check each, 10 per node)
 * registered on the exporting cluster and all exported (`"Name": "*"`) before the importing cluster establishes the
 * peering; measured from `POST /v1/peering/establish` returning until the importer's
 * `GET /v1/catalog/services?peer=` lists the 1,000 services and `GET /v1/health/service/<last>?peer=` its 10
 * instances (polled every 20 ms). Both clusters are agent processes (durable, loopback gRPC TLS).
 *
 * Importer memory per imported instance, two ways: the importer process's RSS (/proc/<pid>/status VmRSS) before
 * establishing and after the sync, / 10,000 (RSS over-counts: it includes heap not yet collected, the gRPC and
 * HTTP buffers of the sync, and memory V8 keeps reserved); and, in this process, the heapUsed delta after full GC of
 * a StateStore that applies the same data as `peering-import-service` commands, built by the same Exporter and
 * Importer code from the same registrations (run with --expose-gc).
 *
 * Baselines in the same run: the time for a client to pull the same 1,000 services' health from the exporter over
 * HTTP (16 keep-alive clients); and the heap per local (registered) instance in the same in-process measurement.
 *
 *   node --expose-gc --import tsx bench/peering-sync.ts
 */
import type { Agent } from 'node:http';
import { Exporter, Importer, type CheckServiceNode } from '../src/peering/index.js';
import { StateStore, type ApplyResult, type Command } from '../src/state/index.js';
import { runBench } from './lib/cleanup.js';
import { CpuMeter } from './lib/cpu.js';
import { diskFsync } from './lib/disk.js';
import { httpOk, keepAliveAgent } from './lib/http-client.js';
import { runCount } from './lib/load.js';
import { registerCommand, registration, registrationBody } from './lib/payload.js';
import {
  establish,
  exportServices,
  generateToken,
  readPeering,
  rssBytes,
  startPeerAgent,
  waitActive,
} from './lib/peer-agent.js';
import { fmt, fmtBytes, fmtMs, printHeader, printReproduce, printTable, ratio, sleep } from './lib/stats.js';

const COMMAND = 'node --expose-gc --import tsx bench/peering-sync.ts';
const SERVICES = 1_000;
const PER_SERVICE = 10;
const INSTANCES = SERVICES * PER_SERVICE;
/** Nodes the instances are spread over (10 instances of 10 different services per node). */
const NODES = 1_000;
const POLL_MS = 20;
const SYNC_TIMEOUT_MS = 120_000;
const EXPORTER_PEER = 'exporter';
const IMPORTER_PEER = 'importer';

const serviceName = (s: number): string => `svc-${String(s).padStart(4, '0')}`;
const LAST = serviceName(SERVICES - 1);
/** Instance j of service s, as lib/payload.ts builds it (IDs `<service>-<n>`, node `node-<n % NODES>`). */
const reg = (n: number): ReturnType<typeof registration> =>
  registration(serviceName(Math.floor(n / PER_SERVICE)), n, NODES);
const regBody = (n: number): string => registrationBody(serviceName(Math.floor(n / PER_SERVICE)), n, NODES);

/** The command for instance `n` (see lib/payload.ts). */
function registerCommandFor(n: number): Command {
  return registerCommand(reg(n), 'dc-exporter');
}

interface SyncResult {
  establishMs: number;
  /** establish returned → catalog/services?peer= lists every service */
  listMs: number;
  /** establish returned → also the last service's 10 instances */
  syncMs: number;
  polls: number;
  rssBefore: number;
  rssAfter: number;
  rssSettled: number;
  lagP99: number;
  pullMs: number;
  registerMs: number;
  disk: ReturnType<typeof diskFsync>;
  exporterCpu: string;
  importerCpu: string;
}

async function processSync(): Promise<SyncResult> {
  const t0 = performance.now();
  const [exporter, importer] = await Promise.all([
    startPeerAgent({ name: 'exporter', grpcTls: true }),
    startPeerAgent({ name: 'importer', grpcTls: true }),
  ]);
  console.log(`started 2 agents in parallel in ${fmtMs(performance.now() - t0)}`);
  const http: Agent = keepAliveAgent(16);
  try {
    const tReg = performance.now();
    const reg = await runCount({
      concurrency: 16,
      total: INSTANCES,
      maxMs: 300_000,
      op: async (n) => {
        await httpOk(http, 'PUT', `${exporter.httpAddr}/v1/catalog/register`, regBody(n));
      },
    });
    if (reg.done !== INSTANCES) throw new Error(`registered only ${reg.done} of ${INSTANCES} within 5 min`);
    const registerMs = performance.now() - tReg;
    console.log(`registered ${fmt(INSTANCES)} instances on the exporter in ${fmtMs(registerMs)}`);
    await exportServices(http, exporter, ['*'], [IMPORTER_PEER]);

    // Baseline: a client pulling the same data from the exporter over HTTP.
    const tPull = performance.now();
    await runCount({
      concurrency: 16,
      total: SERVICES,
      maxMs: 120_000,
      op: async (s) => {
        const res = await httpOk(http, 'GET', `${exporter.httpAddr}/v1/health/service/${serviceName(s)}`);
        if ((JSON.parse(res.body.toString('utf8')) as unknown[]).length !== PER_SERVICE) {
          throw new Error(`exporter: ${serviceName(s)} does not have ${PER_SERVICE} instances`);
        }
      },
    });
    const pullMs = performance.now() - tPull;

    const disk = diskFsync();
    await sleep(1_000);
    const rssBefore = rssBytes(importer.child.pid);
    const token = await generateToken(http, exporter, IMPORTER_PEER);
    const meter = new CpuMeter([exporter.child.pid, importer.child.pid]);
    meter.start();
    const tEst = performance.now();
    await establish(http, importer, EXPORTER_PEER, token);
    const established = performance.now();
    let listMs = Number.NaN;
    let polls = 0;
    for (;;) {
      polls++;
      const now = performance.now();
      if (now - established > SYNC_TIMEOUT_MS) {
        throw new Error(`importer not in sync ${SYNC_TIMEOUT_MS} ms after establish`);
      }
      const svc = await httpOk(http, 'GET', `${importer.httpAddr}/v1/catalog/services?peer=${EXPORTER_PEER}`);
      const count = Object.keys(JSON.parse(svc.body.toString('utf8')) as object).length;
      if (count >= SERVICES) {
        if (Number.isNaN(listMs)) listMs = performance.now() - established;
        const h = await httpOk(
          http,
          'GET',
          `${importer.httpAddr}/v1/health/service/${LAST}?peer=${EXPORTER_PEER}`,
        );
        if ((JSON.parse(h.body.toString('utf8')) as unknown[]).length === PER_SERVICE) break;
      }
      const spent = performance.now() - now;
      if (spent < POLL_MS) await sleep(POLL_MS - spent);
    }
    const syncMs = performance.now() - established;
    meter.stop();
    const rssAfter = rssBytes(importer.child.pid);
    await waitActive(http, exporter, IMPORTER_PEER);
    await sleep(3_000);
    const rssSettled = rssBytes(importer.child.pid);
    const lag = (await readPeering(http, exporter, IMPORTER_PEER))?.Diagnostics?.ReplicationLagMs?.P99;
    return {
      establishMs: established - tEst,
      listMs,
      syncMs,
      polls,
      rssBefore,
      rssAfter,
      rssSettled,
      lagP99: lag ?? Number.NaN,
      pullMs,
      registerMs,
      disk,
      exporterCpu: meter.percent(0),
      importerCpu: meter.percent(1),
    };
  } finally {
    http.destroy();
  }
}

interface HeapResult {
  gc: boolean;
  localPerInstance: number;
  importedPerInstance: number;
  importMs: number;
  /** JSON bytes of one instance as replicated (CheckServiceNode). */
  wireJsonBytes: number;
}

function heapNow(gc: (() => void) | undefined): number {
  if (gc) for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function inProcessHeap(): Promise<HeapResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const h0 = heapNow(gc);
  const exporterStore = new StateStore();
  let index = 0;
  for (let n = 0; n < INSTANCES; n++) {
    const r = exporterStore.apply(++index, registerCommandFor(n));
    if (!r.ok) throw new Error(`register ${n}: ${r.error}`);
  }
  const h1 = heapNow(gc);
  const exporter = new Exporter(exporterStore);
  // The payloads as they cross the wire: fresh objects (a JSON round trip), nothing shared with the exporter store.
  const payloads: [string, CheckServiceNode[]][] = [];
  for (let s = 0; s < SERVICES; s++) {
    const name = serviceName(s);
    payloads.push([name, JSON.parse(JSON.stringify(exporter.instances(name))) as CheckServiceNode[]]);
  }
  const wireJsonBytes = Buffer.byteLength(JSON.stringify(payloads[0]![1][0]));
  const importerStore = new StateStore();
  let importIndex = 0;
  // Imports are accepted only for an active peering: create the dialing side's record first.
  importerStore.apply(++importIndex, {
    Type: 'peering-establish',
    ID: '00000000-0000-0000-0000-000000000001',
    Name: EXPORTER_PEER,
    Meta: {},
    PeerID: '00000000-0000-0000-0000-000000000002',
    PeerCAPems: [],
    PeerServerName: 'server.dc1.peering.bench.consul',
    PeerServerAddresses: ['127.0.0.1:8503'],
    ManualServerAddresses: [],
    Remote: { Partition: '', Datacenter: 'dc1' },
    ActiveStreamSecret: 'bench',
  });
  const importer = new Importer(
    EXPORTER_PEER,
    async (cmd: Command): Promise<{ index: number; result: ApplyResult }> => {
      const i = ++importIndex;
      return { index: i, result: importerStore.apply(i, cmd) };
    },
  );
  const t0 = performance.now();
  await importer.list(payloads.map(([name]) => name));
  for (const [name, nodes] of payloads) await importer.service(name, nodes);
  const importMs = performance.now() - t0;
  payloads.length = 0;
  const h3 = heapNow(gc);
  // Keep both stores alive until after the last measurement (importer: the peering record, the list, the services).
  if (exporterStore.lastIndex !== INSTANCES || importerStore.lastIndex !== SERVICES + 2) {
    throw new Error('not every command was applied');
  }
  return {
    gc: gc !== undefined,
    localPerInstance: (h1 - h0) / INSTANCES,
    // The payloads are garbage by h3; the exporter store is in both h1 and h3.
    importedPerInstance: (h3 - h1) / INSTANCES,
    importMs,
    wireJsonBytes,
  };
}

await runBench('peering-sync', async () => {
  printHeader(
    'peering-sync',
    `initial sync of ${fmt(SERVICES)} services × ${PER_SERVICE} instances (${fmt(INSTANCES)}), all exported, ` +
      'between two agent processes; importer memory per imported instance',
  );
  const p = await processSync();
  const heap = await inProcessHeap();

  printTable(
    `initial sync (polled every ${POLL_MS} ms); baseline: a client pulling the same ${fmt(SERVICES)} services' ` +
      'health from the exporter over HTTP (16 keep-alive clients)',
    ['figure', 'value', 'baseline pull', 'ratio', 'target'],
    [
      ['establish call', fmtMs(p.establishMs), '', '', ''],
      ['establish returned → all services listed', fmtMs(p.listMs), '', '', ''],
      [
        `establish returned → ${LAST} has ${PER_SERVICE} instances (sync)`,
        fmtMs(p.syncMs),
        fmtMs(p.pullMs),
        ratio(p.syncMs, p.pullMs),
        `≤ 2 s: ${p.syncMs <= 2_000 ? 'met' : 'missed'}`,
      ],
      ['exporter replication lag p99 (Diagnostics)', fmtMs(p.lagP99), '', '', ''],
    ],
  );
  console.log(
    `sync window CPU: exporter ${p.exporterCpu}, importer ${p.importerCpu} (100% = one core); ${p.polls} polls; ` +
      `registering the ${fmt(INSTANCES)} instances over HTTP took ${fmtMs(p.registerMs)}`,
  );
  console.log(
    `sync per service: ${fmtMs(p.syncMs / SERVICES)}; this disk: 512 B append + fdatasync, 1 writer, ` +
      `p50 ${fmtMs(p.disk.p50Ms)}, p99 ${fmtMs(p.disk.p99Ms)} (${fmt(p.disk.perSec)}/s)`,
  );

  const rssDelta = p.rssAfter - p.rssBefore;
  const rssSettledDelta = p.rssSettled - p.rssBefore;
  printTable(
    `importer memory per imported instance; baseline: heap per local (registered) instance, same in-process ` +
      `measurement${heap.gc ? '' : ' (NO --expose-gc: heap figures without full GC, unreliable)'}`,
    ['figure', 'per instance', 'ratio to local heap', 'target ≤ 3 KB'],
    [
      [
        `importer RSS delta, right after sync (${fmtBytes(p.rssBefore)} → ${fmtBytes(p.rssAfter)})`,
        fmtBytes(rssDelta / INSTANCES),
        ratio(rssDelta / INSTANCES, heap.localPerInstance),
        rssDelta / INSTANCES <= 3_072 ? 'met' : 'over',
      ],
      [
        `importer RSS delta, 3 s later (→ ${fmtBytes(p.rssSettled)})`,
        fmtBytes(rssSettledDelta / INSTANCES),
        ratio(rssSettledDelta / INSTANCES, heap.localPerInstance),
        rssSettledDelta / INSTANCES <= 3_072 ? 'met' : 'over',
      ],
      [
        'StateStore heap, imported (peering-import-service), in-process',
        fmtBytes(heap.importedPerInstance),
        ratio(heap.importedPerInstance, heap.localPerInstance),
        heap.importedPerInstance <= 3_072 ? 'met' : 'over',
      ],
      [
        'StateStore heap, local (register), in-process: baseline',
        fmtBytes(heap.localPerInstance),
        '1.00x',
        '',
      ],
    ],
  );
  console.log(
    `RSS over-counts against heap (garbage not yet collected, gRPC/HTTP buffers of the sync, V8 reserve); ` +
      `one instance as replicated is ${heap.wireJsonBytes} B of JSON; in-process import of ${fmt(SERVICES)} ` +
      `services took ${fmtMs(heap.importMs)}`,
  );
  printReproduce(COMMAND);
});
