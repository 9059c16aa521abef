/**
 * Durable catalog writes/s: `PUT /v1/catalog/register` from 16 concurrent keep-alive clients against an agent with
 * `-data-dir` (fsync on, group commit), over 10 s after a 2 s warm-up. Baseline in the same run: a single-member
 * etcd started here (own temp data dir on the same disk, fsync on) driven with 16 concurrent puts of the same
 * payload through the `etcd3` npm client; and, briefly, `etcdctl put` invocations/s from 16 parallel shell-less
 * loops (bound by process spawn, not by etcd).
 *
 *   node --import tsx bench/writes.ts
 */
import { spawn } from 'node:child_process';
import { Etcd3 } from 'etcd3';
import { startBenchAgent, stopBenchAgent } from './lib/agent.js';
import { runBench, track, waitExit } from './lib/cleanup.js';
import { CpuMeter } from './lib/cpu.js';
import { diskFsync } from './lib/disk.js';
import { ETCDCTL_BIN, startEtcd, stopEtcd } from './lib/etcd.js';
import { httpRequest, keepAliveAgent } from './lib/http-client.js';
import { runClosedLoop, type LoadResult } from './lib/load.js';
import { registrationBody } from './lib/payload.js';
import { ETCD, ETCDCTL, requireTools } from './lib/require-tools.js';
import { fmt, fmtMs, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --import tsx bench/writes.ts';
const CONCURRENCY = 16;
const WARMUP_MS = 2_000;
const DURATION_MS = 10_000;
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

async function benchEntente(): Promise<Row> {
  const agent = await startBenchAgent();
  const http = keepAliveAgent(CONCURRENCY);
  try {
    const url = `${agent.httpAddr}/v1/catalog/register`;
    const cpu = new CpuMeter([agent.child.pid, process.pid]);
    const result = await runClosedLoop({
      concurrency: CONCURRENCY,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      op: async (seq) => {
        const res = await httpRequest(http, 'PUT', url, registrationBody('bench', seq, NODES));
        if (res.status !== 200)
          throw new Error(`HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
        return true;
      },
      onWindowStart: () => cpu.start(),
      onWindowEnd: () => cpu.stop(),
    });
    return {
      name: 'entente PUT /v1/catalog/register',
      result,
      serverCpu: cpu.percent(0),
      benchCpu: cpu.percent(1),
    };
  } finally {
    http.destroy();
    await stopBenchAgent(agent);
  }
}

async function benchEtcd(): Promise<{
  client: Row;
  etcdctl: { invocations: number; perSec: number; failed: number };
}> {
  const etcd = await startEtcd();
  const client = new Etcd3({ hosts: etcd.clientUrl });
  try {
    const cpu = new CpuMeter([etcd.child.pid, process.pid]);
    const result = await runClosedLoop({
      concurrency: CONCURRENCY,
      warmupMs: WARMUP_MS,
      durationMs: DURATION_MS,
      op: async (seq) => {
        await client.put(`/bench/bench-${seq}`).value(registrationBody('bench', seq, NODES));
        return true;
      },
      onWindowStart: () => cpu.start(),
      onWindowEnd: () => cpu.stop(),
    });
    const etcdctl = await benchEtcdctl(etcd.clientUrl);
    return {
      client: {
        name: 'etcd put (etcd3 npm client)',
        result,
        serverCpu: cpu.percent(0),
        benchCpu: cpu.percent(1),
      },
      etcdctl,
    };
  } finally {
    client.close();
    await stopEtcd(etcd);
  }
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
    `durable register writes/s, ${CONCURRENCY} concurrent clients, ${DURATION_MS / 1000} s after ${WARMUP_MS / 1000} s warm-up`,
  );
  const payloadBytes = Buffer.byteLength(registrationBody('bench', 12_345, NODES));
  const entente = await benchEntente();
  const { client: etcd, etcdctl } = await benchEtcd();
  const disk = diskFsync(payloadBytes, FSYNC_DURATION_MS);
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
    `payload ${payloadBytes} B (JSON registration: node + service + check); server and bench CPU, 100% = 1 core`,
    ['system', 'writes/s', 'p50', 'p99', 'server CPU', 'bench CPU', 'errors'],
    [
      row(entente),
      row(etcd),
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
  for (const r of [entente, etcd]) {
    if (r.result.firstError !== undefined) console.log(`first error (${r.name}): ${r.result.firstError}`);
  }
  console.log(
    `\nratio entente / etcd (etcd3 client): ${ratio(entente.result.opsPerSec, etcd.result.opsPerSec)}`,
  );
  console.log(`ratio entente / etcdctl processes:   ${ratio(entente.result.opsPerSec, etcdctl.perSec)}`);
  printReproduce(COMMAND);
});
