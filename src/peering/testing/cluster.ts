import { randomUUID } from 'node:crypto';
import { generateRootCA, peeringServerName, rootPems, trustDomain } from '../../connect/index.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import { StateStore, type Command } from '../../state/index.js';
import type { Clock } from '../../lib/clock.js';
import { PeeringManager, type BackoffOptions } from '../manager.js';
import type { StreamLimits } from '../stream-limits.js';
import type { BidiStream, PeerFeatures } from '../messages.js';
import { PeerDialError, PeeringService, type LocalPeeringIdentity } from '../service.js';
import { StreamTracker } from '../tracker.js';
import { memoryStreamPair, type MemoryStream } from './memory-stream.js';

/** An in-process cluster: a store with direct-apply writes, the peering service and manager. */
export interface TestCluster {
  name: string;
  store: StateStore;
  tracker: StreamTracker;
  service: PeeringService;
  manager: PeeringManager;
  write(cmd: Command): Promise<{ index: number; result: ReturnType<StateStore['apply']> }>;
  /** Registers a local service instance on node `node` with one check of `status`. */
  register(
    service: string,
    node: string,
    status?: 'passing' | 'warning' | 'critical',
    id?: string,
  ): Promise<void>;
  exportTo(peer: string, services: string[]): Promise<void>;
  /** Makes this cluster unreachable (dials and exchanges fail) or reachable again. */
  setReachable(up: boolean): void;
  /** The acceptor-side ends of the streams this cluster accepted, newest last. */
  readonly accepted: MemoryStream[];
  /** The dialer-side ends of the streams this cluster dialled, newest last. */
  readonly dialed: MemoryStream[];
  readonly features: PeerFeatures;
  close(): Promise<void>;
}

/** Clusters reachable by address `<name>:8503` on an in-memory network. */
export class TestNetwork {
  readonly #clusters = new Map<string, TestCluster>();
  readonly #down = new Set<string>();

  async cluster(
    name: string,
    opts: {
      heartbeatIntervalMs?: number;
      heartbeatTimeoutMs?: number;
      backoff?: BackoffOptions;
      /** Deadline for an accepted stream's Open (ms). */
      openTimeoutMs?: number;
      /** What streams accepted by this cluster announce (default: Entente's extensions). */
      features?: PeerFeatures;
      /** Stream bounds (defaults: DEFAULT_STREAM_LIMITS). */
      streamLimits?: Partial<StreamLimits>;
      /** Clock of the streams' timers (default: the system clock). */
      clock?: Clock;
      /** The peering manager's logger (default: silent). */
      logger?: Logger;
      /** Awaited before each write commits (tests hold a write "in flight" with it). */
      beforeCommit?: (cmd: Command) => Promise<void>;
    } = {},
  ): Promise<TestCluster> {
    const store = new StateStore();
    let index = 0;
    let chain: Promise<unknown> = Promise.resolve();
    const write = (cmd: Command): Promise<{ index: number; result: ReturnType<StateStore['apply']> }> => {
      const gate = opts.beforeCommit;
      const p = chain.then(async () => {
        if (gate) await gate(cmd);
        index += 1;
        return { index, result: store.apply(index, structuredClone(cmd)) };
      });
      chain = p;
      return p;
    };
    const clusterId = randomUUID();
    await write({ Type: 'cluster-init', ClusterID: clusterId });
    const root = await generateRootCA({ clusterId, datacenter: name });
    await write({ Type: 'ca-init', Roots: [root.root], SigningKeyPem: root.signingKeyPem });
    const domain = trustDomain(clusterId);
    const identity: LocalPeeringIdentity = {
      datacenter: name,
      rootPems: () => rootPems(store.caRoots(undefined).value),
      serverName: () => peeringServerName(name, domain),
      trustDomain: () => domain,
      serverAddresses: () => [`${name}:8503`],
    };
    const tracker = new StreamTracker();
    const dialed: MemoryStream[] = [];
    const reachable = (address: string): TestCluster => {
      const host = address.split(':')[0] ?? '';
      const target = this.#clusters.get(host);
      if (!target || this.#down.has(host)) {
        throw new PeerDialError(
          'ADDRESS_UNREACHABLE',
          `dial tcp ${address}: connect: connection refused`,
          address,
        );
      }
      return target;
    };
    const manager = new PeeringManager({
      store,
      write,
      tracker,
      identity,
      logger: opts.logger ?? silentLogger(),
      dialer: {
        openStream: (address): Promise<BidiStream> => {
          try {
            const target = reachable(address);
            const [mine, theirs] = memoryStreamPair(target.features);
            target.accepted.push(theirs);
            dialed.push(mine);
            void target.manager.accept(theirs);
            return Promise.resolve(mine);
          } catch (err) {
            return Promise.reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
      },
      backoff: opts.backoff ?? { baseMs: 20, maxMs: 200, fastMs: 5 },
      ...(opts.openTimeoutMs === undefined ? {} : { openTimeoutMs: opts.openTimeoutMs }),
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 15_000,
      heartbeatTimeoutMs: opts.heartbeatTimeoutMs ?? 120_000,
      ...(opts.streamLimits === undefined ? {} : { streamLimits: opts.streamLimits }),
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    });
    const service = new PeeringService({
      store,
      write,
      tracker,
      identity,
      enabled: true,
      exchangeSecret: async (target, req) => {
        const errors: string[] = [];
        for (const address of target.addresses) {
          try {
            return await reachable(address).manager.exchangeSecret(req);
          } catch (err) {
            if (err instanceof PeerDialError) {
              errors.push(err.message);
              continue;
            }
            const e = err as Error & { grpcCode?: number };
            throw new PeerDialError(
              e.message.includes('establishment secret') ? 'SECRET_REJECTED' : 'STREAM_ERROR',
              e.message,
              address,
            );
          }
        }
        throw new PeerDialError('ADDRESS_UNREACHABLE', errors.join('; '), target.addresses[0] ?? '');
      },
    });
    manager.start();
    const cluster: TestCluster = {
      name,
      store,
      tracker,
      service,
      manager,
      write,
      register: async (svc, node, status = 'passing', id = svc) => {
        const r = await write({
          Type: 'register',
          Node: { ID: '', Node: node, Address: '10.0.0.1', Datacenter: name, TaggedAddresses: {}, Meta: {} },
          SkipNodeUpdate: false,
          Service: {
            Kind: '',
            ID: id,
            Service: svc,
            Tags: ['t1'],
            Address: '',
            Meta: {},
            Port: 8080,
            Weights: { Passing: 1, Warning: 1 },
            EnableTagOverride: false,
          },
          Checks: [
            {
              Node: node,
              CheckID: `chk-${id}`,
              Name: 'chk',
              Status: status,
              Notes: '',
              Output: '',
              ServiceID: id,
              ServiceName: svc,
              ServiceTags: [],
              Type: 'ttl',
              Interval: '',
              Timeout: '',
              ExposedPort: 0,
              Definition: {},
            },
          ],
        });
        if (!r.result.ok) throw new Error(r.result.error);
      },
      exportTo: async (peer, services) => {
        const current = store.configEntry(undefined, 'exported-services', 'default').value?.entry;
        const list = ((current?.['Services'] ?? []) as { Name: string; Consumers: { Peer: string }[] }[]).map(
          (s) => ({
            Name: s.Name,
            Consumers: [...s.Consumers],
          }),
        );
        for (const svc of services) {
          const e = list.find((s) => s.Name === svc);
          if (e) {
            if (!e.Consumers.some((c) => c.Peer === peer)) e.Consumers.push({ Peer: peer });
          } else list.push({ Name: svc, Consumers: [{ Peer: peer }] });
        }
        await write({
          Type: 'config-set',
          Entry: { Kind: 'exported-services', Name: 'default', Services: list },
          Cas: null,
        });
      },
      accepted: [],
      dialed,
      features: opts.features ?? { chunkedExports: true },
      setReachable: (up) => {
        if (up) this.#down.delete(name);
        else this.#down.add(name);
      },
      close: () => manager.close(),
    };
    this.#clusters.set(name, cluster);
    return cluster;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clusters.values()].map((c) => c.close()));
  }
}
