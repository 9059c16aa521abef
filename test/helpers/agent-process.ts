import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ENTENTE_BIN = join(ROOT, 'bin', 'entente.js');
/**
 * Deadline for a spawned agent to report its listeners. Generous on purpose: it is a hang detector, not a
 * performance check, and a loaded 2-core CI box can take tens of seconds to start several agents at once.
 */
export const START_TIMEOUT_MS = 60_000;

export interface AgentProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly httpAddr: string;
  readonly httpPort: number;
  /** The gRPC TLS (peering) port, when `grpcTls` was asked for. */
  readonly grpcTlsPort: number | undefined;
  /** The DNS port (UDP and TCP), when `dns` was asked for. */
  readonly dnsPort: number | undefined;
  readonly dataDir: string;
  readonly logs: string[];
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export interface StartAgentOptions {
  /** Extra flags; `-http-port 0 -dns-port -1 -grpc-port -1 -grpc-tls-port -1 -log-json` are added. */
  args?: string[];
  /** Reuse a data dir (restart); default: a fresh temp dir (not used with -dev). */
  dataDir?: string;
  dev?: boolean;
  /** How long to wait for the agent's listeners (default {@link START_TIMEOUT_MS}). */
  timeoutMs?: number;
  /** Open the gRPC TLS (peering) listener on a free port. */
  grpcTls?: boolean;
  /** Open the DNS listener on a free port. */
  dns?: boolean;
  datacenter?: string;
  node?: string;
  /** Run the agent with this open-file limit (`ulimit -n`, through /bin/sh). */
  openFileLimit?: number;
}

/**
 * Starts a real `entente agent` process on loopback, port chosen by the OS, and waits until its HTTP server is up
 * (read from its JSON log). Stopped (and its temp dir removed) when the test ends.
 */
export async function startAgentProcess(
  t: TestContext | undefined,
  opts: StartAgentOptions = {},
): Promise<AgentProcess> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'entente-test-'));
  const args = [
    ENTENTE_BIN,
    'agent',
    ...(opts.dev ? ['-dev'] : ['-server', '-bootstrap', '-data-dir', dataDir]),
    '-node',
    opts.node ?? 'node1',
    '-datacenter',
    opts.datacenter ?? 'dc1',
    '-bind',
    '127.0.0.1',
    '-client',
    '127.0.0.1',
    '-http-port',
    '0',
    '-dns-port',
    opts.dns ? '0' : '-1',
    '-grpc-port',
    '-1',
    '-grpc-tls-port',
    opts.grpcTls ? '0' : '-1',
    '-log-json',
    '-log-level',
    'info',
    ...(opts.args ?? []),
  ];
  const child =
    opts.openFileLimit === undefined
      ? spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(
          '/bin/sh',
          ['-c', `ulimit -n ${opts.openFileLimit} && exec "$0" "$@"`, process.execPath, ...args],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let grpcTlsPort: number | undefined;
  let dnsPort: number | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`agent did not start in time; logs:\n${logs.join('\n')}`)),
      opts.timeoutMs ?? START_TIMEOUT_MS,
    );
    const onLine = (line: string): void => {
      logs.push(line);
      try {
        const rec = JSON.parse(line) as { msg?: string; address?: string };
        if (rec.msg === 'Started gRPC TLS server' && rec.address)
          grpcTlsPort = Number(rec.address.split(':').pop());
        if (rec.msg === 'Started DNS server' && rec.address) dnsPort = Number(rec.address.split(':').pop());
        if (rec.msg === 'Started HTTP server' && rec.address) {
          clearTimeout(timer);
          resolve(Number(rec.address.split(':').pop()));
        }
      } catch {
        /* not JSON */
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', (l) => logs.push(l));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${String(code)} before starting; logs:\n${logs.join('\n')}`));
    });
  });
  const proc: AgentProcess = {
    child,
    httpAddr: `http://127.0.0.1:${port}`,
    httpPort: port,
    grpcTlsPort,
    dnsPort,
    dataDir,
    logs,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  t?.after(async () => {
    await proc.kill();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return proc;
}

/**
 * A config file with peering timers fast enough for multi-agent tests (heartbeats every 200 ms, 3 s timeout,
 * reconnect backoff capped at 500 ms), to pass as `-config-file`; removed when the test ends.
 */
export function fastPeeringConfigFile(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'entente-peering-config-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'fast.json');
  writeFileSync(
    file,
    JSON.stringify({
      peering: { heartbeat_interval: '200ms', heartbeat_timeout: '3s', max_reconnect_backoff: '500ms' },
    }),
  );
  return file;
}

/** Starts datacenter `dc`'s agent (node `<dc>-server`, gRPC TLS on) with `configFile` (see {@link fastPeeringConfigFile}). */
export function startPeeringAgent(
  t: TestContext,
  dc: string,
  configFile: string,
  opts: Pick<StartAgentOptions, 'dataDir' | 'args'> = {},
): Promise<AgentProcess> {
  return startAgentProcess(t, {
    grpcTls: true,
    datacenter: dc,
    node: `${dc}-server`,
    ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
    args: ['-config-file', configFile, ...(opts.args ?? [])],
  });
}
