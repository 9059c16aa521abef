/**
 * Durable catalog writes/s: `PUT /v1/catalog/register` from 16 concurrent keep-alive clients against an agent with
 * `-data-dir` (fsync on, group commit). Baseline in the same run: a single-member etcd started here (own temp data
 * dir on the same disk, fsync on) driven with 16 concurrent puts of the same payload through the `etcd3` npm client;
 * and, briefly, `etcdctl put` invocations/s from 16 parallel shell-less loops (bound by process spawn, not by etcd).
 *
 * Both servers run throughout. After a 2 s warm-up each, they are measured in 3 runs of one 5 s round each,
 * alternating (entente, etcd | etcd, entente | entente, etcd), so a change in what else the machine is doing weighs
 * on both alike; each run's ratio is printed, and their spread.
 *
 * Same durability: etcd (default flags, no `--unsafe-no-fsync`) fdatasyncs its WAL once per raft batch before it
 * answers; the agent answers once the write's group-commit batch is durable (an `O_DSYNC` write; see
 * src/wal/README.md), and the printed command-log counters show entries per batch and durable flushes. Same load:
 * 16 closed-loop clients each; the agent's over 16 keep-alive HTTP/1.1 connections, etcd's over the etcd3 client's
 * gRPC (HTTP/2) channel, which costs the bench process more CPU (printed per round). Not the same work: each agent
 * write registers a node, a service and a check (three table rows, watch notifications); each etcd write is one key.
 *
 *   node --import tsx bench/writes.ts
 */
import { spawn } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { startBenchAgent, stopBenchAgent, type BenchAgent } from './lib/agent.js';
import { runBench, track, waitExit } from './lib/cleanup.js';
import { CpuMeter } from './lib/cpu.js';
import { diskFsync } from './lib/disk.js';
import { ETCDCTL_BIN, startEtcd, stopEtcd, type EtcdServer } from './lib/etcd.js';
import { httpOk, httpRequest, keepAliveAgent } from './lib/http-client.js';
import { runClosedLoop, type LoadResult } from './lib/load.js';
import { registrationBody } from './lib/payload.js';
import { ETCD, ETCDCTL, requireTools } from './lib/require-tools.js';
import { fmt, fmtMs, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --import tsx bench/writes.ts';
const CONCURRENCY = 16;
const WARMUP_MS = 2_000;
const ROUND_MS = 5_000;
const RUNS = 3;
const ETCDCTL_DURATION_MS = 3_000;
const FSYNC_DURATION_MS = 2_000;
/** Instances are spread over this many nodes (one instance per write, each a new one). */
const NODES = 1_000;

interface Row {
  name: string;
  result: LoadResult;
  serverCpu: string;
  benchCpu: string;
}

/** One side of the comparison: a closed-loop round of writes against a server that stays up between rounds. */
interface Side {
  name: string;
  serverPid: number | undefined;
  /** One write; `n` is unique over the whole benchmark, so every write is a new instance or key. */
  write: (n: number) => Promise<void>;
}

/** Runs one round (or the warm-up, `measure` false) against `side`; `first` numbers its writes. */
async function round(side: Side, first: number, measure: boolean): Promise<{ row: Row; issued: number }> {
  const cpu = new CpuMeter([side.serverPid, process.pid]);
  const result = await runClosedLoop({
    concurrency: CONCURRENCY,
    warmupMs: measure ? 0 : WARMUP_MS,
    durationMs: measure ? ROUND_MS : 1,
    op: async (seq) => {
      await side.write(first + seq);
      return true;
    },
    onWindowStart: () => cpu.start(),
    onWindowEnd: () => cpu.stop(),
  });
  return {
    row: { name: side.name, result, serverCpu: cpu.percent(0), benchCpu: cpu.percent(1) },
    issued: result.issued,
  };
}

function ententeSide(agent: BenchAgent, http: ReturnType<typeof keepAliveAgent>): Side {
  const url = `${agent.httpAddr}/v1/catalog/register`;
  return {
    name: 'entente PUT /v1/catalog/register',
    serverPid: agent.child.pid,
    write: async (n) => {
      const res = await httpRequest(http, 'PUT', url, registrationBody('bench', n, NODES));
      if (res.status !== 200)
        throw new Error(`HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
    },
  };
}

function etcdSide(etcd: EtcdServer, client: Etcd3): Side {
  return {
    name: 'etcd put (etcd3 npm client)',
    serverPid: etcd.child.pid,
    write: async (n) => {
      await client.put(`/bench/bench-${n}`).value(registrationBody('bench', n, NODES));
    },
  };
}

/** The agent's command-log counters (gauges `entente.wal.*` in `/v1/agent/metrics`). */
interface WalCounters {
  appends: number;
  batches: number;
  fsyncs: number;
}

async function walCounters(agent: BenchAgent, http: ReturnType<typeof keepAliveAgent>): Promise<WalCounters> {
  const res = await httpOk(http, 'GET', `${agent.httpAddr}/v1/agent/metrics`);
  const gauges = (JSON.parse(res.body.toString('utf8')) as { Gauges?: { Name: string; Value: number }[] })
    .Gauges;
  const get = (suffix: string): number =>
    gauges?.find((g) => g.Name.endsWith(`.wal.${suffix}`))?.Value ?? NaN;
  return { appends: get('appends'), batches: get('batches'), fsyncs: get('fsyncs') };
}

/** The rounds of one side as one figure: writes/s over all rounds, p50/p99 the median of the rounds'. */
function combine(rows: readonly Row[]): Row {
  const ops = rows.reduce((n, r) => n + r.result.ops, 0);
  const elapsedMs = rows.reduce((n, r) => n + r.result.elapsedMs, 0);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const first = rows[0]!;
  return {
    name: first.name,
    result: {
      ops,
      errors: rows.reduce((n, r) => n + r.result.errors, 0),
      elapsedMs,
      opsPerSec: (ops * 1000) / elapsedMs,
      p50Ms: median(rows.map((r) => r.result.p50Ms)),
      p99Ms: median(rows.map((r) => r.result.p99Ms)),
      firstError: rows.map((r) => r.result.firstError).find((e) => e !== undefined),
      issued: rows.reduce((n, r) => n + r.result.issued, 0),
    },
    serverCpu: rows.map((r) => r.serverCpu).join('/'),
    benchCpu: rows.map((r) => r.benchCpu).join('/'),
  };
}

/** 16 parallel loops, each running `etcdctl put <key> <payload>` back to back for a few seconds. */
async function benchEtcdctl(
  endpoint: string,
): Promise<{ invocations: number; perSec: number; failed: number }> {
  const env = { ...process.env, ETCDCTL_API: '3' };
  let ok = 0;
  let failed = 0;
  let seq = 0;
  const t0 = performance.now();
  const deadline = t0 + ETCDCTL_DURATION_MS;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const i = seq++;
      const child = track(
        spawn(
          ETCDCTL_BIN,
          ['--endpoints', endpoint, 'put', `/ctl/bench-${i}`, registrationBody('bench', i, NODES)],
          {
            env,
            stdio: 'ignore',
          },
        ),
      );
      const code = await waitExit(child, 10_000);
      if (code === 0) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => loop()));
  const elapsed = performance.now() - t0;
  return { invocations: ok, perSec: (ok * 1000) / elapsed, failed };
}

await runBench('writes', async () => {
  requireTools(ETCD, ETCDCTL);
  printHeader(
    'writes',
    `durable register writes/s, ${CONCURRENCY} concurrent clients, ${RUNS} runs of alternating ${ROUND_MS / 1000} s rounds per server after ${WARMUP_MS / 1000} s warm-up each`,
  );
  const payloadBytes = Buffer.byteLength(registrationBody('bench', 12_345, NODES));
  const agent = await startBenchAgent();
  const http = keepAliveAgent(CONCURRENCY);
  let etcd: EtcdServer | undefined;
  let client: Etcd3 | undefined;
  const runs: { entente: Row; etcd: Row }[] = [];
  let etcdctl: { invocations: number; perSec: number; failed: number };
  let walBefore: WalCounters;
  let walAfter: WalCounters;
  try {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.clientUrl });
    const e = ententeSide(agent, http);
    const d = etcdSide(etcd, client);
    let next = 0;
    const go = async (side: Side, measure: boolean): Promise<Row> => {
      const r = await round(side, next, measure);
      next += r.issued;
      return r.row;
    };
    await go(e, false);
    await go(d, false);
    walBefore = await walCounters(agent, http);
    for (let i = 0; i < RUNS; i++) {
      // Which side goes first alternates too, so neither always follows the other's disk backlog.
      if (i % 2 === 0) {
        const er = await go(e, true);
        runs.push({ entente: er, etcd: await go(d, true) });
      } else {
        const dr = await go(d, true);
        runs.push({ entente: await go(e, true), etcd: dr });
      }
    }
    walAfter = await walCounters(agent, http);
    etcdctl = await benchEtcdctl(etcd.clientUrl);
  } finally {
    http.destroy();
    client?.close();
    if (etcd) await stopEtcd(etcd);
    await stopBenchAgent(agent);
  }
  const disk = diskFsync(payloadBytes, FSYNC_DURATION_MS);
  const entente = combine(runs.map((r) => r.entente));
  const etcdRow = combine(runs.map((r) => r.etcd));
  const row = (r: Row): string[] => [
    r.name,
    fmt(r.result.opsPerSec),
    fmtMs(r.result.p50Ms),
    fmtMs(r.result.p99Ms),
    r.serverCpu,
    r.benchCpu,
    fmt(r.result.errors),
  ];
  printTable(
    `payload ${payloadBytes} B (JSON registration: node + service + check); server and bench CPU per round, 100% = 1 core`,
    ['system', 'writes/s', 'p50', 'p99', 'server CPU', 'bench CPU', 'errors'],
    [
      row(entente),
      row(etcdRow),
      [
        `etcdctl put, ${CONCURRENCY} loops (spawn-bound)`,
        fmt(etcdctl.perSec),
        '',
        '',
        '',
        '',
        fmt(etcdctl.failed),
      ],
      [
        `(disk: ${payloadBytes} B append + fdatasync, 1 writer)`,
        fmt(disk.perSec),
        fmtMs(disk.p50Ms),
        fmtMs(disk.p99Ms),
        '',
        '',
        '',
      ],
    ],
  );
  for (const r of [entente, etcdRow]) {
    if (r.result.firstError !== undefined) console.log(`first error (${r.name}): ${r.result.firstError}`);
  }
  const appends = walAfter.appends - walBefore.appends;
  const batches = walAfter.batches - walBefore.batches;
  const flushes = walAfter.fsyncs - walBefore.fsyncs;
  console.log(
    `entente command log over the measured rounds: ${fmt(appends)} appends in ${fmt(batches)} group-commit batches ` +
      `(${(appends / batches).toFixed(1)} per batch), ${fmt(flushes)} durable flushes (O_DSYNC writes or fdatasyncs)`,
  );
  const ratios = runs.map((r) => r.entente.result.opsPerSec / r.etcd.result.opsPerSec);
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `\nratio entente / etcd (etcd3 client), per run: ${runs
      .map(
        (r) =>
          `${ratio(r.entente.result.opsPerSec, r.etcd.result.opsPerSec)} (${fmt(r.entente.result.opsPerSec)} / ${fmt(r.etcd.result.opsPerSec)} writes/s)`,
      )
      .join(', ')}`,
  );
  console.log(
    `ratio spread over ${RUNS} runs: min ${ratio(sorted[0]!, 1)}, median ${ratio(sorted[Math.floor(sorted.length / 2)]!, 1)}, max ${ratio(sorted[sorted.length - 1]!, 1)}`,
  );
  console.log(
    `ratio entente / etcd, all rounds:    ${ratio(entente.result.opsPerSec, etcdRow.result.opsPerSec)}`,
  );
  console.log(`ratio entente / etcdctl processes:   ${ratio(entente.result.opsPerSec, etcdctl.perSec)}`);
  printReproduce(COMMAND);
});
