/**
 * `GET /v1/health/service/web` queries/s with 100 registered instances of `web`, driven by `wrk` (a separate process,
 * -t2 -c32 -d10s, after a 2 s wrk warm-up), and its p99 latency. Baseline in the same run: a bare `node:http` server
 * (a child process) answering the very same body bytes.
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
import { runWrk, type WrkResult } from './lib/wrk.js';
import { WRK as WRK_TOOL, requireTools } from './lib/require-tools.js';

const COMMAND = 'node --import tsx bench/health-query.ts';
const INSTANCES = 100;
const WRK = { threads: 2, connections: 32, seconds: 10 };
const WARMUP_SECONDS = 2;
const BARE_SERVER = fileURLToPath(new URL('./lib/bare-http-server.ts', import.meta.url));

async function measure(url: string, serverPid: number | undefined): Promise<WrkResult> {
  await runWrk(url, { ...WRK, seconds: WARMUP_SECONDS, serverPid });
  return runWrk(url, { ...WRK, serverPid });
}

/** Spawns the bare server on the captured body; resolves with its URL. It exits when our stdin pipe closes. */
async function startBareServer(
  bodyFile: string,
): Promise<{ url: string; stop: () => Promise<void>; pid?: number }> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', BARE_SERVER, bodyFile], {
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

await runBench('health-query', async () => {
  requireTools(WRK_TOOL);
  printHeader(
    'health-query',
    `GET /v1/health/service/web with ${INSTANCES} instances, wrk -t${WRK.threads} -c${WRK.connections} -d${WRK.seconds}s`,
  );
  const agent = await startBenchAgent();
  const http = keepAliveAgent(16);
  let entente: WrkResult;
  let body: Buffer;
  try {
    // One instance per node, as on a real cluster; each with one passing check.
    const writes = Array.from({ length: INSTANCES }, (_, i) =>
      httpOk(http, 'PUT', `${agent.httpAddr}/v1/catalog/register`, registrationBody('web', i, INSTANCES)),
    );
    await Promise.all(writes);
    const url = `${agent.httpAddr}/v1/health/service/web`;
    const res = await httpOk(http, 'GET', url);
    consulIndex(res);
    const entries = JSON.parse(res.body.toString('utf8')) as unknown[];
    if (entries.length !== INSTANCES) throw new Error(`expected ${INSTANCES} entries, got ${entries.length}`);
    body = res.body;
    entente = await measure(url, agent.child.pid);
  } finally {
    http.destroy();
    await stopBenchAgent(agent);
  }

  const bodyFile = join(tempDir('body'), 'health-service-web.json');
  writeFileSync(bodyFile, body);
  const bare = await startBareServer(bodyFile);
  let baseline: WrkResult;
  try {
    baseline = await measure(bare.url, bare.pid);
  } finally {
    await bare.stop();
  }

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
  console.log(
    `\nratio entente / bare node:http: ${ratio(entente.requestsPerSec, baseline.requestsPerSec)} (req/s)`,
  );
  console.log(`p99 entente / bare node:http:   ${ratio(entente.p99Ms, baseline.p99Ms)}`);
  // On a busy machine req/s follows the CPU share each server happened to get; CPU per request does not.
  console.log(
    `CPU per request, bare / entente: ${ratio(baseline.serverCpuUsPerRequest, entente.serverCpuUsPerRequest)} (work per request, whatever CPU share each server got)`,
  );
  printReproduce(COMMAND);
});
