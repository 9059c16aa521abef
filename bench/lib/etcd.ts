import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Etcd3 } from 'etcd3';
import { tempDir, track, waitExit } from './cleanup.js';
import { freePort } from './free-port.js';
import { ETCD, ETCDCTL } from './require-tools.js';

export const ETCD_BIN = ETCD.path;
export const ETCDCTL_BIN = ETCDCTL.path;

export interface EtcdServer {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  clientUrl: string;
  dataDir: string;
  logs: string[];
}

/**
 * Starts a single-member etcd (defaults: WAL fsync on every commit batch) with its own temp data dir under the OS
 * temp dir (the same disk as the agent's), client and peer URLs on free 127.0.0.1 ports; resolves once a client
 * read succeeds. The child is tracked, so it dies with the benchmark.
 */
export async function startEtcd(): Promise<EtcdServer> {
  const dataDir = tempDir('etcd');
  const clientPort = await freePort();
  const peerPort = await freePort();
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const args = [
    ...['--name', 'bench', '--data-dir', dataDir],
    ...['--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl],
    ...['--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl],
    ...['--initial-cluster', `bench=${peerUrl}`, '--initial-cluster-state', 'new'],
    ...['--logger', 'zap', '--log-level', 'warn'],
  ];
  const child = track(spawn(ETCD_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const logs: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (l) => {
      if (logs.length < 1_000) logs.push(l);
    });
  }
  let exited = false;
  child.once('exit', () => (exited = true));
  const client = new Etcd3({ hosts: clientUrl });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error(`etcd exited during start-up:\n${logs.slice(-20).join('\n')}`);
      try {
        await client.get('bench-ready-probe').string();
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`etcd not ready after 30 s: ${String(err)}\n${logs.slice(-20).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    client.close();
  }
  return { child, clientUrl, dataDir, logs };
}

export async function stopEtcd(etcd: EtcdServer): Promise<void> {
  if (etcd.child.exitCode === null && etcd.child.signalCode === null) etcd.child.kill('SIGTERM');
  await waitExit(etcd.child, 5_000);
}
