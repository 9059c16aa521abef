/**
 * Peering fan-out cost: exporter CPU per change with 1, 10 and 20 peers, and how long a burst of changes takes to
 * be exact on every importer. The exporter (an agent process, durable, gRPC TLS on loopback) holds 1,000 services
 * × 10 instances, all exported (`*`) to every importer; importers are agent processes that dial it. For each peer
 * count, bursts of 100 health flips (instance 0 of 100 different services, `PUT /v1/catalog/register` with the
 * check's status flipped, 16 at a time) are timed until every importer shows all 100 exactly
 * (`GET /v1/health/service/<svc>?peer=exporter`), and the CPU time of every agent over that window
 * (/proc/<pid>/stat) is divided by 100.
 *
 * Waiting for "exact" uses blocking queries (`?index=N`), as a Consul client waits: each importer is watched on the
 * last flipped service, then all 100 are checked in one read of its critical checks
 * (`/v1/health/state/critical?peer=exporter`); any not yet exact is waited on next. Reading the 100 services one
 * by one per check (as this bench did) was about a fifth of a profiled importer's CPU in the window (the
 * importer's HTTP serving; about a seventh with the bulk read). After the window,
 * every importer's `/v1/health/service/<svc>?peer=exporter` is checked for all 100 (not measured); a
 * disagreement fails the run.
 *
 * Baseline in the same run: the same bursts with no peer at all (HTTP + log + catalog work only). Printed: CPU per
 * change, its ratio to the 1-peer run, what each added peer costs per change ((cpu(N) − cpu(1)) / (N − 1)), the
 * wall time to exact, the importers' CPU per imported change, and the CPU of all agents per burst (what two cores
 * must absorb: on a quiet machine, wall to exact ≥ that / 2).
 *
 *   node --import tsx bench/peer-fanout.ts            # PEERS=1,10,20 ROUNDS=3 to change the defaults
 * Then, a different measurement, printed in its own table: the importer agents stopped, the exporter with 1 and
 * 10 lean in-process peers (bench/lib/lean-peer.ts: Entente's gRPC transport, statuses kept in memory, every
 * response ACKed at once; LEAN=1,10 to change, LEAN=0 to skip): the exporter's cost per peer without importer
 * agents competing for the two cores.
 *
 *   PROFILE_DIR=/tmp/prof node --import tsx bench/peer-fanout.ts   # + a V8 CPU profile of the exporter and the
 *                                                                  # first importer (written when they stop)
 */
import type { Agent } from 'node:http';
import { runBench, stopChild } from './lib/cleanup.js';
import { processCpuMs } from './lib/cpu.js';
import { consulIndex, httpOk, keepAliveAgent, type HttpResponse } from './lib/http-client.js';
import { runCount } from './lib/load.js';
import { registration } from './lib/payload.js';
import { LeanPeer } from './lib/lean-peer.js';
import {
  establish,
  exportServices,
  generateToken,
  startPeerAgent,
  waitActive,
  type PeerAgent,
} from './lib/peer-agent.js';
import {
  fmt,
  fmtMs,
  loadLine,
  median,
  printHeader,
  printReproduce,
  printTable,
  ratio,
  sleep,
} from './lib/stats.js';

const COMMAND = 'node --import tsx bench/peer-fanout.ts';
const SERVICES = 1_000;
const PER_SERVICE = 10;
const NODES = 1_000;
const FLIPS = 100;
const ROUNDS = Number(process.env['ROUNDS'] ?? 3);
const PEER_COUNTS = (process.env['PEERS'] ?? '1,10,20').split(',').map(Number);
const MAX_PEERS = Math.max(...PEER_COUNTS);
const EXPORTER_PEER = 'exporter';
const SYNC_TIMEOUT_MS = 300_000;
const BURST_TIMEOUT_MS = 120_000;
/** When set, the exporter and the first importer run with `--cpu-prof` into this directory. */
const PROFILE_DIR = process.env['PROFILE_DIR'];
const profileArgs = (profiled: boolean): string[] =>
  PROFILE_DIR !== undefined && profiled ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];

/** Lean (in-process, store-less) importers for the exporter-only figure; LEAN=0 skips it. */
const LEAN_COUNTS = (process.env['LEAN'] ?? '1,10')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const MAX_LEAN = Math.max(0, ...LEAN_COUNTS);
const leanName = (i: number): string => `lean-${i + 1}`;
const serviceName = (s: number): string => `svc-${String(s).padStart(4, '0')}`;
const importerName = (i: number): string => `imp-${i + 1}`;

/** The registration of instance 0 of service `s` with its check at `status`. */
function flipBody(s: number, status: 'passing' | 'critical'): string {
  const r = registration(serviceName(s), s * PER_SERVICE, NODES);
  return JSON.stringify({ ...r, Check: { ...r.Check, Status: status } });
}

interface HealthRow {
  Service: { ID: string };
  Checks: { Status: string }[];
}

/**
 * A request, retried when a kept-alive connection was reset under it (the server closed it as idle while the
 * request went out; a loaded machine makes that race likely). Only used for GETs and catalog registrations, which
 * are idempotent.
 */
async function requestWithRetry(
  http: Agent,
  method: 'GET' | 'PUT',
  url: string,
  body?: string,
): Promise<HttpResponse> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await httpOk(http, method, url, body);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (attempt >= 3 || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw err;
    }
  }
}

/** The flipped instance's check status of service `s` on an importer. */
async function importedStatus(
  http: Agent,
  imp: PeerAgent,
  s: number,
): Promise<{ status: string | undefined }> {
  const res = await requestWithRetry(
    http,
    'GET',
    `${imp.httpAddr}/v1/health/service/${serviceName(s)}?peer=${EXPORTER_PEER}`,
  );
  const rows = JSON.parse(res.body.toString('utf8')) as HealthRow[];
  return { status: rows.find((r) => r.Service.ID === flippedId(s))?.Checks[0]?.Status };
}

async function importedCount(http: Agent, imp: PeerAgent): Promise<number> {
  const res = await requestWithRetry(
    http,
    'GET',
    `${imp.httpAddr}/v1/catalog/services?peer=${EXPORTER_PEER}`,
  );
  return Object.keys(JSON.parse(res.body.toString('utf8')) as object).length;
}

/** Waits until the importer has every service and the last one's instances. */
async function waitSynced(http: Agent, imp: PeerAgent): Promise<void> {
  const deadline = performance.now() + SYNC_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if ((await importedCount(http, imp)) >= SERVICES) {
      const res = await requestWithRetry(
        http,
        'GET',
        `${imp.httpAddr}/v1/health/service/${serviceName(SERVICES - 1)}?peer=${EXPORTER_PEER}`,
      );
      if ((JSON.parse(res.body.toString('utf8')) as unknown[]).length === PER_SERVICE) return;
    }
    await sleep(100);
  }
  throw new Error(`${imp.name} not in sync after ${SYNC_TIMEOUT_MS} ms`);
}

/** The IDs of the service instances with a critical check among what `imp` imported. */
async function importedCritical(http: Agent, imp: PeerAgent): Promise<{ ids: Set<string> }> {
  const res = await requestWithRetry(
    http,
    'GET',
    `${imp.httpAddr}/v1/health/state/critical?peer=${EXPORTER_PEER}`,
  );
  const rows = JSON.parse(res.body.toString('utf8')) as { ServiceID: string }[];
  return { ids: new Set(rows.map((r) => r.ServiceID)) };
}

/** The instance a burst flips in service `s`. */
const flippedId = (s: number): string => `${serviceName(s)}-${s * PER_SERVICE}`;

/** Blocks (a blocking query on that one service) until service `s` shows `status` on `imp`. */
async function waitStatus(
  http: Agent,
  imp: PeerAgent,
  s: number,
  status: string,
  deadline: number,
): Promise<void> {
  let index = 0;
  for (;;) {
    if (performance.now() > deadline) throw new Error(`${imp.name}: burst not exact in time`);
    const res = await requestWithRetry(
      http,
      'GET',
      `${imp.httpAddr}/v1/health/service/${serviceName(s)}?peer=${EXPORTER_PEER}` +
        (index > 0 ? `&index=${index}&wait=60s` : ''),
    );
    const rows = JSON.parse(res.body.toString('utf8')) as HealthRow[];
    if (rows.find((r) => r.Service.ID === flippedId(s))?.Checks[0]?.Status === status) return;
    index = consulIndex(res);
  }
}

/**
 * Until `imp` shows every flipped instance at `status`: a blocking query on the last flipped service, then one
 * read of the importer's critical checks (`/v1/health/state/critical?peer=…`) for all 100 at once; any not yet
 * exact is waited on next (blocking on that service), and so on. A burst usually costs an importer one blocking
 * query and one bulk read, not one read per service.
 */
async function waitExactOn(
  http: Agent,
  imp: PeerAgent,
  services: readonly number[],
  status: 'critical' | 'passing',
  deadline: number,
): Promise<void> {
  let target = services[services.length - 1]!;
  for (;;) {
    await waitStatus(http, imp, target, status, deadline);
    const { ids } = await importedCritical(http, imp);
    const pending = services.filter((s) => ids.has(flippedId(s)) !== (status === 'critical'));
    if (pending.length === 0) return;
    target = pending[0]!;
  }
}

async function waitExact(
  http: Agent,
  importers: readonly PeerAgent[],
  services: readonly number[],
  status: 'critical' | 'passing',
): Promise<void> {
  const deadline = performance.now() + BURST_TIMEOUT_MS;
  await Promise.all(importers.map((imp) => waitExactOn(http, imp, services, status, deadline)));
}

/**
 * After the measured window: every importer's `/v1/health/service/<svc>?peer=…` shows `status` on every flipped
 * instance (the view a service's client reads agrees with the one the wait watched), else the run fails.
 */
async function verifyExact(
  http: Agent,
  importers: readonly PeerAgent[],
  services: readonly number[],
  status: string,
): Promise<void> {
  for (const imp of importers) {
    const now = await Promise.all(services.map((s) => importedStatus(http, imp, s)));
    const wrong = services.filter((_, i) => now[i]!.status !== status);
    if (wrong.length > 0) {
      throw new Error(`${imp.name}: ${wrong.length} services not ${status} on /v1/health/service`);
    }
  }
}

async function establishWithRetry(
  http: Agent,
  exporter: PeerAgent,
  imp: PeerAgent,
  k: number,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const token = await generateToken(http, exporter, importerName(k));
      await establish(http, imp, EXPORTER_PEER, token);
      await waitActive(http, imp, EXPORTER_PEER, 120_000);
      return;
    } catch (err) {
      if (attempt >= 5) throw err;
      console.log(
        `establish ${imp.name} failed (attempt ${attempt}), retrying: ${String(err).slice(0, 160)}`,
      );
      await sleep(1_000);
    }
  }
}

interface BurstResult {
  wallMs: number;
  cpuPerChangeMs: number;
  /** Importer CPU per imported change (mean over the active importers), ms. */
  importerCpuPerChangeMs: number;
  /** CPU of the exporter and every active importer over the burst, ms. */
  agentsCpuMs: number;
}

async function burst(
  http: Agent,
  exporter: PeerAgent,
  importers: readonly PeerAgent[],
  round: number,
): Promise<BurstResult> {
  const status = round % 2 === 0 ? 'critical' : 'passing';
  const services = Array.from({ length: FLIPS }, (_, j) => (j * 7 + 3) % SERVICES);
  const cpu0 = processCpuMs(exporter.child.pid);
  const imp0 = importers.map((imp) => processCpuMs(imp.child.pid));
  const t0 = performance.now();
  await runCount({
    concurrency: 16,
    total: FLIPS,
    maxMs: BURST_TIMEOUT_MS,
    op: async (j) => {
      await requestWithRetry(
        http,
        'PUT',
        `${exporter.httpAddr}/v1/catalog/register`,
        flipBody(services[j]!, status),
      );
    },
  });
  if (importers.length > 0) await waitExact(http, importers, services, status);
  const wallMs = performance.now() - t0;
  const exporterCpu = processCpuMs(exporter.child.pid) - cpu0;
  const importerCpu = importers.reduce((sum, imp, i) => sum + processCpuMs(imp.child.pid) - imp0[i]!, 0);
  await verifyExact(http, importers, services, status);
  return {
    wallMs,
    cpuPerChangeMs: exporterCpu / FLIPS,
    importerCpuPerChangeMs: importers.length === 0 ? 0 : importerCpu / importers.length / FLIPS,
    agentsCpuMs: exporterCpu + importerCpu,
  };
}

interface Row {
  peers: number;
  wallMs: number;
  cpuPerChangeMs: number;
  importerCpuPerChangeMs: number;
  agentsCpuMs: number;
}

interface LeanRow {
  peers: number;
  wallMs: number;
  cpuPerChangeMs: number;
  /** CPU of the benchmark process (every lean peer and the writing HTTP client) per change, ms. */
  benchCpuPerChangeMs: number;
}

/** One burst with lean peers: exporter CPU per change and the lean peers' (the benchmark process's) CPU. */
async function leanBurst(
  http: Agent,
  exporter: PeerAgent,
  peers: readonly LeanPeer[],
  round: number,
): Promise<Omit<LeanRow, 'peers'>> {
  const status = round % 2 === 0 ? 'critical' : 'passing';
  const services = Array.from({ length: FLIPS }, (_, j) => (j * 7 + 3) % SERVICES);
  const cpu0 = processCpuMs(exporter.child.pid);
  const own0 = process.cpuUsage();
  const t0 = performance.now();
  await runCount({
    concurrency: 16,
    total: FLIPS,
    maxMs: BURST_TIMEOUT_MS,
    op: async (j) => {
      const body = flipBody(services[j]!, status);
      await requestWithRetry(http, 'PUT', `${exporter.httpAddr}/v1/catalog/register`, body);
    },
  });
  const deadline = performance.now() + BURST_TIMEOUT_MS;
  await Promise.all(
    peers.map((p) => p.until(() => services.every((s) => p.status.get(flippedId(s)) === status), deadline)),
  );
  const wallMs = performance.now() - t0;
  const own = process.cpuUsage(own0);
  return {
    wallMs,
    cpuPerChangeMs: (processCpuMs(exporter.child.pid) - cpu0) / FLIPS,
    benchCpuPerChangeMs: (own.user + own.system) / 1000 / FLIPS,
  };
}

/**
 * The exporter-only figure (a different measurement from the table above): the importer agents stopped, the
 * exporter serves 1 and then N lean in-process peers (bench/lib/lean-peer.ts: decode, keep statuses, ACK).
 */
async function measureLean(http: Agent, exporter: PeerAgent): Promise<void> {
  const peers: LeanPeer[] = [];
  const rows: LeanRow[] = [];
  try {
    for (const n of LEAN_COUNTS) {
      while (peers.length < n) {
        const p = new LeanPeer();
        peers.push(p);
        await p.connect(await generateToken(http, exporter, leanName(peers.length - 1)), 'dc-lean');
      }
      const deadline = performance.now() + SYNC_TIMEOUT_MS;
      await Promise.all(peers.map((p) => p.until(() => p.status.size >= SERVICES * PER_SERVICE, deadline)));
      await sleep(1_000);
      await leanBurst(http, exporter, peers, 1); // warm-up
      const results: Omit<LeanRow, 'peers'>[] = [];
      for (let r = 0; r < ROUNDS; r++) results.push(await leanBurst(http, exporter, peers, r));
      const med = (f: (r: Omit<LeanRow, 'peers'>) => number): number => median(results.map(f));
      rows.push({
        peers: n,
        wallMs: med((x) => x.wallMs),
        cpuPerChangeMs: med((x) => x.cpuPerChangeMs),
        benchCpuPerChangeMs: med((x) => x.benchCpuPerChangeMs),
      });
    }
  } finally {
    await Promise.all(peers.map((p) => p.close()));
  }
  const one = rows[0]!;
  printTable(
    'DIFFERENT MEASUREMENT: exporter only, with lean in-process peers (no store, log or HTTP on the importing ' +
      'side; importer agents stopped)',
    [
      'lean peers',
      'wall to exact',
      'exporter CPU ms/change',
      'per added peer',
      'bench process ms/change (lean peers + client)',
    ],
    rows.map((r) => [
      String(r.peers),
      fmtMs(r.wallMs),
      fmt(r.cpuPerChangeMs, 3),
      r.peers > one.peers ? fmt((r.cpuPerChangeMs - one.cpuPerChangeMs) / (r.peers - one.peers), 3) : '-',
      fmt(r.benchCpuPerChangeMs, 3),
    ]),
  );
}

async function main(): Promise<void> {
  printHeader('peer-fanout', `exporter CPU per change with ${PEER_COUNTS.join(', ')} peers`);
  const http = keepAliveAgent(64);
  const t0 = performance.now();
  const exporter = await startPeerAgent({ name: 'exporter', grpcTls: true, nodeArgs: profileArgs(true) });
  const importers: PeerAgent[] = [];
  for (let i = 0; i < MAX_PEERS; i += 5) {
    const batch = Array.from({ length: Math.min(5, MAX_PEERS - i) }, (_, k) =>
      startPeerAgent({ name: importerName(i + k), nodeArgs: profileArgs(i + k === 0) }),
    );
    importers.push(...(await Promise.all(batch)));
  }
  console.log(`started ${1 + importers.length} agents in ${fmtMs(performance.now() - t0)}`);

  const tReg = performance.now();
  const total = SERVICES * PER_SERVICE;
  const reg = await runCount({
    concurrency: 16,
    total,
    maxMs: 600_000,
    op: async (n) => {
      const s = Math.floor(n / PER_SERVICE);
      await requestWithRetry(
        http,
        'PUT',
        `${exporter.httpAddr}/v1/catalog/register`,
        JSON.stringify(registration(serviceName(s), n, NODES)),
      );
    },
  });
  if (reg.done !== total) throw new Error(`registered only ${reg.done} of ${total}`);
  console.log(`registered ${fmt(total)} instances in ${fmtMs(performance.now() - tReg)}`);
  await exportServices(
    http,
    exporter,
    ['*'],
    [...importers.map((_, i) => importerName(i)), ...Array.from({ length: MAX_LEAN }, (_, i) => leanName(i))],
  );

  const rows: Row[] = [];
  const measure = async (peers: number): Promise<void> => {
    const active = importers.slice(0, peers);
    await burst(http, exporter, active, 1); // warm-up
    const results: BurstResult[] = [];
    for (let r = 0; r < ROUNDS; r++) results.push(await burst(http, exporter, active, r));
    const med = (f: (r: BurstResult) => number): number => median(results.map(f));
    const row: Row = {
      peers,
      wallMs: med((x) => x.wallMs),
      cpuPerChangeMs: med((x) => x.cpuPerChangeMs),
      importerCpuPerChangeMs: med((x) => x.importerCpuPerChangeMs),
      agentsCpuMs: med((x) => x.agentsCpuMs),
    };
    rows.push(row);
    console.log(
      `${peers} peers: ${FLIPS} flips exact on every importer in ${fmtMs(row.wallMs)} (median of ${ROUNDS}), ` +
        `exporter ${fmt(row.cpuPerChangeMs, 3)} ms CPU per change; ${loadLine()}`,
    );
  };

  await measure(0);
  let established = 0;
  for (const peers of PEER_COUNTS) {
    // One establish at a time, retried: on a busy machine a burst of secret exchanges can pass their deadline.
    for (let k = established; k < peers; k++) await establishWithRetry(http, exporter, importers[k]!, k);
    established = peers;
    await Promise.all(importers.slice(0, peers).map((imp) => waitSynced(http, imp)));
    await sleep(1_000);
    await measure(peers);
  }

  const base = rows.find((r) => r.peers === 0)!;
  const one = rows.find((r) => r.peers === 1);
  printTable(
    `exporter CPU per change (${SERVICES} services × ${PER_SERVICE} instances exported; bursts of ${FLIPS} flips)`,
    [
      'peers',
      'wall to exact',
      'CPU ms/change',
      'vs 1 peer',
      'fan-out ms/change',
      'per added peer',
      'importer ms/change',
      'all agents CPU/burst',
    ],
    rows.map((r) => [
      String(r.peers),
      fmtMs(r.wallMs),
      fmt(r.cpuPerChangeMs, 3),
      one ? ratio(r.cpuPerChangeMs, one.cpuPerChangeMs) : 'n/a',
      fmt(r.cpuPerChangeMs - base.cpuPerChangeMs, 3),
      one && r.peers > 1 ? fmt((r.cpuPerChangeMs - one.cpuPerChangeMs) / (r.peers - 1), 3) : '-',
      r.peers === 0 ? '-' : fmt(r.importerCpuPerChangeMs, 3),
      fmtMs(r.agentsCpuMs),
    ]),
  );
  console.log(
    '\nfan-out = CPU per change minus the 0-peer baseline (HTTP, log, catalog); per added peer = ' +
      '(CPU(N) − CPU(1)) / (N − 1), target ≤ 0.1 ms;\nwall to exact for 0 peers = the 100 writes alone; ' +
      `target: 10 importers exact ≤ 0.5 s (needs all agents' CPU per burst well under 1 s on 2 cores)`,
  );
  if (MAX_LEAN > 0) {
    // The importer agents go first, so the exporter serves the lean peers only.
    await Promise.all(importers.map((imp) => stopChild(imp.child)));
    await measureLean(http, exporter);
  }
  if (PROFILE_DIR !== undefined) {
    // A profile is written when the process exits normally: stop the profiled agents gracefully.
    await Promise.all([stopChild(exporter.child), stopChild(importers[0]!.child)]);
    console.log(`CPU profiles of the exporter and ${importers[0]!.name} in ${PROFILE_DIR}`);
  }
  printReproduce(COMMAND);
}

await runBench('peer-fanout', main);
