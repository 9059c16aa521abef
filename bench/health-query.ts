/**
 * `GET /v1/health/service/web` queries/s with 100 registered instances of `web`, driven by `wrk` (a separate process,
 * -t2 -c32), its p99 latency and the server's CPU per request. Baseline in the same run: a bare `node:http` server (a
 * child process) answering the very same bytes: the agent's answer is captured off the wire and the bare server
 * replays its status, headers (X-Consul-*, Content-Type, Content-Length, in the same order) and body; before measuring,
 * both answers are fetched raw and must be identical but for the Date value. Both run throughout; after a 2 s warm-up each, they are measured
 * in 5 alternating rounds of 4 s (baseline, entente, baseline, entente, ...), so load from elsewhere on the machine
 * weighs on both alike; the ratio of each round and their median are printed.
 *
 *   node --import tsx bench/health-query.ts
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startBenchAgent, stopBenchAgent } from './lib/agent.js';
import { runBench, stopChild, tempDir, track } from './lib/cleanup.js';
import { consulIndex, httpOk, keepAliveAgent } from './lib/http-client.js';
import { registrationBody } from './lib/payload.js';
import { fmt, fmtBytes, fmtMs, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';
import { rawGet, replayableHeaders, withoutDate } from './lib/raw-response.js';
import { runWrk, type WrkResult } from './lib/wrk.js';
import { WRK as WRK_TOOL, requireTools } from './lib/require-tools.js';

const COMMAND = 'node --import tsx bench/health-query.ts';
const INSTANCES = 100;
const WRK = { threads: 2, connections: 32, seconds: 4 };
const ROUNDS = 5;
const WARMUP_SECONDS = 2;
const BARE_SERVER = fileURLToPath(new URL('./lib/bare-http-server.ts', import.meta.url));

async function warmUp(url: string, serverPid: number | undefined): Promise<void> {
  await runWrk(url, { ...WRK, seconds: WARMUP_SECONDS, serverPid });
}

/**
 * The rounds of one server as one figure: req/s and CPU per request over all rounds, p50/p99 the median of the
 * rounds' (wrk reports percentiles per run).
 */
function combine(rs: readonly WrkResult[]): WrkResult {
  const requests = rs.reduce((n, r) => n + r.requests, 0);
  const seconds = rs.length * WRK.seconds;
  // CPU µs spent in each round = µs per request × requests of that round.
  const cpuUs = rs.reduce((n, r) => n + r.serverCpuUsPerRequest * r.requestsPerSec * WRK.seconds, 0);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pct = (x: number): string => `${Math.round(x)}%`;
  const cpuShare = (r: WrkResult): number => (r.serverCpuUsPerRequest * r.requestsPerSec) / 1e4;
  return {
    requestsPerSec: requests / seconds,
    p50Ms: median(rs.map((r) => r.p50Ms)),
    p99Ms: median(rs.map((r) => r.p99Ms)),
    requests,
    non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
    socketErrors: rs.map((r) => r.socketErrors).find((e) => e !== 'none') ?? 'none',
    serverCpu: pct(rs.reduce((n, r) => n + cpuShare(r), 0) / rs.length),
    wrkCpu: rs.map((r) => r.wrkCpu).join('/'),
    serverCpuUsPerRequest: cpuUs / requests,
    raw: '',
  };
}

/**
 * Spawns the bare server on the captured body and header list; resolves with its URL. It exits when our stdin pipe
 * closes.
 */
async function startBareServer(
  bodyFile: string,
  headersFile: string,
): Promise<{ url: string; stop: () => Promise<void>; pid?: number }> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', BARE_SERVER, bodyFile, headersFile], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bare server did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`bare server exited with ${String(code)}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return {
    url: `http://127.0.0.1:${port}/v1/health/service/web`,
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop: async () => {
      child.stdin!.end();
      await stopChild(child);
    },
  };
}

/** Fails unless both servers answer the same bytes (the Date value aside): the comparison is only fair then. */
async function sameBytes(ententeUrl: string, bareUrl: string): Promise<void> {
  const [e, b] = await Promise.all([rawGet(ententeUrl), rawGet(bareUrl)]);
  if (withoutDate(e.head) !== withoutDate(b.head) || !e.body.equals(b.body)) {
    throw new Error(`the bare server's answer differs from entente's:\n${e.head}\n---\n${b.head}`);
  }
  console.log(
    `both servers answer the same ${e.head.length + 4 + e.body.length} bytes (Date aside):\n${e.head}`,
  );
}

await runBench('health-query', async () => {
  requireTools(WRK_TOOL);
  printHeader(
    'health-query',
    `GET /v1/health/service/web with ${INSTANCES} instances, wrk -t${WRK.threads} -c${WRK.connections}, ${ROUNDS} alternating rounds of ${WRK.seconds} s per server`,
  );
  const agent = await startBenchAgent();
  const http = keepAliveAgent(16);
  let bare: Awaited<ReturnType<typeof startBareServer>> | undefined;
  const rounds: { entente: WrkResult; bare: WrkResult }[] = [];
  let body: Buffer;
  try {
    // One instance per node, as on a real cluster; each with one passing check.
    const writes = Array.from({ length: INSTANCES }, (_, i) =>
      httpOk(http, 'PUT', `${agent.httpAddr}/v1/catalog/register`, registrationBody('web', i, INSTANCES)),
    );
    await Promise.all(writes);
    const url = `${agent.httpAddr}/v1/health/service/web`;
    consulIndex(await httpOk(http, 'GET', url));
    // The answer as wrk gets it, replayed by the bare server: same status line, headers and body.
    const answer = await rawGet(url);
    const entries = JSON.parse(answer.body.toString('utf8')) as unknown[];
    if (entries.length !== INSTANCES) throw new Error(`expected ${INSTANCES} entries, got ${entries.length}`);
    body = answer.body;
    const dir = tempDir('body');
    const bodyFile = join(dir, 'health-service-web.json');
    const headersFile = join(dir, 'health-service-web.headers.json');
    writeFileSync(bodyFile, body);
    writeFileSync(headersFile, JSON.stringify(replayableHeaders(answer.head)));
    bare = await startBareServer(bodyFile, headersFile);
    await sameBytes(url, bare.url);
    // Both servers run throughout and are measured in alternation, so a change in what else the machine is doing
    // weighs on both alike instead of on whichever happened to run at the time.
    await warmUp(url, agent.child.pid);
    await warmUp(bare.url, bare.pid);
    for (let i = 0; i < ROUNDS; i++) {
      const b = await runWrk(bare.url, { ...WRK, serverPid: bare.pid });
      const e = await runWrk(url, { ...WRK, serverPid: agent.child.pid });
      rounds.push({ entente: e, bare: b });
    }
  } finally {
    http.destroy();
    await bare?.stop();
    await stopBenchAgent(agent);
  }
  const entente = combine(rounds.map((r) => r.entente));
  const baseline = combine(rounds.map((r) => r.bare));

  const row = (name: string, r: WrkResult): string[] => [
    name,
    fmt(r.requestsPerSec),
    fmtMs(r.p50Ms),
    fmtMs(r.p99Ms),
    r.serverCpu,
    `${fmt(r.serverCpuUsPerRequest)} µs`,
    r.wrkCpu,
    fmt(r.non2xx),
    r.socketErrors,
  ];
  printTable(
    `body ${fmtBytes(body.length)} (${body.length} B, ${INSTANCES} entries); server and wrk CPU, 100% = 1 core`,
    ['server', 'req/s', 'p50', 'p99', 'server CPU', 'CPU/request', 'wrk CPU', 'non-2xx', 'socket errors'],
    [row('entente /v1/health/service/web', entente), row('bare node:http, same body', baseline)],
  );
  const perRound = rounds.map((r) => r.entente.requestsPerSec / r.bare.requestsPerSec);
  const cpuPerRound = rounds.map((r) => r.bare.serverCpuUsPerRequest / r.entente.serverCpuUsPerRequest);
  const medianOf = (xs: readonly number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `\nratio entente / bare node:http, req/s per round: ${perRound.map((x) => ratio(x, 1)).join(', ')}; median ${ratio(medianOf(perRound), 1)}`,
  );
  console.log(
    `ratio entente / bare node:http, all rounds:    ${ratio(entente.requestsPerSec, baseline.requestsPerSec)}`,
  );
  console.log(`p99 entente / bare node:http:   ${ratio(entente.p99Ms, baseline.p99Ms)}`);
  // On a busy machine req/s follows the CPU share each server happened to get; CPU per request does not.
  console.log(
    `CPU per request, bare / entente: ${ratio(baseline.serverCpuUsPerRequest, entente.serverCpuUsPerRequest)} (work per request, whatever CPU share each server got; per round: ${cpuPerRound.map((x) => ratio(x, 1)).join(', ')}; median ${ratio(medianOf(cpuPerRound), 1)})`,
  );
  printReproduce(COMMAND);
});
