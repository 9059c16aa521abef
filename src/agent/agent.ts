import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../config/index.js';
import { SHUTDOWN_GRACE_MS } from '../config/index.js';
import {
  DEFAULT_CSR_MAX_PER_SECOND,
  DEFAULT_LEAF_CERT_TTL_MS,
  activeCASigning,
  peeringServerName,
  rootPems,
  trustDomain,
  type ActiveCASigning,
  type SigningRoot,
} from '../connect/index.js';
import { DnsServer } from '../dns/index.js';
import { GrpcTlsServer, createPeerTransport, type PeerTransport } from '../grpc/index.js';
import { HttpServer, ResponseCache, buildRoutes, type AgentInfo, type HttpDeps } from '../http/index.js';
import type { StreamTracker } from '../peering/index.js';
import {
  DEFAULT_BACKOFF,
  PeeringManager,
  PeeringService,
  STREAM_CODE,
  StreamError,
  type LocalPeeringIdentity,
} from '../peering/index.js';
import type { Logger } from '../logging/index.js';
import {
  AgentMetrics,
  HTTP_REQUEST,
  PEERING_CHUNK_ASSEMBLIES_EVICTED,
  PEERING_IMPORTS_REFUSED,
  PEERING_STREAM_RESETS,
} from '../metrics/index.js';
import { StateStore, type ApplyResult, type Command } from '../state/index.js';
import { FileLog, MemoryLog, type CommandLog } from '../wal/index.js';
import { walGauges } from './wal-metrics.js';
import { registerConfigDefinitions } from './config-services.js';
import { ConnectCAManager } from './connect-ca.js';
import { LocalAgent } from './local/index.js';
import { MeteredStreamTracker, peeringGauges } from './peering-metrics.js';
import { watchActiveRoot } from './active-root-watch.js';
import { LeafCertificates } from './leaf-certs.js';
import { ServerCertificate } from './server-certificate.js';
import { LeaderJobs } from './leader-jobs.js';
import { TombstoneReaper } from './tombstone-reaper.js';
import { VERSION, REVISION } from './version.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where each listener ended up (ports chosen by the OS when configured as 0). */
export interface BoundAddresses {
  http?: { host: string; port: number };
  grpcTls?: { host: string; port: number };
  dns?: { host: string; port: number };
}

/** Test and tuning knobs that are not agent configuration. */
export interface AgentTuning {
  /** Largest peer-stream message accepted (bytes). */
  maxPeerMessageBytes?: number;
  /** The command log to use instead of the one the config selects (tests inject failing logs). */
  commandLog?: CommandLog;
  /** ms a graceful stop may take; default {@link SHUTDOWN_GRACE_MS}. */
  shutdownGraceMs?: number;
  /** KV tombstone TTL and reaper period (ms); defaults are Consul's (15 min, 30 s). */
  tombstoneTtlMs?: number;
  tombstoneGranularityMs?: number;
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
  #grpc: GrpcTlsServer | undefined;
  #serverCert: ServerCertificate | undefined;
  #leafCerts: LeafCertificates | undefined;
  readonly #leafWatchStop = new AbortController();
  #leafWatch: Promise<void> | undefined;
  #dns: DnsServer | undefined;
  #transport: PeerTransport | undefined;
  #peering: PeeringManager | undefined;
  readonly metrics: AgentMetrics;
  readonly tracker: StreamTracker;
  readonly #tuning: AgentTuning;
  #nodeId = '';
  #closing: Promise<void> | undefined;
  /** Jobs only the leader runs; this server is always its cluster's leader (see LeaderJobs). */
  readonly leaderJobs = new LeaderJobs();

  constructor(config: AgentConfig, logger: Logger, tuning: AgentTuning = {}) {
    this.config = config;
    this.logger = logger;
    this.#tuning = tuning;
    this.metrics = new AgentMetrics({ hostname: hostname(), ...config.telemetry });
    const peerName = (id: string): string =>
      this.store.peerings(undefined).value.find((p) => p.ID === id)?.Name ?? '';
    this.tracker = new MeteredStreamTracker(
      (id, reason) => {
        this.metrics.incrCounter(PEERING_STREAM_RESETS, { peer_name: peerName(id), peer_id: id, reason });
      },
      (id) => {
        this.metrics.incrCounter(PEERING_CHUNK_ASSEMBLIES_EVICTED, { peer_name: peerName(id), peer_id: id });
      },
      (id, cap) => {
        this.metrics.incrCounter(PEERING_IMPORTS_REFUSED, { peer_name: peerName(id), peer_id: id, cap });
      },
    );
    this.metrics.addGaugeSource(peeringGauges(this.store, this.tracker));
    this.#log =
      tuning.commandLog ??
      (config.dataDir === ''
        ? new MemoryLog()
        : new FileLog({ dir: join(config.dataDir, 'raft'), logger: logger.child({ subsystem: 'wal' }) }));
    const log = this.#log;
    if (log instanceof FileLog) this.metrics.addGaugeSource(walGauges(() => log.stats));
  }

  get nodeId(): string {
    return this.#nodeId;
  }

  /** Commits one command and waits until it is applied. */
  async write(cmd: Command): Promise<{ index: number; result: ApplyResult }> {
    const r = await this.#log.append(this.store.encode(cmd));
    return { index: r.index, result: r.result as ApplyResult };
  }

  /** The command log's read barrier (`?consistent` reads wait on it). */
  readBarrier(signal?: AbortSignal): Promise<void> {
    return this.#log.readBarrier(signal);
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
      apply: (index, data) => this.store.applyEncoded(index, data),
      snapshot: () => ({ index: this.store.lastIndex, data: this.store.snapshot() }),
    });
    this.logger.info({ last_index: this.#log.lastIndex, duration_ms: Date.now() - t0 }, 'state restored');

    await this.#initClusterId();
    const ca = new ConnectCAManager({
      store: this.store,
      write: (cmd) => this.write(cmd),
      logger: this.logger.child({ subsystem: 'connect.ca' }),
      datacenter: cfg.datacenter,
    });
    await ca.bootstrap(cfg.connectCAConfig);
    // Rotation (RotationPeriod) and pruning are leader-only writes: they start with leadership, below.
    this.leaderJobs.add('connect CA maintenance', ca);
    const domain = trustDomain(this.store.clusterId);
    const serverName = peeringServerName(cfg.datacenter, domain);

    if (cfg.ports.grpc_tls >= 0) {
      await this.#startGrpc(domain);
      this.logger.info(
        { address: this.#grpcAddress(), network: 'tcp', server_name: serverName },
        'Started gRPC TLS server',
      );
    }
    const identity: LocalPeeringIdentity = {
      datacenter: cfg.datacenter,
      rootPems: () => rootPems(this.store.caRoots(undefined).value),
      serverName: () => serverName,
      trustDomain: () => domain,
      serverAddresses: () =>
        this.addresses.grpcTls ? [`${cfg.advertiseAddrWan}:${this.addresses.grpcTls.port}`] : [],
    };
    this.#transport = createPeerTransport({
      logger: this.logger.child({ subsystem: 'peering.transport' }),
      keepaliveTimeMs: cfg.peeringKeepaliveIntervalMs,
      keepaliveTimeoutMs: cfg.peeringKeepaliveTimeoutMs,
      ...(this.#tuning.maxPeerMessageBytes === undefined
        ? {}
        : { maxMessageBytes: this.#tuning.maxPeerMessageBytes }),
    });
    const transport = this.#transport;
    this.#peering = new PeeringManager({
      store: this.store,
      write: (cmd) => this.write(cmd),
      tracker: this.tracker,
      identity,
      dialer: transport,
      logger: this.logger.child({ subsystem: 'peering' }),
      heartbeatIntervalMs: cfg.peeringHeartbeatIntervalMs,
      heartbeatTimeoutMs: cfg.peeringHeartbeatTimeoutMs,
      backoff: { ...DEFAULT_BACKOFF, maxMs: cfg.peeringMaxBackoffMs },
      streamLimits: {
        ackTimeoutMs: cfg.peeringAckTimeoutMs,
        maxUnackedResponses: cfg.peeringMaxUnackedResponses,
        chunkAssemblyMaxBytes: cfg.peeringChunkAssemblyMaxBytes,
        chunkAssemblyMaxServices: cfg.peeringChunkAssemblyMaxServices,
        chunkAssemblyTimeoutMs: cfg.peeringChunkAssemblyTimeoutMs,
        importMaxServices: cfg.peeringImportMaxServices,
        importMaxInstances: cfg.peeringImportMaxInstances,
      },
    });
    const peeringService = new PeeringService({
      store: this.store,
      write: (cmd) => this.write(cmd),
      tracker: this.tracker,
      identity,
      enabled: cfg.peeringEnabled,
      connectEnabled: cfg.connectEnabled,
      exchangeSecret: (target, req, signal) => transport.exchangeSecret(target, req, signal),
    });
    if (cfg.peeringEnabled) this.#peering.start();
    await this.#registerSelf();

    this.#local = new LocalAgent({
      store: this.store,
      write: (cmd) => this.write(cmd),
      nodeName: cfg.nodeName,
      logger: this.logger.child({ subsystem: 'agent.local' }),
      enableScriptChecks: cfg.enableScriptChecks,
      enableLocalScriptChecks: cfg.enableLocalScriptChecks,
      sidecarMinPort: cfg.sidecarMinPort,
      sidecarMaxPort: cfg.sidecarMaxPort,
    });
    const local = this.#local;
    // Before the local agent starts: config-file checks get their runners here, so start() only resumes the checks
    // registered over the API (and says why a script check no longer runs when scripts are now disabled).
    await registerConfigDefinitions(
      {
        agent: local,
        nodeName: cfg.nodeName,
        dataDir: cfg.dataDir,
        serviceName: (id) =>
          this.store.nodeServices(undefined, '', cfg.nodeName).value?.services.find((s) => s.ID === id)
            ?.Service,
        logger: this.logger.child({ subsystem: 'agent.local' }),
      },
      cfg.services,
      cfg.checks,
    );
    await local.start();

    this.leaderJobs.add(
      'tombstone reaper',
      new TombstoneReaper({
        lastIndex: () => this.store.lastIndex,
        oldestTombstone: () => this.store.tables.kv.tombstoneStats().oldestIndex,
        write: (cmd) => this.write(cmd),
        logger: this.logger.child({ subsystem: 'state.tombstone_gc' }),
        ...(this.#tuning.tombstoneTtlMs === undefined ? {} : { ttlMs: this.#tuning.tombstoneTtlMs }),
        ...(this.#tuning.tombstoneGranularityMs === undefined
          ? {}
          : { granularityMs: this.#tuning.tombstoneGranularityMs }),
      }),
    );
    // A single server is its cluster's leader from the start; with HA, leadership transitions drive this.
    this.leaderJobs.establish();

    const deps: HttpDeps = {
      store: this.store,
      write: (cmd) => this.write(cmd),
      readBarrier: (signal) => this.readBarrier(signal),
      agent: this.#local,
      info: this.#info(),
      logger: this.logger.child({ subsystem: 'http' }),
      peering: { service: peeringService, tracker: this.tracker },
      cache: new ResponseCache(),
      metrics: this.metrics,
      writeHealth: () => this.#log.health,
      connectCA: ca,
      leafCerts: this.#startLeafCerts(domain),
    };
    // The HTTP listener comes last: its log line tells supervisors and tests the agent is ready.
    if (cfg.ports.dns >= 0) {
      this.#dns = new DnsServer({
        store: this.store,
        datacenter: cfg.datacenter,
        nodeName: cfg.nodeName,
        domain: cfg.domain,
        altDomain: cfg.altDomain,
        dnsConfig: cfg.dnsConfig,
        recursors: cfg.recursors,
        logger: this.logger,
      });
      const host = cfg.addresses.dns ?? cfg.clientAddr;
      const bound = await this.#dns.listen(host, cfg.ports.dns);
      this.addresses.dns = { host, port: bound.udpPort };
      this.logger.info({ address: `${host}:${bound.udpPort}`, network: 'udp+tcp' }, 'Started DNS server');
    }
    if (cfg.ports.http >= 0) {
      this.#http = new HttpServer({
        routes: buildRoutes(deps),
        logger: deps.logger,
        alwaysPretty: cfg.dev,
        maxConnsPerClient: cfg.httpMaxConnsPerClient,
        onRequestTimed: httpTimer(this.metrics),
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

  /**
   * The peering listener, presenting the server certificate. The certificate manager renews it before expiry and
   * re-issues it when the CA root changes; each new one is swapped into the listener (open streams keep theirs).
   */
  async #startGrpc(domain: string): Promise<void> {
    const cfg = this.config;
    const log = this.logger.child({ subsystem: 'connect.certs' });
    const certs = new ServerCertificate({
      store: this.store,
      logger: log,
      datacenter: cfg.datacenter,
      trustDomain: domain,
    });
    this.#serverCert = certs;
    await certs.start();
    const grpc = new GrpcTlsServer({
      logger: this.logger.child({ subsystem: 'grpc' }),
      credentials: () => ({
        certPem: certs.chainPem,
        keyPem: certs.current.keyPem,
        caPem: certs.activeRootPem,
      }),
      handlers: {
        exchangeSecret: (req) => this.#requirePeering().exchangeSecret(req),
        streamResources: (stream) => this.#requirePeering().accept(stream),
      },
      ...(this.#tuning.maxPeerMessageBytes === undefined
        ? {}
        : { maxReceiveMessageBytes: this.#tuning.maxPeerMessageBytes }),
      keepaliveTimeMs: this.config.peeringKeepaliveIntervalMs,
      keepaliveTimeoutMs: this.config.peeringKeepaliveTimeoutMs,
    });
    this.#grpc = grpc;
    certs.onChange((cert) => {
      try {
        grpc.reloadCredentials();
      } catch (err) {
        // The old certificate stays in use until it expires; the next renewal tries again.
        log.error(
          { err, serial: cert.serial },
          'could not load the renewed certificate into the TLS listener',
        );
      }
    });
    const host = cfg.addresses.grpc_tls ?? cfg.clientAddr;
    const port = await grpc.listen(host, cfg.ports.grpc_tls);
    this.addresses.grpcTls = { host, port };
  }

  /**
   * The service leaf certificates (`/v1/agent/connect/ca/leaf/:service`): signed with the store's active root,
   * each signing committed as `ca-leaf-index`, re-issued when the active root changes.
   */
  #startLeafCerts(domain: string): LeafCertificates {
    const leaves = new LeafCertificates({
      logger: this.logger.child({ subsystem: 'connect.leaf' }),
      datacenter: this.config.datacenter,
      trustDomain: domain,
      activeRoot: () => this.#activeSigningRoot(),
      // Read at every signing, so `PUT /v1/connect/ca/configuration` applies to the next leaf, as in Consul.
      leafTtlMs: () => this.#caSigning()?.config.leafCertTtlMs ?? DEFAULT_LEAF_CERT_TTL_MS,
      csrLimits: () => {
        const c = this.#caSigning()?.config;
        return {
          maxPerSecond: c?.csrMaxPerSecond ?? DEFAULT_CSR_MAX_PER_SECOND,
          maxConcurrent: c?.csrMaxConcurrent ?? 0,
        };
      },
      commitLeafIndex: async () => (await this.write({ Type: 'ca-leaf-index' })).index,
    });
    this.#leafCerts = leaves;
    this.#leafWatch = watchActiveRoot(this.store, this.#leafWatchStop.signal, (id) => {
      leaves.setActiveRoot(id);
    });
    return leaves;
  }

  /** The CA signing seam: the active root, its key, its intermediates and the parsed CA configuration. */
  #caSigning(): ActiveCASigning | undefined {
    return activeCASigning(
      this.store.caRoots(undefined).value,
      this.store.caSigningKeyPem,
      this.store.caConfig(undefined).value,
    );
  }

  #activeSigningRoot(): SigningRoot | undefined {
    const s = this.#caSigning();
    return s === undefined
      ? undefined
      : { root: s.root, signingKeyPem: s.signingKeyPem, intermediates: s.intermediatePems };
  }

  /**
   * The cluster ID: `connect.ca_config.cluster_id` when configured, else a random UUID, written once. A data dir
   * keeps the ID it was bootstrapped with (its trust domain is in every peer's trust bundle); a different configured
   * ID is reported, not applied, as Consul does once its CA is initialized.
   */
  async #initClusterId(): Promise<void> {
    const configured = this.config.connectClusterId;
    if (this.store.clusterId === '') {
      await this.write({ Type: 'cluster-init', ClusterID: configured || randomUUID() });
    } else if (configured !== '' && configured.toLowerCase() !== this.store.clusterId.toLowerCase()) {
      this.logger.warn(
        { cluster_id: this.store.clusterId, configured_cluster_id: configured },
        'connect.ca_config.cluster_id differs from the cluster ID this data dir was bootstrapped with; ' +
          'the stored ID is kept (changing it would change the trust domain peers trust)',
      );
    }
    this.logger.info({ cluster_id: this.store.clusterId }, 'cluster identity');
  }

  #grpcAddress(): string {
    const a = this.addresses.grpcTls;
    return a === undefined ? '' : `${a.host}:${a.port}`;
  }

  #requirePeering(): PeeringManager {
    if (!this.#peering || !this.config.peeringEnabled) {
      throw new StreamError(STREAM_CODE.failedPrecondition, 'peering must be enabled to use this endpoint');
    }
    return this.#peering;
  }

  /**
   * Node ID: configured, else kept in `<data-dir>/node-id` (created at first start), else random in -dev. A file
   * that exists but cannot be read, or does not hold a UUID, stops start-up: minting a new ID would silently turn
   * this server into another node.
   */
  #loadNodeId(): string {
    if (this.config.nodeId !== '') return this.config.nodeId;
    if (this.config.dataDir === '') return randomUUID();
    const file = join(this.config.dataDir, 'node-id');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new Error(`failed to read node ID file ${file}: ${(err as Error).message}`, { cause: err });
      }
      const id = randomUUID();
      writeFileSync(file, id);
      this.logger.info({ node_id: id, file }, 'generated a new node ID');
      return id;
    }
    const id = text.trim();
    if (!UUID_RE.test(id)) {
      throw new Error(`node ID file ${file} does not hold a UUID (found ${JSON.stringify(id.slice(0, 64))})`);
    }
    return id.toLowerCase();
  }

  #info(): AgentInfo {
    const cfg = this.config;
    const addresses = this.addresses;
    return {
      datacenter: cfg.datacenter,
      nodeName: cfg.nodeName,
      nodeId: this.#nodeId,
      advertiseAddr: cfg.advertiseAddr,
      version: VERSION,
      revision: REVISION,
      server: true,
      primaryDatacenter: cfg.primaryDatacenter,
      domain: cfg.domain,
      bindAddr: cfg.bindAddr,
      clientAddr: cfg.clientAddr,
      advertiseAddrWan: cfg.advertiseAddrWan,
      bootstrap: cfg.bootstrap,
      connectEnabled: cfg.connectEnabled,
      enableRemoteScriptChecks: cfg.enableScriptChecks,
      enableLocalScriptChecks: cfg.enableScriptChecks || cfg.enableLocalScriptChecks,
      // Getters: the listeners bind after the handlers are built.
      ports: {
        get http() {
          return addresses.http?.port ?? cfg.ports.http;
        },
        get dns() {
          return addresses.dns?.port ?? cfg.ports.dns;
        },
        grpc: cfg.ports.grpc,
        get grpc_tls() {
          return addresses.grpcTls?.port ?? cfg.ports.grpc_tls;
        },
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
        // Only the keys Consul 1.16 itself sets: Entente invents none in Consul's `consul-` namespace.
        Meta: { 'consul-network-segment': '', ...cfg.nodeMeta },
      },
      Service: {
        Kind: '',
        ID: 'consul',
        Service: 'consul',
        Tags: [],
        Address: '',
        Meta: {
          // As Consul: a port is announced only when something listens on it.
          ...(this.addresses.grpcTls ? { grpc_tls_port: String(this.addresses.grpcTls.port) } : {}),
          non_voter: 'false',
          raft_version: '3',
          read_replica: 'false',
          serf_protocol_current: '2',
          serf_protocol_max: '5',
          serf_protocol_min: '1',
          version: VERSION,
        },
        // Consul puts its server RPC port here; Entente has no such listener, and a service without a port says 0.
        Port: 0,
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

  /**
   * Graceful stop: listeners first, then runners, then the log (pending writes flushed). Every step runs even when an
   * earlier one failed, and the log is always closed. Rejects, naming what went wrong, when a step failed or the
   * whole stop took longer than the grace period (the log may then not be closed cleanly). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const graceMs = this.#tuning.shutdownGraceMs ?? SHUTDOWN_GRACE_MS;
    const failures: string[] = [];
    const step = async (name: string, fn: () => unknown): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        failures.push(`${name}: ${(err as Error).message}`);
        this.logger.error({ err, step: name }, 'shutdown step failed');
      }
    };
    const work = (async () => {
      await step('http', () => this.#http?.close());
      await step('dns', () => this.#dns?.close());
      await step('peering', () => this.#peering?.close());
      await step('grpc', () => this.#grpc?.close());
      await step('server certificate', () => this.#serverCert?.close());
      await step('leaf certificates', async () => {
        this.#leafWatchStop.abort();
        this.#leafCerts?.close();
        await this.#leafWatch;
      });
      await step('transport', () => this.#transport?.close());
      await step('local agent', () => this.#local?.close());
      await step('leader jobs', () => this.leaderJobs.revoke());
      this.store.abandon();
      await step('command log', () => this.#log.close());
      this.metrics.close();
      return true;
    })();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        resolve(false);
      }, graceMs);
      timer.unref();
    });
    const finished = await Promise.race([work, grace]);
    clearTimeout(timer);
    if (!finished) {
      failures.push(`did not finish within ${graceMs} ms; the command log may not be closed cleanly`);
    }
    if (failures.length > 0) {
      this.logger.error({ failures }, 'agent stopped with errors');
      throw new Error(`shutdown failed: ${failures.join('; ')}`);
    }
    this.logger.info('agent stopped');
  }
}

/** Consul's `api.http` timing: the route path without its leading slash, `/` as `_` (`v1_health_service_`). */
function httpTimer(metrics: AgentMetrics): (method: string, routePath: string, ms: number) => void {
  // One recorder per (route, method): bounded by the route table and the methods Node's parser accepts. Looked up
  // by route, then method, so a request builds no key string.
  const samplers = new Map<string, Map<string, (ms: number) => void>>();
  return (method, routePath, ms) => {
    let byMethod = samplers.get(routePath);
    if (byMethod === undefined) {
      byMethod = new Map();
      samplers.set(routePath, byMethod);
    }
    let record = byMethod.get(method);
    if (record === undefined) {
      record = metrics.sampler(HTTP_REQUEST, { method, path: routePath.slice(1).replaceAll('/', '_') });
      byMethod.set(method, record);
    }
    record(ms);
  };
}
