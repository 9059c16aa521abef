/**
 * DNS A-record throughput and latency: `web.service.consul` A (10 passing instances, so 10 A records) against the
 * agent's DNS server over UDP, from a load generator in its own process (bench/lib/udp-load.ts) that keeps a fixed
 * number of queries in flight and checks every answer; 1 in flight (latency) and 32 in flight (throughput), 2 s
 * warm-up then 10 s each. The queries carry EDNS0 with a 1,232-byte UDP size, as dig sends them (without it the
 * agent, like Consul, answers 3 records: udp_answer_limit). Baseline in the same run, with the same load generator:
 * a bare UDP responder in its own process (bench/lib/bare-udp-responder.ts) that answers every query with the
 * agent's own answer bytes (same size), with no parsing or lookup.
 *
 *   node --import tsx bench/dns.ts
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runBench, stopChild, tempDir, track, waitExit } from './lib/cleanup.js';
import { CpuMeter } from './lib/cpu.js';
import { dnsQuery } from './lib/dns-query.js';
import { httpOk, keepAliveAgent } from './lib/http-client.js';
import { startPeerAgent } from './lib/peer-agent.js';
import { fmt, fmtBytes, fmtMs, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';
import type { UdpLoadResult } from './lib/udp-load.js';

const COMMAND = 'node --import tsx bench/dns.ts';
const INSTANCES = 10;
const QNAME = 'web.service.consul';
const IN_FLIGHT = [1, 32] as const;
const WARMUP_MS = 2_000;
const DURATION_MS = 10_000;
const LOAD = fileURLToPath(new URL('./lib/udp-load.ts', import.meta.url));
const BARE = fileURLToPath(new URL('./lib/bare-udp-responder.ts', import.meta.url));

/** One UDP A query from this process; resolves with the raw answer. */
async function queryOnce(port: number): Promise<Buffer> {
  const q = dnsQuery(QNAME);
  q.writeUInt16BE(0x1234, 0);
  const socket = createSocket('udp4');
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no DNS answer within 5 s')), 5_000);
      socket.once('message', (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      socket.send(q, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/** Runs the load generator against a port; samples the server's CPU over the generator's measured window. */
async function load(
  port: number,
  inFlight: number,
  serverPid: number | undefined,
): Promise<
  UdpLoadResult & {
    serverCpu: string;
  }
> {
  const child = track(
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        LOAD,
        '127.0.0.1',
        String(port),
        QNAME,
        String(inFlight),
        String(WARMUP_MS),
        String(DURATION_MS),
        String(INSTANCES),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  const meter = new CpuMeter([serverPid]);
  let result: UdpLoadResult | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'window-start') meter.start();
    else if (line === 'window-end') meter.stop();
    else if (line.startsWith('{')) result = JSON.parse(line) as UdpLoadResult;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), WARMUP_MS + DURATION_MS + 30_000);
  const code = await waitExit(child, WARMUP_MS + DURATION_MS + 40_000);
  clearTimeout(timer);
  if (code !== 0 || result === undefined) throw new Error(`load generator exited with ${String(code)}`);
  return { ...result, serverCpu: meter.percent(0) };
}

async function startBare(
  answerFile: string,
): Promise<{ port: number; pid: number | undefined; stop: () => Promise<void> }> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', BARE, answerFile], { stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bare responder did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`bare responder exited with ${String(code)}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return {
    port,
    pid: child.pid,
    stop: async () => {
      child.stdin!.end();
      await stopChild(child);
    },
  };
}

await runBench('dns', async () => {
  printHeader(
    'dns',
    `UDP A queries for ${QNAME} (${INSTANCES} instances), load generator in its own process, ` +
      `${IN_FLIGHT.join(' and ')} in flight, ${DURATION_MS / 1000} s each after ${WARMUP_MS / 1000} s warm-up`,
  );
  const agent = await startPeerAgent({ name: 'dns-bench', dns: true });
  if (agent.dnsPort === undefined) throw new Error('agent logged no `Started DNS server` line');
  const http = keepAliveAgent(16);
  try {
    await Promise.all(
      Array.from({ length: INSTANCES }, (_, i) =>
        httpOk(
          http,
          'PUT',
          `${agent.httpAddr}/v1/catalog/register`,
          JSON.stringify({
            Node: `node-${i}`,
            Address: `10.0.0.${i + 1}`,
            Service: { Service: 'web', ID: `web-${i}`, Port: 8080, Tags: ['v1'] },
            Check: {
              CheckID: `service:web-${i}`,
              Name: 'web health',
              Status: 'passing',
              ServiceID: `web-${i}`,
            },
          }),
        ),
      ),
    );
  } finally {
    http.destroy();
  }
  const answer = await queryOnce(agent.dnsPort);
  const ancount = answer.readUInt16BE(6);
  if (ancount !== INSTANCES || (answer[3]! & 0x0f) !== 0) {
    throw new Error(`agent answered rcode ${answer[3]! & 0x0f} with ${ancount} records, not ${INSTANCES}`);
  }
  const answerFile = join(tempDir('dns'), 'answer.bin');
  writeFileSync(answerFile, answer);
  const bare = await startBare(answerFile);
  try {
    const rows: string[][] = [];
    const summary: { inFlight: number; agentQps: number; bareQps: number; agentP99: number }[] = [];
    for (const inFlight of IN_FLIGHT) {
      const a = await load(agent.dnsPort, inFlight, agent.child.pid);
      const b = await load(bare.port, inFlight, bare.pid);
      for (const [name, r] of [
        ['entente agent', a],
        ['bare UDP responder', b],
      ] as const) {
        rows.push([
          `${name}, ${inFlight} in flight`,
          fmt(r.qps),
          fmtMs(r.p50),
          fmtMs(r.p99),
          fmtMs(r.p999),
          fmtMs(r.max),
          fmt(r.lost),
          fmt(r.bad),
          r.serverCpu,
          `${Math.round(r.cpu)}%`,
        ]);
      }
      rows.push([`  agent / bare`, ratio(a.qps, b.qps), '', ratio(a.p99, b.p99), '', '', '', '', '', '']);
      summary.push({ inFlight, agentQps: a.qps, bareQps: b.qps, agentP99: a.p99 });
    }
    printTable(
      `answer: ${answer.length} B (${ancount} A records), the same bytes from both servers; CPU: 100% = one core`,
      ['server', 'queries/s', 'p50', 'p99', 'p99.9', 'max', 'lost', 'bad', 'server CPU', 'loadgen CPU'],
      rows,
    );
    for (const s of summary) {
      console.log(
        `${s.inFlight} in flight: agent/bare ${ratio(s.agentQps, s.bareQps)} (target ≥ 0.5x: ` +
          `${s.agentQps / s.bareQps >= 0.5 ? 'met' : 'missed'}), agent p99 ${fmtMs(s.agentP99)} ` +
          `(target ≤ 2 ms: ${s.agentP99 <= 2 ? 'met' : 'missed'})`,
      );
    }
    console.log(
      `answer size ${fmtBytes(answer.length)}; lost = unanswered after 1 s; bad = failed the answer check`,
    );
  } finally {
    await bare.stop();
  }
  printReproduce(COMMAND);
});
