import { DEFAULT_SIDECAR_MAX_PORT, DEFAULT_SIDECAR_MIN_PORT } from '../../config/index.js';
import { AppError, badRequest, notFound } from '../../errors/index.js';
import type {
  AgentCheckDefinition,
  AgentLocal,
  RegistrationSource,
  SidecarPortLease,
} from '../../http/agent-local.js';
import type { Logger } from '../../logging/index.js';
import type {
  ApplyResult,
  CheckInput,
  Command,
  NodeInput,
  ServiceInput,
  StateStore,
} from '../../state/index.js';
import type { HealthCheck, HealthStatus, NodeService } from '../../types/index.js';
import { definitionFromStored, runnerKind } from './check-definition.js';
import { systemClock, type Clock } from './clock.js';
import { probeHttp } from './http-probe.js';
import { IntervalRunner, type ProbeResult } from './interval-runner.js';
import { DEFAULT_CHECK_OUTPUT_MAX_BYTES, truncateOutput } from './output.js';
import { SidecarPortRange } from './sidecar-ports.js';
import { CentralConfigMerger, storeCentralConfig } from './central-config-merger.js';
import { RegistrationGate } from './registration-gate.js';
import { probeTcp } from './tcp-probe.js';
import { probeUdp } from './udp-probe.js';
import { probeGrpc } from './grpc-probe.js';
import { probeScript } from './script-probe.js';
import { AliasRunner } from './alias-runner.js';
import { TtlRunner } from './ttl-runner.js';

/** Consul's `check_reap_interval`: how often checks are scanned for DeregisterCriticalServiceAfter. */
export const DEFAULT_CHECK_REAP_INTERVAL_MS = 30_000;
/** Consul's `check_deregister_interval_min`: a shorter DeregisterCriticalServiceAfter is raised to this. */
export const DEFAULT_CHECK_DEREGISTER_INTERVAL_MIN_MS = 60_000;
/** Consul's `checks.MinInterval`: a shorter HTTP/TCP Interval is raised to this. */
export const DEFAULT_CHECK_MIN_INTERVAL_MS = 1_000;
/**
 * Cap of the random delay before an HTTP/TCP check's first probe. Consul waits a random part of the whole Interval
 * (`lib.RandomStagger`); Entente staggers within min(Interval, 1 s) so a new check reports soon while many checks
 * registered at once still spread out.
 */
export const DEFAULT_MAX_INITIAL_STAGGER_MS = 1_000;

/** Consul's refusal of a script check registered over HTTP without `enable_script_checks`. */
export const SCRIPTS_DISABLED =
  "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true";

/** Consul's refusal of a script check in a config file without `enable_script_checks` or `enable_local_script_checks`. */
export const LOCAL_SCRIPTS_DISABLED =
  "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true";

/** Consul's `structs.SidecarProxySuffix`. */
const SIDECAR_SUFFIX = '-sidecar-proxy';

/** Consul's `structs.NodeMaint`. */
export const NODE_MAINT_CHECK_ID = '_node_maintenance';
/** Consul's `structs.ServiceMaintPrefix`. */
export const SERVICE_MAINT_CHECK_PREFIX = '_service_maintenance:';
/** Consul's `defaultNodeMaintReason`. */
export const DEFAULT_NODE_MAINT_REASON =
  'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
/** Consul's `defaultServiceMaintReason`. */
export const DEFAULT_SERVICE_MAINT_REASON =
  'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';

/** The reads the local agent makes of the state store (its own node); `StateStore` satisfies it. */
export type LocalAgentStore = Pick<
  StateStore,
  'hub' | 'abandoned' | 'node' | 'nodeServices' | 'nodeChecks' | 'check' | 'configEntry' | 'configEntries'
> & {
  /** Registrations of local proxies/gateways as made, before central config (kept with the catalog). */
  readonly tables: { readonly serviceOriginals: { ofLocalNode(nodeName: string): ServiceInput[] } };
};

export interface LocalAgentOptions {
  readonly store: LocalAgentStore;
  /** Commits a command and resolves once it has been applied. */
  readonly write: (cmd: Command) => Promise<{ index: number; result: ApplyResult }>;
  /** This agent's node: every registration is made on it. */
  readonly nodeName: string;
  readonly logger: Logger;
  /** Scheduling time source (TTL timers, intervals, reaper); default the real clock, timers unref()ed. */
  readonly clock?: Clock;
  /**
   * The node record written when a registration finds no catalog entry for {@link nodeName} (registrations use
   * `SkipNodeUpdate`, so an existing node is never changed). Default: the bare name, no address.
   */
  readonly node?: NodeInput;
  /** ms between reaper passes; default {@link DEFAULT_CHECK_REAP_INTERVAL_MS}. */
  readonly reapIntervalMs?: number;
  /** ms floor of DeregisterCriticalServiceAfter; default {@link DEFAULT_CHECK_DEREGISTER_INTERVAL_MIN_MS}. */
  readonly deregisterIntervalMinMs?: number;
  /** ms floor of HTTP/TCP intervals; default {@link DEFAULT_CHECK_MIN_INTERVAL_MS}. */
  readonly minIntervalMs?: number;
  /** ms cap of the random delay before a first probe; default {@link DEFAULT_MAX_INITIAL_STAGGER_MS}. */
  readonly maxInitialStaggerMs?: number;
  /** Bytes of check output kept; default 4 KiB as Consul. */
  readonly outputMaxBytes?: number;
  /**
   * Consul's `enable_script_checks`: script (`Args`) checks may be registered through the HTTP API. Default false:
   * such registrations are refused with Consul's text.
   */
  readonly enableScriptChecks?: boolean;
  /**
   * Consul's `enable_local_script_checks`: script checks may come from the agent's config files (source `local`).
   * Script checks from config are also allowed by {@link enableScriptChecks}, as in Consul. Default false.
   */
  readonly enableLocalScriptChecks?: boolean;
  /**
   * `ports.sidecar_min_port` / `sidecar_max_port` (inclusive): where sidecars registered without a port get one
   * ({@link LocalAgent.reserveSidecarPort}). Default Consul's 21000–21255; either < 1 disables automatic ports.
   */
  readonly sidecarMinPort?: number;
  readonly sidecarMaxPort?: number;
}

/** A runner with its own schedule: interval probes, or an alias check's blocking watch. */
interface Stoppable {
  stop(): Promise<void>;
}

type Runner = { kind: 'ttl'; ttl: TtlRunner } | { kind: 'interval'; interval: Stoppable };

/**
 * The agent's local registrations and check runners (Consul's `Agent.AddService`/`AddCheck`/`updateTTLCheck`/
 * maintenance/reaper), for the services and checks of this node.
 *
 * The catalog is the only state: registrations are `register`/`deregister` writes on this node, status changes are
 * `check-update` writes (so indexes move and blocking queries wake), and {@link start} rebuilds the runners from the
 * catalog, so registrations survive restarts. In memory there are only the runners, the reap deadlines and when each
 * check went critical.
 *
 * NOTE: a runner writes only when status or output changed: every write is a log entry.
 */
export class LocalAgent implements AgentLocal {
  readonly #store: LocalAgentStore;
  readonly #write: LocalAgentOptions['write'];
  readonly #nodeName: string;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #node: NodeInput | undefined;
  readonly #reapIntervalMs: number;
  readonly #deregisterMinMs: number;
  readonly #minIntervalMs: number;
  readonly #maxStaggerMs: number;
  readonly #outputMax: number;
  readonly #enableScriptChecks: boolean;
  readonly #enableLocalScriptChecks: boolean;

  readonly #runners = new Map<string, Runner>();
  /** check ID → effective DeregisterCriticalServiceAfter (ms). */
  readonly #reapAfter = new Map<string, number>();
  /** check ID → clock time it was first seen critical. */
  readonly #criticalSince = new Map<string, number>();
  /** Writes and runner stops in flight, awaited by close(). */
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #sidecarPorts: SidecarPortRange;
  /** Merges proxy-defaults/service-defaults into proxy/gateway registrations, at registration and on every change. */
  readonly #central: CentralConfigMerger;
  /** Service writes vs. re-merge passes: a pass never reads the store behind a write in flight. */
  readonly #gate = new RegistrationGate();
  #unwatchCentral: (() => void) | undefined;
  #remergeQueued = false;
  #reapTimer: unknown;
  #started = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(opts: LocalAgentOptions) {
    if (opts.nodeName === '') throw new Error('LocalAgent: nodeName is required');
    this.#store = opts.store;
    this.#write = opts.write;
    this.#nodeName = opts.nodeName;
    this.#logger = opts.logger.child({ subsystem: 'agent.local' });
    this.#clock = opts.clock ?? systemClock;
    this.#node = opts.node;
    this.#reapIntervalMs = opts.reapIntervalMs ?? DEFAULT_CHECK_REAP_INTERVAL_MS;
    this.#deregisterMinMs = opts.deregisterIntervalMinMs ?? DEFAULT_CHECK_DEREGISTER_INTERVAL_MIN_MS;
    this.#minIntervalMs = opts.minIntervalMs ?? DEFAULT_CHECK_MIN_INTERVAL_MS;
    this.#maxStaggerMs = opts.maxInitialStaggerMs ?? DEFAULT_MAX_INITIAL_STAGGER_MS;
    this.#outputMax = opts.outputMaxBytes ?? DEFAULT_CHECK_OUTPUT_MAX_BYTES;
    this.#enableScriptChecks = opts.enableScriptChecks ?? false;
    this.#enableLocalScriptChecks = this.#enableScriptChecks || (opts.enableLocalScriptChecks ?? false);
    this.#sidecarPorts = new SidecarPortRange({
      minPort: opts.sidecarMinPort ?? DEFAULT_SIDECAR_MIN_PORT,
      maxPort: opts.sidecarMaxPort ?? DEFAULT_SIDECAR_MAX_PORT,
      localServices: () => this.#store.nodeServices(undefined, '', this.#nodeName).value?.services ?? [],
    });
    this.#central = new CentralConfigMerger(storeCentralConfig(this.#store));
    this.#unwatchCentral = this.#central.onChange(() => {
      this.#queueRemerge();
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts runners for the checks already in the catalog on this node (TTL timers start afresh, as after a Consul
   * agent restart) and the reaper. Idempotent.
   */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new AppError('ENT_ERR_UNAVAILABLE', 'agent is shutting down'));
    if (this.#started) return Promise.resolve();
    this.#started = true;
    for (const check of this.#store.nodeChecks(undefined, '', this.#nodeName).value) {
      if (this.#runners.has(check.CheckID)) continue;
      const def = definitionFromStored(check);
      if (runnerKind(def) === 'script' && !this.#enableScriptChecks) {
        // Registered while script checks were enabled: say why it no longer runs instead of freezing its status.
        this.#background(this.#setStatus(check.CheckID, 'critical', SCRIPTS_DISABLED), check.CheckID);
        continue;
      }
      this.#startRunner(def, check.Status);
    }
    this.#scheduleReap();
    // Proxies registered before a restart: merge their kept registrations with central config as it is now.
    this.#queueRemerge();
    this.#logger.debug({ checks: this.#runners.size }, 'local agent started');
    return Promise.resolve();
  }

  /** Stops every runner and timer, aborts in-flight probes and waits for pending writes. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    this.#closed = true;
    this.#unwatchCentral?.();
    this.#unwatchCentral = undefined;
    if (this.#reapTimer !== undefined) this.#clock.clearTimeout(this.#reapTimer);
    this.#reapTimer = undefined;
    for (const id of [...this.#runners.keys()]) this.#stopRunner(id);
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
  }

  // ---------------------------------------------------------------- AgentLocal

  async registerService(
    service: ServiceInput,
    checks: AgentCheckDefinition[],
    replaceExistingChecks: boolean,
    source: RegistrationSource = 'remote',
  ): Promise<void> {
    this.#assertOpen();
    for (const d of checks) this.#assertRunnable(d, source);
    const defs = checks.map((d) => this.#localDefinition(d, service.ID));
    // Merged inside the gate: with the config a pass queued meanwhile would merge, or before that pass reads it.
    await this.#gate.shared(async () => {
      const merged = this.#central.register(service);
      await this.#commit({
        Type: 'register',
        Node: this.#nodeInput(),
        SkipNodeUpdate: true,
        Service: merged.service,
        Checks: defs.map((d) => d.check),
        ...(merged.original ? { Original: merged.original } : {}),
      });
    });
    if (this.#closed) return;
    for (const d of defs) this.#startRunner(d, d.check.Status);
    if (replaceExistingChecks) {
      const keep = new Set(defs.map((d) => d.check.CheckID));
      for (const chk of this.#localChecks()) {
        if (chk.ServiceID !== service.ID || keep.has(chk.CheckID)) continue;
        await this.#removeCheck(chk.CheckID);
      }
    }
  }

  reserveSidecarPort(sidecarId: string): SidecarPortLease {
    this.#assertOpen();
    return this.#sidecarPorts.reserve(sidecarId);
  }

  async deregisterService(serviceID: string): Promise<void> {
    this.#assertOpen();
    if (!this.#service(serviceID)) {
      throw notFound(
        `Unknown service ID "${serviceID}". Ensure that the service ID is passed, not the service name.`,
      );
    }
    await this.#removeService(serviceID);
  }

  async registerCheck(def: AgentCheckDefinition, source: RegistrationSource = 'remote'): Promise<void> {
    this.#assertOpen();
    const serviceID = def.check.ServiceID;
    if (serviceID !== '' && !this.#service(serviceID))
      throw notFound(`ServiceID "${serviceID}" does not exist`);
    this.#assertRunnable(def, source);
    const local = this.#localDefinition(def, serviceID);
    await this.#commit({
      Type: 'register',
      Node: this.#nodeInput(),
      SkipNodeUpdate: true,
      Service: null,
      Checks: [local.check],
    });
    if (!this.#closed) this.#startRunner(local, local.check.Status);
  }

  async deregisterCheck(checkID: string): Promise<void> {
    this.#assertOpen();
    if (!this.#check(checkID)) throw unknownCheck(checkID);
    await this.#removeCheck(checkID);
  }

  async updateTtlCheck(checkID: string, status: HealthStatus, output: string): Promise<void> {
    this.#assertOpen();
    if (!this.#check(checkID)) throw unknownCheck(checkID);
    const runner = this.#runners.get(checkID);
    if (runner?.kind !== 'ttl') {
      throw new AppError('ENT_ERR_CONFLICT', `CheckID "${checkID}" does not have associated TTL`, {
        http: 500,
      });
    }
    const truncated = truncateOutput(output, this.#outputMax);
    // Renew first: the TTL counts from the client's update, and an expiry cannot slip in while the write commits.
    runner.ttl.renew(truncated);
    await this.#track(this.#setStatus(checkID, status, truncated));
  }

  async serviceMaintenance(serviceID: string, enable: boolean, reason: string): Promise<void> {
    this.#assertOpen();
    const svc = this.#service(serviceID);
    // Consul's EnableServiceMaintenance/DisableServiceMaintenance text, answered as a 404 by its HTTP handler.
    if (!svc) throw notFound(`No service registered with ID "${serviceID}"`);
    const checkID = SERVICE_MAINT_CHECK_PREFIX + serviceID;
    const existing = this.#check(checkID);
    if (enable) {
      if (existing) return; // as Consul: already in maintenance, the first reason stays
      await this.#commit({
        Type: 'register',
        Node: this.#nodeInput(),
        SkipNodeUpdate: true,
        Service: null,
        Checks: [
          this.#maintenanceCheck(
            checkID,
            'Service Maintenance Mode',
            reason || DEFAULT_SERVICE_MAINT_REASON,
            svc,
          ),
        ],
      });
      this.#logger.info({ service: serviceID }, 'Service entered maintenance mode');
    } else if (existing) {
      await this.#removeCheck(checkID);
      this.#logger.info({ service: serviceID }, 'Service left maintenance mode');
    }
  }

  async nodeMaintenance(enable: boolean, reason: string): Promise<void> {
    this.#assertOpen();
    const existing = this.#check(NODE_MAINT_CHECK_ID);
    if (enable) {
      if (existing) return;
      await this.#commit({
        Type: 'register',
        Node: this.#nodeInput(),
        SkipNodeUpdate: true,
        Service: null,
        Checks: [
          this.#maintenanceCheck(
            NODE_MAINT_CHECK_ID,
            'Node Maintenance Mode',
            reason || DEFAULT_NODE_MAINT_REASON,
          ),
        ],
      });
      this.#logger.info('Node entered maintenance mode');
    } else if (existing) {
      await this.#removeCheck(NODE_MAINT_CHECK_ID);
      this.#logger.info('Node left maintenance mode');
    }
  }

  // ---------------------------------------------------------------- registrations

  /**
   * Consul's `AddCheck` refusal of script checks: from remote (HTTP) calls unless `enable_script_checks`, from config
   * files unless it or `enable_local_script_checks`.
   */
  #assertRunnable(def: AgentCheckDefinition, source: RegistrationSource): void {
    if (runnerKind(def) !== 'script') return;
    if (source === 'local' && !this.#enableLocalScriptChecks) throw badRequest(LOCAL_SCRIPTS_DISABLED);
    if (source === 'remote' && !this.#enableScriptChecks) throw badRequest(SCRIPTS_DISABLED);
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError('ENT_ERR_UNAVAILABLE', 'agent is shutting down');
  }

  /**
   * The definition as this agent registers it: on this node, and keeping the status and output of a check that is
   * already registered under that ID (Consul restores them so a re-registration does not flap the check).
   */
  #localDefinition(def: AgentCheckDefinition, serviceID: string): AgentCheckDefinition {
    const prev = this.#check(def.check.CheckID);
    const check: CheckInput = {
      ...def.check,
      Node: this.#nodeName,
      ServiceID: serviceID,
      ...(prev ? { Status: prev.Status, Output: prev.Output } : {}),
    };
    return { ...def, check };
  }

  #maintenanceCheck(checkID: string, name: string, notes: string, svc?: NodeService): CheckInput {
    return {
      Node: this.#nodeName,
      CheckID: checkID,
      Name: name,
      Status: 'critical',
      Notes: notes,
      Output: '',
      ServiceID: svc?.ID ?? '',
      ServiceName: svc?.Service ?? '',
      ServiceTags: [],
      Type: '',
      Interval: '',
      Timeout: '',
      ExposedPort: 0,
      Definition: {},
    };
  }

  #nodeInput(): NodeInput {
    const node = this.#store.node(undefined, '', this.#nodeName).value;
    if (node) {
      const { CreateIndex: _c, ModifyIndex: _m, ...input } = node;
      return input;
    }
    return (
      this.#node ?? {
        ID: '',
        Node: this.#nodeName,
        Address: '',
        Datacenter: '',
        TaggedAddresses: {},
        Meta: {},
      }
    );
  }

  #service(serviceID: string): NodeService | undefined {
    return this.#store
      .nodeServices(undefined, '', this.#nodeName)
      .value?.services.find((s) => s.ID === serviceID);
  }

  #check(checkID: string): HealthCheck | undefined {
    return this.#store.check(this.#nodeName, checkID);
  }

  #localChecks(): HealthCheck[] {
    return this.#store.nodeChecks(undefined, '', this.#nodeName).value;
  }

  /**
   * Removes a service and its checks, and the sidecar registered with it (Consul's `removeServiceSidecars`): the
   * service `<id>-sidecar-proxy` whose proxy destination is this service.
   */
  async #removeService(serviceID: string): Promise<void> {
    await this.#removeOneService(serviceID);
    const sidecar = this.#service(serviceID + SIDECAR_SUFFIX);
    if (sidecar?.Kind === 'connect-proxy' && sidecar.Proxy?.['DestinationServiceID'] === serviceID) {
      await this.#removeOneService(sidecar.ID);
    }
  }

  async #removeOneService(serviceID: string): Promise<void> {
    const checkIDs = this.#localChecks()
      .filter((c) => c.ServiceID === serviceID)
      .map((c) => c.CheckID);
    for (const id of checkIDs) this.#stopRunner(id);
    await this.#gate.shared(() =>
      this.#commit({
        Type: 'deregister',
        PeerName: '',
        Node: this.#nodeName,
        ServiceID: serviceID,
        CheckID: '',
      }),
    );
  }

  async #removeCheck(checkID: string): Promise<void> {
    this.#stopRunner(checkID);
    await this.#commit({
      Type: 'deregister',
      PeerName: '',
      Node: this.#nodeName,
      ServiceID: '',
      CheckID: checkID,
    });
  }

  /** Writes a command; a refused command becomes an error for the caller. */
  async #commit(cmd: Command): Promise<void> {
    const { result } = await this.#track(this.#write(cmd));
    if (result.ok) return;
    throw new AppError(result.code, result.error);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    const done = (): void => {
      this.#inflight.delete(p);
    };
    p.then(done, done);
    return p;
  }

  // ---------------------------------------------------------------- central config

  /**
   * A proxy-defaults or service-defaults write happened: re-merge the local proxy registrations once, after the
   * write has been applied (coalesced: any number of writes in one tick cause one pass).
   */
  #queueRemerge(): void {
    if (this.#remergeQueued || this.#closed) return;
    this.#remergeQueued = true;
    queueMicrotask(() => {
      this.#remergeQueued = false;
      this.#track(this.#gate.exclusive(() => this.#remerge())).catch((err: unknown) => {
        this.#logger.warn({ err }, 'failed to merge central config into proxy registrations');
      });
    });
  }

  /** Writes each local proxy/gateway whose merged form changed (Consul's service manager re-registration). */
  async #remerge(): Promise<void> {
    if (this.#closed) return;
    const originals = this.#store.tables.serviceOriginals.ofLocalNode(this.#nodeName);
    const stale = this.#central.stale(originals, (id) => this.#service(id));
    const node = this.#nodeInput();
    const writes = stale.map(({ service, original }) =>
      this.#commit({
        Type: 'register',
        Node: node,
        SkipNodeUpdate: true,
        Service: service,
        Checks: [],
        ...(original ? { Original: original } : {}),
      }),
    );
    await Promise.all(writes);
    if (stale.length > 0) this.#logger.debug({ services: stale.length }, 'central config merged again');
  }

  // ---------------------------------------------------------------- runners

  #startRunner(def: AgentCheckDefinition, status: HealthStatus): void {
    const checkID = def.check.CheckID;
    this.#stopRunner(checkID);
    this.#noteStatus(checkID, status);
    if (def.deregisterCriticalAfterMs > 0 && def.check.ServiceID !== '') {
      let after = def.deregisterCriticalAfterMs;
      if (after < this.#deregisterMinMs) {
        this.#logger.warn(
          { check: checkID, minimum_interval_ms: this.#deregisterMinMs },
          'check has deregister interval below minimum',
        );
        after = this.#deregisterMinMs;
      }
      this.#reapAfter.set(checkID, after);
    }
    const kind = runnerKind(def);
    switch (kind) {
      case 'ttl': {
        const ttl = new TtlRunner({
          clock: this.#clock,
          ttlMs: def.ttlMs,
          onExpire: (output) => {
            this.#logger.warn({ check: checkID }, 'Check missed TTL, is now critical');
            this.#background(this.#setStatus(checkID, 'critical', output), checkID);
          },
        });
        this.#runners.set(checkID, { kind: 'ttl', ttl });
        ttl.start();
        return;
      }
      case 'alias': {
        const d = def.check.Definition;
        const alias = new AliasRunner({
          store: this.#store,
          checkID,
          localNode: this.#nodeName,
          aliasNode: d.AliasNode ?? '',
          aliasService: d.AliasService ?? '',
          report: (r) => this.#track(this.#setStatus(checkID, r.status, r.output)),
          onError: (err) => {
            this.#logger.warn({ check: checkID, err }, 'check update failed');
          },
        });
        this.#runners.set(checkID, { kind: 'interval', interval: alias });
        alias.start();
        return;
      }
      case 'http':
      case 'tcp':
      case 'udp':
      case 'grpc':
      case 'script': {
        // NOTE: never below 1 ms, even with the floor disabled: a 0 interval would spin.
        let intervalMs = Math.max(1, def.intervalMs);
        if (intervalMs < this.#minIntervalMs) {
          this.#logger.warn(
            { check: checkID, minimum_interval_ms: this.#minIntervalMs },
            'check has interval below minimum',
          );
          intervalMs = this.#minIntervalMs;
        }
        const runner = new IntervalRunner({
          clock: this.#clock,
          intervalMs,
          firstDelayMs: Math.floor(Math.random() * Math.min(intervalMs, this.#maxStaggerMs)),
          probe: this.#probe(kind, def),
          report: (r) => this.#track(this.#setStatus(checkID, r.status, r.output)),
          onError: (err) => {
            this.#logger.warn({ check: checkID, err }, 'check update failed');
          },
        });
        this.#runners.set(checkID, { kind: 'interval', interval: runner });
        runner.start();
        return;
      }
      case 'none':
        if (def.check.Type !== '') {
          this.#logger.warn({ check: checkID, type: def.check.Type }, 'check type is not run by this agent');
        }
        return;
    }
  }

  /** One probe of an interval check, by kind (Consul's CheckHTTP/CheckTCP/CheckUDP/CheckGRPC/CheckMonitor). */
  #probe(
    kind: 'http' | 'tcp' | 'udp' | 'grpc' | 'script',
    def: AgentCheckDefinition,
  ): (signal: AbortSignal) => Promise<ProbeResult> {
    const d = def.check.Definition;
    switch (kind) {
      case 'http':
        return (signal) =>
          probeHttp(
            {
              url: d.HTTP ?? '',
              method: d.Method ?? '',
              header: d.Header ?? {},
              body: d.Body ?? '',
              timeoutMs: def.timeoutMs,
              tlsSkipVerify: d.TLSSkipVerify ?? false,
              tlsServerName: d.TLSServerName ?? '',
              maxOutputBytes: this.#outputMax,
            },
            signal,
          );
      case 'tcp':
        return (signal) => probeTcp(d.TCP ?? '', def.timeoutMs, signal);
      case 'udp':
        return (signal) => probeUdp(d.UDP ?? '', def.timeoutMs, signal);
      case 'grpc':
        return (signal) =>
          probeGrpc(
            {
              target: d.GRPC ?? '',
              timeoutMs: def.timeoutMs,
              useTls: d.GRPCUseTLS ?? false,
              tlsSkipVerify: d.TLSSkipVerify ?? false,
              tlsServerName: d.TLSServerName ?? '',
            },
            signal,
          );
      case 'script':
        return (signal) =>
          probeScript(
            { args: d.ScriptArgs ?? [], timeoutMs: def.timeoutMs, maxOutputBytes: this.#outputMax },
            signal,
          );
    }
  }

  #stopRunner(checkID: string): void {
    const runner = this.#runners.get(checkID);
    this.#runners.delete(checkID);
    this.#reapAfter.delete(checkID);
    this.#criticalSince.delete(checkID);
    if (!runner) return;
    if (runner.kind === 'ttl') runner.ttl.stop();
    else this.#track(runner.interval.stop()).catch(() => undefined);
  }

  #background(p: Promise<void>, checkID: string): void {
    this.#track(p).catch((err: unknown) => {
      this.#logger.warn({ check: checkID, err }, 'check update failed');
    });
  }

  /**
   * Records a runner's (or a client's) status: a `check-update` write when status or output changed, nothing
   * otherwise. A check that left the catalog under the runner (deregistered elsewhere) stops its runner.
   */
  async #setStatus(checkID: string, status: HealthStatus, output: string): Promise<void> {
    if (this.#closed) return;
    const current = this.#check(checkID);
    if (!current) {
      this.#stopRunner(checkID);
      return;
    }
    if (current.Status !== status || current.Output !== output) {
      const { result } = await this.#write({
        Type: 'check-update',
        Node: this.#nodeName,
        CheckID: checkID,
        Status: status,
        Output: output,
      });
      if (!result.ok) {
        if (result.code === 'ENT_ERR_CHECK_NOT_FOUND') {
          this.#stopRunner(checkID);
          return;
        }
        throw new AppError(result.code, result.error);
      }
      if (current.Status !== status) this.#logger.debug({ check: checkID, status }, 'Check status updated');
    }
    this.#noteStatus(checkID, status);
  }

  #noteStatus(checkID: string, status: HealthStatus): void {
    if (status !== 'critical') this.#criticalSince.delete(checkID);
    else if (!this.#criticalSince.has(checkID)) this.#criticalSince.set(checkID, this.#clock.now());
  }

  // ---------------------------------------------------------------- reaper

  #scheduleReap(): void {
    if (this.#closed) return;
    this.#reapTimer = this.#clock.setTimeout(() => {
      this.#reapTimer = undefined;
      this.#track(this.#reap())
        .catch((err: unknown) => {
          this.#logger.error({ err }, 'reaping services failed');
        })
        .finally(() => {
          this.#scheduleReap();
        });
    }, this.#reapIntervalMs);
  }

  /**
   * One reaper pass (Consul's `reapServicesInternal`): a service whose check has been critical for longer than the
   * check's DeregisterCriticalServiceAfter is deregistered, checks included.
   */
  async #reap(): Promise<void> {
    const now = this.#clock.now();
    const reaped = new Set<string>();
    for (const [checkID, after] of [...this.#reapAfter]) {
      const check = this.#check(checkID);
      if (!check) {
        this.#stopRunner(checkID);
        continue;
      }
      // Statuses written by others (catalog API) count too: the catalog is the truth.
      this.#noteStatus(checkID, check.Status);
      const since = this.#criticalSince.get(checkID);
      const serviceID = check.ServiceID;
      if (since === undefined || serviceID === '' || reaped.has(serviceID)) continue;
      if (now - since <= after) continue;
      reaped.add(serviceID);
      if (!this.#service(serviceID)) continue;
      try {
        await this.#removeService(serviceID);
        this.#logger.info(
          { check: checkID, service: serviceID },
          'Check for service has been critical for too long; deregistered service',
        );
      } catch (err) {
        this.#logger.error(
          { check: checkID, service: serviceID, err },
          'unable to deregister service after check has been critical for too long',
        );
      }
    }
  }
}

function unknownCheck(checkID: string): AppError {
  return notFound(`Unknown check ID "${checkID}". Ensure that the check ID is passed, not the check name.`);
}
