import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { ENTENTE_BIN } from '../../test/helpers/agent-process.js';
import { tempDir, track } from './cleanup.js';
import { httpOk, httpRequest } from './http-client.js';
import { sleep } from './stats.js';

// Agents for the peering and DNS benchmarks: like lib/agent.ts (durable, loopback, OS-chosen HTTP port), but with
// a node name and datacenter of their own, and the gRPC TLS (peering) and DNS listeners on request.

export interface PeerAgent {
  child: ChildProcess;
  name: string;
  /** `http://127.0.0.1:<port>` */
  httpAddr: string;
  /** `127.0.0.1:<port>` of the gRPC TLS listener, when asked for. */
  grpcTlsAddr: string | undefined;
  /** DNS (UDP and TCP) port, when asked for. */
  dnsPort: number | undefined;
  dataDir: string;
  logs: string[];
  /** Spawn → `Started HTTP server`, ms. */
  startMs: number;
}

export interface PeerAgentOptions {
  /** Node name; the datacenter is `dc-<name>`. */
  name: string;
  grpcTls?: boolean;
  dns?: boolean;
  /** Extra agent flags. */
  args?: string[];
  /** Extra Node.js flags (before the script), e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

interface LogRecord {
  msg?: unknown;
  address?: unknown;
}

/**
 * Spawns a durable `node bin/entente.js agent -server -bootstrap` on 127.0.0.1 and waits for its `Started HTTP
 * server` log line (the agent logs it last). Tracked from spawn on, so it dies with the benchmark.
 */
export async function startPeerAgent(opts: PeerAgentOptions): Promise<PeerAgent> {
  const dataDir = tempDir(opts.name);
  const args = [
    ...(opts.nodeArgs ?? []),
    ENTENTE_BIN,
    'agent',
    ...['-server', '-bootstrap', '-data-dir', dataDir, '-node', opts.name, '-datacenter', `dc-${opts.name}`],
    ...['-bind', '127.0.0.1', '-client', '127.0.0.1', '-http-port', '0', '-grpc-port', '-1'],
    ...['-grpc-tls-port', opts.grpcTls ? '0' : '-1', '-dns-port', opts.dns ? '0' : '-1'],
    ...['-log-json', '-log-level', 'info', ...(opts.args ?? [])],
  ];
  const logs: string[] = [];
  let grpcTlsAddr: string | undefined;
  let dnsPort: number | undefined;
  const t0 = performance.now();
  const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`agent ${opts.name} did not start within ${timeoutMs} ms; last logs:\n${tail(logs)}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`agent ${opts.name} exited (${String(code ?? signal)}); last logs:\n${tail(logs)}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (logs.length < 10_000) logs.push(line);
      let rec: LogRecord;
      try {
        rec = JSON.parse(line) as LogRecord;
      } catch {
        return;
      }
      if (typeof rec.address !== 'string') return;
      if (rec.msg === 'Started gRPC TLS server') grpcTlsAddr = rec.address;
      else if (rec.msg === 'Started DNS server') dnsPort = Number(rec.address.split(':').pop());
      else if (rec.msg === 'Started HTTP server') {
        clearTimeout(timer);
        resolve(Number(rec.address.split(':').pop()));
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (logs.length < 10_000) logs.push(line);
    });
  });
  return {
    child,
    name: opts.name,
    httpAddr: `http://127.0.0.1:${port}`,
    grpcTlsAddr,
    dnsPort,
    dataDir,
    logs,
    startMs: performance.now() - t0,
  };
}

function tail(lines: readonly string[]): string {
  return lines.slice(-20).join('\n');
}

/** Resident set size of a process from /proc/<pid>/status (VmRSS), bytes; NaN if unreadable. */
export function rssBytes(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** `PUT /v1/config` of the `exported-services` entry `default`: each service name to the given consumer peers. */
export async function exportServices(
  http: Agent,
  exporter: PeerAgent,
  services: readonly string[],
  consumers: readonly string[],
): Promise<void> {
  const body = JSON.stringify({
    Kind: 'exported-services',
    Name: 'default',
    Services: services.map((Name) => ({ Name, Consumers: consumers.map((Peer) => ({ Peer })) })),
  });
  const res = await httpOk(http, 'PUT', `${exporter.httpAddr}/v1/config`, body);
  if (res.body.toString('utf8').trim() !== 'true') throw new Error(`PUT /v1/config: ${res.body.toString()}`);
}

/** A token on the acceptor for peer `dialerPeerName` (the name the acceptor gives the dialer). */
export async function generateToken(
  http: Agent,
  acceptor: PeerAgent,
  dialerPeerName: string,
): Promise<string> {
  const res = await httpOk(
    http,
    'POST',
    `${acceptor.httpAddr}/v1/peering/token`,
    JSON.stringify({ PeerName: dialerPeerName }),
  );
  return (JSON.parse(res.body.toString('utf8')) as { PeeringToken: string }).PeeringToken;
}

/** `POST /v1/peering/establish` on the dialer with a token; resolves when the call returns. */
export async function establish(
  http: Agent,
  dialer: PeerAgent,
  acceptorPeerName: string,
  token: string,
): Promise<void> {
  await httpOk(
    http,
    'POST',
    `${dialer.httpAddr}/v1/peering/establish`,
    JSON.stringify({ PeerName: acceptorPeerName, PeeringToken: token }),
  );
}

export interface PeeringJson {
  State?: string;
  Diagnostics?: {
    Reason?: string;
    Message?: string;
    ReplicationLagMs?: { Last: number | null; P99: number | null };
  };
}

export async function readPeering(
  http: Agent,
  agent: PeerAgent,
  peer: string,
): Promise<PeeringJson | undefined> {
  const res = await httpRequest(http, 'GET', `${agent.httpAddr}/v1/peering/${peer}`);
  return res.status === 200 ? (JSON.parse(res.body.toString('utf8')) as PeeringJson) : undefined;
}

/** Polls `GET /v1/peering/<peer>` until State is ACTIVE (throws after `timeoutMs`). */
export async function waitActive(
  http: Agent,
  agent: PeerAgent,
  peer: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last: PeeringJson | undefined;
  while (performance.now() < deadline) {
    last = await readPeering(http, agent, peer);
    if (last?.State === 'ACTIVE') return;
    await sleep(50);
  }
  throw new Error(
    `peering ${peer} on ${agent.name} not ACTIVE after ${timeoutMs} ms: ${JSON.stringify(last)}`,
  );
}
