import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';

import { ENTENTE_BIN, START_TIMEOUT_MS } from './agent-process.js';

/** A running `entente connect proxy` process. */
export interface ProxyProcess {
  readonly child: ChildProcess;
  /** stdout/stderr lines so far. */
  readonly logs: string[];
  /** The last `proxy counters` record logged (empty before the first). */
  counters(): Record<string, number>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
}

/** Parsed JSON log lines of a proxy whose `msg` is `msg`. */
export function logRecords(p: ProxyProcess, msg: string): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  for (const line of p.logs) {
    try {
      const rec = JSON.parse(line) as Record<string, any>;
      if (rec['msg'] === msg) out.push(rec);
    } catch {
      /* a UI line */
    }
  }
  return out;
}

/**
 * Starts `entente connect proxy -http-addr <agent> -log-json -log-level debug <args>` and waits until it logged
 * `readyMsg` (`count` times). Stopped by PID when the test ends.
 */
export async function startProxyProcess(
  t: TestContext,
  httpAddr: string,
  args: readonly string[],
  ready: { msg: string; count: number } = { msg: 'public listener started', count: 1 },
): Promise<ProxyProcess> {
  const child = spawn(
    process.execPath,
    [ENTENTE_BIN, 'connect', 'proxy', '-http-addr', httpAddr, '-log-json', '-log-level', 'debug', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: ProxyProcess = {
    child,
    logs,
    counters: () => {
      const recs = logRecords(proc, 'proxy counters');
      return (recs.at(-1)?.['counters'] as Record<string, number> | undefined) ?? {};
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`proxy did not start in time; logs:\n${logs.join('\n')}`)),
      START_TIMEOUT_MS,
    );
    let seen = 0;
    const onLine = (line: string): void => {
      logs.push(line);
      if (line.includes(`"msg":"${ready.msg}"`) && ++seen === ready.count) {
        clearTimeout(timer);
        resolve();
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', (l) => logs.push(l));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited with ${String(code)}; logs:\n${logs.join('\n')}`));
    });
  });
  return proc;
}

/** A port the OS says is free right now (bound on 127.0.0.1 and released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** A TCP echo server on 127.0.0.1 port 0 that half-closes after its client did; closed when the test ends. */
export async function startEchoServer(t: TestContext): Promise<{ server: Server; port: number }> {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { server, port: (server.address() as AddressInfo).port };
}
