import { spawn } from 'node:child_process';
import { track, waitExit } from './cleanup.js';
import { CpuMeter } from './cpu.js';
import { WRK } from './require-tools.js';

export const WRK_BIN = WRK.path;

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  socketErrors: string;
  /** CPU % (100 = one core) of the server process and of wrk over the run. */
  serverCpu: string;
  wrkCpu: string;
  /** Server CPU per answered request, µs (server CPU share / requests per second): steadier than req/s on a busy box. */
  serverCpuUsPerRequest: number;
  raw: string;
}

/** Parses wrk's `1.23ms` / `456.00us` / `1.02s` / `1.50m` into milliseconds. */
function durationMs(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  if (!m) return Number.NaN;
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * unit;
}

/**
 * Runs `wrk -t<threads> -c<connections> -d<seconds>s --latency <url>` as a separate process (bounded: killed
 * 15 s after its planned end) and parses its report.
 */
export async function runWrk(
  url: string,
  opts: { threads: number; connections: number; seconds: number; serverPid: number | undefined },
): Promise<WrkResult> {
  const args = [`-t${opts.threads}`, `-c${opts.connections}`, `-d${opts.seconds}s`, '--latency', url];
  const child = track(spawn(WRK_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (out += s));
  // CPU is sampled from /proc while wrk still runs (its entry disappears when it exits): from spawn to 250 ms
  // before its planned end.
  const cpu = new CpuMeter([opts.serverPid, child.pid]);
  cpu.start();
  const sampler = setTimeout(() => cpu.stop(), opts.seconds * 1000 - 250);
  const killer = setTimeout(() => child.kill('SIGKILL'), (opts.seconds + 15) * 1000);
  const code = await waitExit(child, (opts.seconds + 20) * 1000);
  clearTimeout(killer);
  clearTimeout(sampler);
  if (code !== 0) throw new Error(`wrk exited with ${String(code)}:\n${out}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const lat = (p: string): number => durationMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1]);
  const requests = /(\d+) requests in/.exec(out);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const socketErrors = /Socket errors:\s+(.*)/.exec(out);
  return {
    requestsPerSec: Number(rps?.[1] ?? Number.NaN),
    p50Ms: lat('50'),
    p99Ms: lat('99'),
    requests: Number(requests?.[1] ?? Number.NaN),
    non2xx: Number(non2xx?.[1] ?? 0),
    socketErrors: socketErrors?.[1]?.trim() ?? 'none',
    serverCpu: cpu.percent(0),
    wrkCpu: cpu.percent(1),
    serverCpuUsPerRequest: ((cpu.value(0) / 100) * 1e6) / Number(rps?.[1] ?? Number.NaN),
    raw: out,
  };
}
