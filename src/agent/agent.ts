import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentConfig } from '../config/index.js';
import { SHUTDOWN_GRACE_MS } from '../config/index.js';
import { HttpServer, buildRoutes, type AgentInfo, type HttpDeps } from '../http/index.js';
import type { Logger } from '../logging/index.js';
import { StateStore, type ApplyResult, type Command } from '../state/index.js';
import { FileLog, MemoryLog, type CommandLog } from '../wal/index.js';
import { LocalAgent } from './local/index.js';
import { VERSION, REVISION } from './version.js';

/** Where each listener ended up (ports chosen by the OS when configured as 0). */
export interface BoundAddresses {
  http?: { host: string; port: number };
}

/**
 * One Entente server: the composition root. Builds the command log (embedded files, or memory in -dev), the state
 * machine, the local agent and the listeners; `start()` brings them up in that order and `close()` takes them down
 * in reverse, flushing pending writes.
 */
export class Agent {
  readonly config: AgentConfig;
  readonly logger: Logger;
  readonly store = new StateStore();
  readonly addresses: BoundAddresses = {};
  #log: CommandLog;
  #local: LocalAgent | undefined;
  #http: HttpServer | undefined;
  #nodeId = '';
  #closing: Promise<void> | undefined;

  constructor(config: AgentConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.#log =
      config.dataDir === ''
        ? new MemoryLog()
        : new FileLog({ dir: join(config.dataDir, 'raft'), logger: logger.child({ subsystem: 'wal' }) });
  }

  get nodeId(): string {
    return this.#nodeId;
  }

  /** Commits one command and waits until it is applied. */
  async write(cmd: Command): Promise<{ index: number; result: ApplyResult }> {
    const r = await this.#log.append(Buffer.from(JSON.stringify(cmd)));
    return { index: r.index, result: r.result as ApplyResult };
  }

  async start(): Promise<void> {
    const cfg = this.config;
    if (cfg.dataDir !== '') mkdirSync(cfg.dataDir, { recursive: true });
    this.#nodeId = this.#loadNodeId();
    const t0 = Date.now();
    await this.#log.start({
      restore: (index, data) => {
        this.store.restore(index, data);
      },
      apply: (index, data) => this.store.apply(index, JSON.parse(data.toString('utf8')) as Command),
      snapshot: () => ({ index: this.store.lastIndex, data: this.store.snapshot() }),
    });
    this.logger.info({ last_index: this.#log.lastIndex, duration_ms: Date.now() - t0 }, 'state restored');

    if (this.store.clusterId === '') {
      await this.write({ Type: 'cluster-init', ClusterID: randomUUID() });
    }
    this.logger.info({ cluster_id: this.store.clusterId }, 'cluster identity');
    await this.#registerSelf();

    this.#local = new LocalAgent({
      store: this.store,
      write: (cmd) => this.write(cmd),
      nodeName: cfg.nodeName,
      logger: this.logger.child({ subsystem: 'agent.local' }),
    });
    await this.#local.start();

    const deps: HttpDeps = {
      store: this.store,
      write: (cmd) => this.write(cmd),
      agent: this.#local,
      info: this.#info(),
      logger: this.logger.child({ subsystem: 'http' }),
    };
    if (cfg.ports.http >= 0) {
      this.#http = new HttpServer({
        routes: buildRoutes(deps),
        logger: deps.logger,
        alwaysPretty: cfg.dev,
        defaultAclPolicy: cfg.aclDefaultPolicy,
      });
      const host = cfg.addresses.http ?? cfg.clientAddr;
      const addr = await this.#http.listen(host, cfg.ports.http);
      this.addresses.http = { host: addr.address, port: addr.port };
      this.logger.info({ address: `${addr.address}:${addr.port}`, network: 'tcp' }, 'Started HTTP server');
    }
    this.logger.info(
      { datacenter: cfg.datacenter, node: cfg.nodeName, node_id: this.#nodeId, server: true },
      'Entente agent running',
    );
  }

  /** Node ID: configured, else kept in `<data-dir>/node-id` (created at first start), else random in -dev. */
  #loadNodeId(): string {
    if (this.config.nodeId !== '') return this.config.nodeId;
    if (this.config.dataDir === '') return randomUUID();
    const file = join(this.config.dataDir, 'node-id');
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      const id = randomUUID();
      writeFileSync(file, id);
      return id;
    }
  }

  #info(): AgentInfo {
    const cfg = this.config;
    return {
      datacenter: cfg.datacenter,
      nodeName: cfg.nodeName,
      nodeId: this.#nodeId,
      advertiseAddr: cfg.advertiseAddr,
      serverPort: cfg.ports.server,
      version: VERSION,
      revision: REVISION,
      server: true,
      primaryDatacenter: cfg.primaryDatacenter,
      domain: cfg.domain,
      ports: {
        http: this.addresses.http?.port ?? cfg.ports.http,
        dns: cfg.ports.dns,
        grpc: cfg.ports.grpc,
        grpc_tls: cfg.ports.grpc_tls,
      },
    };
  }

  /** Like a Consul server: its own node with `serfHealth`, and the `consul` service. Unchanged facts write nothing. */
  async #registerSelf(): Promise<void> {
    const cfg = this.config;
    await this.write({
      Type: 'register',
      SkipNodeUpdate: false,
      Node: {
        ID: this.#nodeId,
        Node: cfg.nodeName,
        Address: cfg.advertiseAddr,
        Datacenter: cfg.datacenter,
        TaggedAddresses: {
          lan: cfg.advertiseAddr,
          lan_ipv4: cfg.advertiseAddr,
          wan: cfg.advertiseAddrWan,
          wan_ipv4: cfg.advertiseAddrWan,
        },
        Meta: { 'consul-network-segment': '', 'consul-version': VERSION, ...cfg.nodeMeta },
      },
      Service: {
        Kind: '',
        ID: 'consul',
        Service: 'consul',
        Tags: [],
        Address: '',
        Meta: {
          grpc_port: String(cfg.ports.grpc),
          grpc_tls_port: String(cfg.ports.grpc_tls),
          non_voter: 'false',
          raft_version: '3',
          read_replica: 'false',
          serf_protocol_current: '2',
          serf_protocol_max: '5',
          serf_protocol_min: '1',
          version: VERSION,
        },
        Port: cfg.ports.server,
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      Checks: [
        {
          Node: cfg.nodeName,
          CheckID: 'serfHealth',
          Name: 'Serf Health Status',
          Status: 'passing',
          Notes: '',
          Output: 'Agent alive and reachable',
          ServiceID: '',
          ServiceName: '',
          ServiceTags: [],
          Type: '',
          Interval: '',
          Timeout: '',
          ExposedPort: 0,
          Definition: {},
        },
      ],
    });
  }

  /** Graceful stop: listeners first, then runners, then the log (pending writes flushed). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const grace = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref());
    const work = (async () => {
      await this.#http?.close();
      await this.#local?.close();
      this.store.abandon();
      await this.#log.close();
    })();
    await Promise.race([work, grace]);
    this.logger.info('agent stopped');
  }
}
