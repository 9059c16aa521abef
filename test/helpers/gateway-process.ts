import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';

import { ENTENTE_BIN, START_TIMEOUT_MS, type AgentProcess } from './agent-process.js';

/** A running `entente connect proxy -gateway=mesh -register` process. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  /** The port the gateway listens on (chosen by the OS, registered as its LAN and WAN port). */
  readonly port: number;
  /** stdout/stderr lines so far. */
  readonly logs: string[];
  /** Parsed JSON log records whose `msg` is `msg`. */
  records(msg: string): Record<string, any>[];
  /** The records the gateway wrote for refused connections. */
  refusals(): { reason: string; refused_total: number }[];
}

/**
 * Starts `entente connect proxy -gateway=mesh -register -service mesh-gateway -address 127.0.0.1:0` against
 * `agent` (extra flags appended, e.g. `-log-level debug`) and waits for its `Listening:` line. Stopped by PID when
 * the test ends.
 */
export async function startGatewayProcess(
  t: TestContext,
  agent: AgentProcess,
  extraArgs: readonly string[] = [],
): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    [
      ENTENTE_BIN,
      'connect',
      'proxy',
      '-gateway=mesh',
      '-register',
      '-service',
      'mesh-gateway',
      '-address',
      '127.0.0.1:0',
      '-log-json',
      ...extraArgs,
    ],
    { env: { ...process.env, CONSUL_HTTP_ADDR: agent.httpAddr }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
      process.kill(child.pid, 'SIGKILL');
    await exited;
  });
  const logs: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (l) => logs.push(l));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gateway did not start:\n${logs.join('\n')}`)),
      START_TIMEOUT_MS,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      const m = /Listening: 127\.0\.0\.1:(\d+)/.exec(line);
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void exited.then(() => reject(new Error(`gateway exited:\n${logs.join('\n')}`)));
  });
  const records = (msg: string): Record<string, any>[] =>
    logs.flatMap((l) => {
      try {
        const rec = JSON.parse(l) as Record<string, any>;
        return rec['msg'] === msg ? [rec] : [];
      } catch {
        return [];
      }
    });
  return {
    child,
    port,
    logs,
    records,
    refusals: () => records('gateway refused connection') as { reason: string; refused_total: number }[],
  };
}
