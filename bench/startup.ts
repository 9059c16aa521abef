/**
 * Start-up time with 100,000 service instances stored: registers them (one passing check each, 10 per node) through
 * `PUT /v1/catalog/register` with 16 concurrent clients into a durable agent, stops it with SIGTERM, then restarts
 * it 3 times on the same data dir, timing spawn → `Started HTTP server` and reading the agent's own `state restored`
 * duration_ms. Baseline in the same run: the same restarts on an empty data dir. The first restart is checked: same
 * X-Consul-Index, all instances present.
 *
 *   node --import tsx bench/startup.ts
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { startBenchAgent, stopBenchAgent, type BenchAgent } from './lib/agent.js';
import { runBench, tempDir } from './lib/cleanup.js';
import { consulIndex, httpOk, keepAliveAgent } from './lib/http-client.js';
import { runCount } from './lib/load.js';
import { registrationBody } from './lib/payload.js';
import { fmt, fmtBytes, fmtMs, median, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --import tsx bench/startup.ts';
const INSTANCES = 100_000;
const NODES = 10_000;
const CONCURRENCY = 16;
const RESTARTS = 3;
/** Loading stops here even if not all instances are in (the table then says how many are). */
const MAX_LOAD_MS = 300_000;

interface Restart {
  startMs: number;
  restoreMs: number | undefined;
  restoredIndex: number | undefined;
  stopMs: number;
}

/** Bytes under `dir`, by file extension (`.snap`, `.log`, …), recursively. */
function dirBytesByExt(dir: string, into = new Map<string, number>()): Map<string, number> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) dirBytesByExt(p, into);
    else {
      const ext = extname(entry.name) || entry.name;
      into.set(ext, (into.get(ext) ?? 0) + statSync(p).size);
    }
  }
  return into;
}

/** e.g. `153.5 MiB (.snap 40.1 MiB, .wal 113.4 MiB)` */
function describeDir(dir: string): string {
  const byExt = [...dirBytesByExt(dir)].sort((a, b) => b[1] - a[1]);
  const total = byExt.reduce((sum, [, n]) => sum + n, 0);
  const top = byExt.slice(0, 3).map(([ext, n]) => `${ext} ${fmtBytes(n)}`);
  return `${fmtBytes(total)} (${top.join(', ')})`;
}

/** Restarts an agent on `dataDir` `RESTARTS` times; `check` runs against the first restart. */
async function restarts(dataDir: string, check?: (agent: BenchAgent) => Promise<void>): Promise<Restart[]> {
  const out: Restart[] = [];
  for (let i = 0; i < RESTARTS; i++) {
    const agent = await startBenchAgent({ dataDir });
    let stopMs = Number.NaN;
    try {
      if (i === 0) await check?.(agent);
    } finally {
      stopMs = (await stopBenchAgent(agent)).ms;
    }
    out.push({
      startMs: agent.startMs,
      restoreMs: agent.restoreMs,
      restoredIndex: agent.restoredIndex,
      stopMs,
    });
  }
  return out;
}

await runBench('startup', async () => {
  printHeader('startup', `restart time with ${fmt(INSTANCES)} instances stored vs an empty data dir`);

  // Baseline: an empty data dir (first start creates the cluster ID), then timed restarts.
  const emptyDir = tempDir('empty');
  const first = await startBenchAgent({ dataDir: emptyDir });
  await stopBenchAgent(first);
  const empty = await restarts(emptyDir);

  // Load 100,000 instances.
  const fullDir = tempDir('full');
  const loader = await startBenchAgent({ dataDir: fullDir });
  const http = keepAliveAgent(CONCURRENCY);
  let load: { done: number; elapsedMs: number };
  let indexBefore: number;
  let firstStopMs: number;
  try {
    const url = `${loader.httpAddr}/v1/catalog/register`;
    process.stdout.write('   loading: ');
    load = await runCount({
      concurrency: CONCURRENCY,
      total: INSTANCES,
      maxMs: MAX_LOAD_MS,
      op: async (seq) => {
        await httpOk(http, 'PUT', url, registrationBody('web', seq, NODES));
      },
      onProgress: (done) => process.stdout.write(`${done / 1000}k `),
    });
    process.stdout.write(`done in ${fmtMs(load.elapsedMs)}\n`);
    // The index of what the check reads after restart (the agent's own node registration moves other indexes).
    indexBefore = consulIndex(await httpOk(http, 'GET', `${loader.httpAddr}/v1/catalog/service/web`));
  } finally {
    http.destroy();
    firstStopMs = (await stopBenchAgent(loader)).ms;
  }
  const diskAtStop = describeDir(fullDir);

  // Restart on the full data dir; check the first restart got everything back.
  let verified = '';
  const full = await restarts(fullDir, async (agent) => {
    const client = keepAliveAgent(1);
    try {
      const t0 = performance.now();
      const res = await httpOk(client, 'GET', `${agent.httpAddr}/v1/catalog/service/web`);
      const count = (JSON.parse(res.body.toString('utf8')) as unknown[]).length;
      const ms = performance.now() - t0;
      const index = consulIndex(res);
      const ok = count === load.done && index === indexBefore;
      verified =
        `${ok ? 'OK' : 'MISMATCH'}: ${fmt(count)} instances of web back (wrote ${fmt(load.done)}), ` +
        `X-Consul-Index ${index} (before stop ${indexBefore}); ` +
        `GET /v1/catalog/service/web (${fmtBytes(res.body.length)}) took ${fmtMs(ms)}`;
    } finally {
      client.destroy();
    }
  });

  const row = (name: string, r: readonly Restart[]): string[] => [
    name,
    ...r.map((x) => `${fmtMs(x.startMs)} / ${fmtMs(x.restoreMs ?? Number.NaN)}`),
    fmtMs(median(r.map((x) => x.startMs))),
    fmtMs(median(r.map((x) => x.restoreMs ?? Number.NaN))),
    fmt(r[0]?.restoredIndex ?? Number.NaN),
    fmtMs(median(r.map((x) => x.stopMs))),
  ];
  printTable(
    'restart = spawn of `node bin/entente.js agent` → `Started HTTP server`; restore = its `state restored` duration_ms',
    [
      'data dir',
      ...Array.from({ length: RESTARTS }, (_, i) => `restart ${i + 1} / restore`),
      'median restart',
      'restore (median)',
      'last index',
      'SIGTERM stop',
    ],
    [row('empty', empty), row(`${fmt(load.done)} instances`, full)],
  );
  const fullMedian = median(full.map((x) => x.startMs));
  const emptyMedian = median(empty.map((x) => x.startMs));
  console.log(`\nratio full / empty (median restart): ${ratio(fullMedian, emptyMedian)}`);
  console.log(`restart cost of the stored state: ${fmtMs(fullMedian - emptyMedian)}`);
  console.log(
    `load: ${fmt(load.done)} registrations (${fmt(NODES)} nodes) with ${CONCURRENCY} clients in ` +
      `${fmtMs(load.elapsedMs)} = ${fmt((load.done * 1000) / load.elapsedMs)} writes/s; ` +
      `first SIGTERM stop ${fmtMs(firstStopMs)}`,
  );
  console.log(`data dir: ${diskAtStop} at first stop; ${describeDir(fullDir)} after the restarts`);
  console.log(`verify (restart 1): ${verified}`);
  printReproduce(COMMAND);
});
