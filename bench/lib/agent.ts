import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ENTENTE_BIN } from '../../test/helpers/agent-process.js';
import { tempDir, track, waitExit } from './cleanup.js';

export interface BenchAgent {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  httpAddr: string;
  /** Empty for `-dev`. */
  dataDir: string;
  /** stdout/stderr lines so far. */
  logs: string[];
  /** Spawn → `Started HTTP server` log line, ms. */
  startMs: number;
  /** `duration_ms` of the agent's own `state restored` log line, if logged. */
  restoreMs: number | undefined;
  /** `last_index` of the `state restored` log line, if logged. */
  restoredIndex: number | undefined;
}

export interface BenchAgentOptions {
  /** In-memory `-dev` agent instead of a durable one. */
  dev?: boolean;
  /** Reuse this data dir (restart); default: a fresh tracked temp dir. */
  dataDir?: string;
  /** Wait this long for `Started HTTP server` (default 120 s). */
  timeoutMs?: number;
}

/** The command line, as `test/helpers/agent-process.ts` builds it. */
export function agentArgs(dev: boolean, dataDir: string): string[] {
  return [
    ENTENTE_BIN,
    'agent',
    ...(dev ? ['-dev'] : ['-server', '-bootstrap', '-data-dir', dataDir]),
    ...['-node', 'node1', '-bind', '127.0.0.1', '-client', '127.0.0.1', '-http-port', '0'],
    ...['-dns-port', '-1', '-grpc-port', '-1', '-grpc-tls-port', '-1', '-log-json', '-log-level', 'info'],
  ];
}

interface LogRecord {
  msg?: unknown;
  address?: unknown;
  duration_ms?: unknown;
  last_index?: unknown;
}

/**
 * Spawns `node bin/entente.js agent` (durable: `-server -bootstrap -data-dir <dir>`, fsync on; or `-dev`) on
 * 127.0.0.1 with an OS-chosen HTTP port and DNS/gRPC disabled, and waits for its `Started HTTP server` log line.
 * The child is tracked from the moment it is spawned, so it dies with the benchmark even if start-up fails.
 */
export async function startBenchAgent(opts: BenchAgentOptions = {}): Promise<BenchAgent> {
  const dev = opts.dev ?? false;
  const dataDir = opts.dataDir ?? (dev ? '' : tempDir('agent'));
  const logs: string[] = [];
  let restoreMs: number | undefined;
  let restoredIndex: number | undefined;
  const t0 = performance.now();
  const child = track(
    spawn(process.execPath, agentArgs(dev, dataDir), { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`agent did not start within ${opts.timeoutMs ?? 120_000} ms; last logs:\n${tail(logs)}`),
      );
    }, opts.timeoutMs ?? 120_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`agent exited (${String(code ?? signal)}) before starting; last logs:\n${tail(logs)}`),
      );
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (logs.length < 10_000) logs.push(line);
      let rec: LogRecord;
      try {
        rec = JSON.parse(line) as LogRecord;
      } catch {
        return;
      }
      if (rec.msg === 'state restored') {
        if (typeof rec.duration_ms === 'number') restoreMs = rec.duration_ms;
        if (typeof rec.last_index === 'number') restoredIndex = rec.last_index;
      } else if (rec.msg === 'Started HTTP server' && typeof rec.address === 'string') {
        clearTimeout(timer);
        resolve(Number(rec.address.split(':').pop()));
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (logs.length < 10_000) logs.push(line);
    });
  });
  const startMs = performance.now() - t0;
  return { child, httpAddr: `http://127.0.0.1:${port}`, dataDir, logs, startMs, restoreMs, restoredIndex };
}

function tail(lines: readonly string[]): string {
  return lines.slice(-20).join('\n');
}

/** SIGTERM and wait (SIGKILL after 10 s); resolves with the time it took to exit, ms, and the exit code. */
export async function stopBenchAgent(
  agent: BenchAgent,
): Promise<{ ms: number; code: number | string | null }> {
  const child = agent.child;
  const t0 = performance.now();
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const code = await waitExit(child, 10_000);
  return { ms: performance.now() - t0, code };
}
