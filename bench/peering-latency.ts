/**
 * Peering change-to-visible latency: a health change on the exporting cluster (one `web` instance's check flipped
 * passing ↔ critical through `PUT /v1/catalog/register`) until a blocking
 * `GET /v1/health/service/web?peer=<exporter>&index=N&wait=60s` on an importing cluster returns showing it. Every
 * cluster is its own agent process (durable, -server -bootstrap, gRPC TLS on loopback). Measured with 1 importer,
 * then with 10 importers (the exporter exports `web` to all 10; each change is timed on all 10), 200 changes each
 * after 10 warm-up changes. Baseline in the same run: a unary gRPC round trip on loopback (@grpc/grpc-js, in this
 * process), plaintext and TLS.
 *
 *   node --import tsx bench/peering-latency.ts
 */
import type { Agent } from 'node:http';
import { runBench } from './lib/cleanup.js';
import { CpuMeter } from './lib/cpu.js';
import { diskFsync } from './lib/disk.js';
import { grpcUnaryRtt, type RttResult } from './lib/grpc-rtt.js';
import { consulIndex, httpOk, httpRequest, keepAliveAgent } from './lib/http-client.js';
import {
  establish,
  exportServices,
  generateToken,
  readPeering,
  startPeerAgent,
  waitActive,
  type PeerAgent,
} from './lib/peer-agent.js';
import {
  fmt,
  fmtMs,
  percentile,
  printHeader,
  printReproduce,
  printTable,
  ratio,
  sleep,
} from './lib/stats.js';

const COMMAND = 'node --import tsx bench/peering-latency.ts';
const IMPORTERS = 10;
const CHANGES = 200;
const WARMUP_CHANGES = 10;
/** Instances of `web` on the exporter; instance 0's check is the one flipped. */
const INSTANCES = 10;
/** Time given to the blocking queries to reach the importers and park before the change is written. */
const PARK_MS = 20;
/** A change not visible on an importer after this long counts as missed. */
const VISIBLE_TIMEOUT_MS = 10_000;
const MAX_MISSED = 20;
/** The name each importer gives the exporter. */
const EXPORTER_PEER = 'exporter';
const importerPeerName = (i: number): string => `imp-${i + 1}`;

type Status = 'passing' | 'critical';

function registrationBody(i: number, status: Status): string {
  return JSON.stringify({
    Node: `exp-node-${i}`,
    Address: `10.0.0.${i + 1}`,
    Service: { Service: 'web', ID: `web-${i}`, Port: 8080, Tags: ['v1'] },
    Check: { CheckID: `service:web-${i}`, Name: 'web health', Status: status, ServiceID: `web-${i}` },
  });
}

interface HealthRow {
  Service: { ID: string };
  Checks: { Status: string }[];
}

/** Status of web-0's imported (flattened) check in a health response, and how many instances it lists. */
function parseHealth(body: Buffer): { status: string | undefined; instances: number } {
  const rows = JSON.parse(body.toString('utf8')) as HealthRow[];
  const row = rows.find((r) => r.Service.ID === 'web-0');
  return { status: row?.Checks[0]?.Status, instances: rows.length };
}

interface Importer {
  agent: PeerAgent;
  http: Agent;
  /** X-Consul-Index of the last health response seen. */
  index: number;
}

const healthUrl = (imp: Importer): string =>
  `${imp.agent.httpAddr}/v1/health/service/web?peer=${EXPORTER_PEER}`;

/** Polls the importer until web shows `instances` instances with web-0 in `status`; sets its index. */
async function waitImported(imp: Importer, instances: number, status: Status): Promise<void> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const res = await httpOk(imp.http, 'GET', healthUrl(imp));
    const h = parseHealth(res.body);
    if (h.instances === instances && h.status === status) {
      imp.index = consulIndex(res);
      return;
    }
    if (performance.now() > deadline) {
      throw new Error(
        `${imp.agent.name}: web not imported after 60 s (${h.instances} instances, ${h.status})`,
      );
    }
    await sleep(50);
  }
}

/**
 * Blocks on the importer until web-0 shows `want`; resolves with the arrival time, or undefined when it was not
 * visible within VISIBLE_TIMEOUT_MS. Responses that do not show it yet (an index moved for another reason) re-block.
 */
async function blockUntil(imp: Importer, want: Status, signal: AbortSignal): Promise<number | undefined> {
  for (;;) {
    let res;
    try {
      res = await httpRequest(
        imp.http,
        'GET',
        `${healthUrl(imp)}&index=${imp.index}&wait=60s`,
        undefined,
        signal,
      );
    } catch (err) {
      if (signal.aborted) return undefined;
      throw err;
    }
    const at = performance.now();
    if (res.status !== 200) throw new Error(`${imp.agent.name}: blocking query -> ${res.status}`);
    imp.index = consulIndex(res);
    if (parseHealth(res.body).status === want) return at;
  }
}

interface PhaseResult {
  name: string;
  peers: number;
  /** change → visible, every (change, importer) pair */
  visible: number[];
  /** change → visible on the last of the importers, per change */
  all: number[];
  /** the exporter's PUT ack */
  ack: number[];
  missed: number;
  /** max over peers of the exporter's Diagnostics.ReplicationLagMs.P99 */
  lagP99: number;
  exporterCpu: string;
  importerCpu: string;
}

async function runPhase(
  name: string,
  exporter: PeerAgent,
  importers: readonly Importer[],
  writer: Agent,
  status: { current: Status },
): Promise<PhaseResult> {
  const visible: number[] = [];
  const all: number[] = [];
  const ack: number[] = [];
  let missed = 0;
  const meter = new CpuMeter([exporter.child.pid, ...importers.map((i) => i.agent.child.pid)]);
  for (let c = 0; c < WARMUP_CHANGES + CHANGES; c++) {
    if (c === WARMUP_CHANGES) meter.start();
    const want: Status = status.current === 'passing' ? 'critical' : 'passing';
    const abort = new AbortController();
    const waits = importers.map((imp) => blockUntil(imp, want, abort.signal));
    await sleep(PARK_MS);
    const t0 = performance.now();
    await httpOk(writer, 'PUT', `${exporter.httpAddr}/v1/catalog/register`, registrationBody(0, want));
    const acked = performance.now();
    status.current = want;
    const timer = setTimeout(() => abort.abort(), VISIBLE_TIMEOUT_MS);
    const arrivals = await Promise.all(waits);
    clearTimeout(timer);
    if (c < WARMUP_CHANGES) continue;
    ack.push(acked - t0);
    let last = 0;
    for (const at of arrivals) {
      if (at === undefined) {
        missed++;
        continue;
      }
      visible.push(at - t0);
      last = Math.max(last, at - t0);
    }
    if (arrivals.every((a) => a !== undefined)) all.push(last);
    if (missed > MAX_MISSED)
      throw new Error(`${name}: more than ${MAX_MISSED} changes not visible within 10 s`);
    if (missed > 0) {
      // Resynchronise the importers that missed it before the next change.
      await Promise.all(importers.map((imp) => waitImported(imp, INSTANCES, want)));
    }
  }
  meter.stop();
  const http = keepAliveAgent(4);
  let lagP99 = Number.NaN;
  try {
    const peerings = await Promise.all(
      importers.map((_, i) => readPeering(http, exporter, importerPeerName(i))),
    );
    const lags = peerings.map((p) => p?.Diagnostics?.ReplicationLagMs?.P99 ?? Number.NaN);
    lagP99 = lags.some(Number.isFinite) ? Math.max(...lags.filter(Number.isFinite)) : Number.NaN;
  } finally {
    http.destroy();
  }
  const importerCpu = importers
    .map((_, i) => meter.percent(i + 1))
    .map((p) => Number.parseInt(p, 10))
    .reduce((a, b) => a + b, 0);
  return {
    name,
    peers: importers.length,
    visible,
    all,
    ack,
    missed,
    lagP99,
    exporterCpu: meter.percent(0),
    importerCpu: Number.isFinite(importerCpu) ? `${importerCpu}%` : 'n/a',
  };
}

/** Peers `importers[k]` with the exporter (token on the exporter, establish on the importer) and waits for web. */
async function peerWith(
  http: Agent,
  exporter: PeerAgent,
  importers: readonly Importer[],
  ks: readonly number[],
  status: Status,
): Promise<void> {
  await Promise.all(
    ks.map(async (k) => {
      const imp = importers[k]!;
      const token = await generateToken(http, exporter, importerPeerName(k));
      await establish(imp.http, imp.agent, EXPORTER_PEER, token);
      await waitActive(imp.http, imp.agent, EXPORTER_PEER);
      await waitActive(http, exporter, importerPeerName(k));
      await waitImported(imp, INSTANCES, status);
    }),
  );
}

await runBench('peering-latency', async () => {
  printHeader(
    'peering-latency',
    `health change on the exporter → blocking ?peer= health query returns on the importer, ${CHANGES} changes, ` +
      `1 and ${IMPORTERS} importers`,
  );

  const rtt: RttResult[] = await grpcUnaryRtt();
  const tls = rtt[1]!;

  const t0 = performance.now();
  const [exporter, ...importerAgents] = await Promise.all([
    startPeerAgent({ name: 'exporter', grpcTls: true }),
    ...Array.from({ length: IMPORTERS }, (_, i) =>
      startPeerAgent({ name: `importer-${i + 1}`, grpcTls: true }),
    ),
  ]);
  const startedMs = performance.now() - t0;
  console.log(`started ${IMPORTERS + 1} agents in parallel in ${fmtMs(startedMs)}`);
  const writer = keepAliveAgent(16);
  const importers: Importer[] = importerAgents.map((agent) => ({ agent, http: keepAliveAgent(2), index: 0 }));
  try {
    const status = { current: 'passing' as Status };
    await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) =>
        httpOk(writer, 'PUT', `${exporter!.httpAddr}/v1/catalog/register`, registrationBody(i, 'passing')),
      ),
    );

    // 1 peer.
    await exportServices(writer, exporter!, ['web'], [importerPeerName(0)]);
    await peerWith(writer, exporter!, importers, [0], status.current);
    const one = await runPhase('1 peer', exporter!, importers.slice(0, 1), writer, status);

    // 10 peers: export to all, peer the other 9.
    await exportServices(
      writer,
      exporter!,
      ['web'],
      importers.map((_, i) => importerPeerName(i)),
    );
    const t1 = performance.now();
    await peerWith(writer, exporter!, importers, importers.map((_, i) => i).slice(1), status.current);
    console.log(`peered ${IMPORTERS - 1} more importers in ${fmtMs(performance.now() - t1)}`);
    await Promise.all(importers.map((imp) => waitImported(imp, INSTANCES, status.current)));
    const ten = await runPhase(`${IMPORTERS} peers`, exporter!, importers, writer, status);

    const disk = diskFsync();
    printTable(
      'baseline: unary gRPC round trip on loopback (@grpc/grpc-js, 64 B each way, in the benchmark process)',
      ['call', 'samples', 'p50', 'p99'],
      rtt.map((r) => [r.name, fmt(r.samples), fmtMs(r.p50), fmtMs(r.p99)]),
    );
    printTable(
      'change → visible = just before the exporter PUT is sent → blocking ?peer= health response showing it; ' +
        'all peers = until the last importer shows it',
      [
        'importers',
        'samples',
        'visible p50',
        'visible p99',
        'max',
        'all peers p50',
        'all peers p99',
        'PUT ack p50',
        'lag p99 (exporter)',
        'p50 / gRPC TLS p50',
        'p99 / gRPC TLS p99',
      ],
      [one, ten].map((r) => [
        r.name,
        fmt(r.visible.length),
        fmtMs(percentile(r.visible, 50)),
        fmtMs(percentile(r.visible, 99)),
        fmtMs(Math.max(...r.visible)),
        fmtMs(percentile(r.all, 50)),
        fmtMs(percentile(r.all, 99)),
        fmtMs(percentile(r.ack, 50)),
        fmtMs(r.lagP99),
        ratio(percentile(r.visible, 50), tls.p50),
        ratio(percentile(r.visible, 99), tls.p99),
      ]),
    );
    for (const r of [one, ten]) {
      console.log(
        `${r.name}: missed ${r.missed}; CPU over the window: exporter ${r.exporterCpu}, importers ${r.importerCpu} ` +
          `(sum; 100% = one core)`,
      );
    }
    const p50One = percentile(one.visible, 50);
    const p99Ten = percentile(ten.visible, 99);
    console.log(
      `\ntargets: p50 with 1 peer ${fmtMs(p50One)} (≤ 10 ms: ${p50One <= 10 ? 'met' : 'missed'}); ` +
        `p99 with ${IMPORTERS} peers ${fmtMs(p99Ten)} (≤ 50 ms: ${p99Ten <= 50 ? 'met' : 'missed'})`,
    );
    console.log(
      `context: a change is two durable commits in a row (exporter PUT, importer import); this disk: 512 B append ` +
        `+ fdatasync, 1 writer, p50 ${fmtMs(disk.p50Ms)}, p99 ${fmtMs(disk.p99Ms)} (${fmt(disk.perSec)}/s)`,
    );
    console.log(
      'lag p99 (exporter) = max over peers of GET /v1/peering/<peer> Diagnostics.ReplicationLagMs.P99 ' +
        '(commit → ACK, measured by the exporter itself)',
    );
  } finally {
    writer.destroy();
    for (const imp of importers) imp.http.destroy();
  }
  printReproduce(COMMAND);
});
