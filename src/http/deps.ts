import type { Logger } from '../logging/index.js';
import type { PeeringService, StreamTracker } from '../peering/index.js';
import type { ApplyResult, Command, StateStore } from '../state/index.js';
import type { AgentLocal } from './agent-local.js';
import type { ResponseCache } from './response-cache.js';

/**
 * The reads the HTTP handlers make of the state store (conventions §3: the consumer declares what it calls), plus
 * what blocking queries wait on. `StateStore` satisfies it; a test can hand in anything that does.
 */
export type HttpStore = Pick<
  StateStore,
  | 'hub'
  | 'abandoned'
  | 'maxIndex'
  | 'clusterId'
  | 'nodes'
  | 'node'
  | 'nodeServices'
  | 'nodeChecks'
  | 'services'
  | 'serviceInstances'
  | 'serviceChecks'
  | 'instanceChecks'
  | 'checksInState'
  | 'kvGet'
  | 'kvList'
  | 'configEntry'
  | 'configEntries'
  | 'peering'
  | 'peerings'
  | 'trustBundle'
  | 'caRoots'
  | 'caConfig'
>;

/** What the HTTP handlers need of the server. The agent (composition root) provides it. */
export interface HttpDeps {
  readonly store: HttpStore;
  /** Commits a command (durably) and answers once it has been applied. */
  write(cmd: Command): Promise<{ index: number; result: ApplyResult }>;
  /**
   * Waits until every write committed before the call is applied here (the command log's read barrier), for
   * `?consistent` reads. Rejects with the signal's reason when the client goes away.
   */
  readBarrier(signal: AbortSignal): Promise<void>;
  readonly agent: AgentLocal;
  readonly info: AgentInfo;
  readonly logger: Logger;
  readonly peering: { readonly service: PeeringService; readonly tracker: StreamTracker };
  /** Rendered catalog/health answers by request and index. */
  readonly cache: ResponseCache;
  /** `/v1/agent/metrics`. */
  readonly metrics: MetricsView;
  /** The Connect CA's writer (`PUT /v1/connect/ca/configuration`). */
  readonly connectCA: ConnectCAWriter;
  /** Whether writes are accepted now (the command log's health), for the agent check and `agent/self`. */
  writeHealth(): WriteHealth;
  /** The agent's service leaf certificates (`/v1/agent/connect/ca/leaf/:service`). */
  readonly leafCerts: LeafCertSource;
}

/** What the leaf endpoint needs of the agent's leaf certificate cache (the agent's `LeafCertificates` fits). */
export interface LeafCertSource {
  /**
   * Consul's `IssuedCert` JSON for `service`. With `minIndex > 0`, waits until the leaf's `ModifyIndex` passes it
   * (renewal, root rotation) or `waitMs` elapses. Rejects with an `AppError` for the CSR limits (429).
   */
  leaf(
    service: string,
    q: { minIndex: number; waitMs: number | undefined; signal: AbortSignal },
  ): Promise<{ readonly ModifyIndex: number }>;
}

/** What `PUT /v1/connect/ca/configuration` needs of the CA (the agent's `ConnectCAManager` provides it). */
export interface ConnectCAWriter {
  /**
   * Applies a configuration: nothing when unchanged, a configuration update, or a root rotation. Rejects with an
   * `AppError` carrying Consul's message when the configuration is refused; nothing is stored then.
   */
  setConfiguration(req: {
    Provider: string;
    Config: Record<string, unknown>;
    ForceWithoutCrossSigning: boolean;
  }): Promise<void>;
}

/** What `/v1/agent/metrics` reads of the agent's metrics (the agent's `AgentMetrics` provides it). */
export interface MetricsView {
  /** Consul's JSON summary (`Timestamp`, `Gauges`, `Points`, `Counters`, `Samples`). */
  summary(): unknown;
  /** The Prometheus exposition, or undefined when Prometheus output is off. */
  prometheus(): Promise<{ contentType: string; body: string } | undefined>;
}

/** The command log's health as the agent endpoints need it (wal's `LogHealth` fits). */
export interface WriteHealth {
  /** `ok`; `degraded`: disk full, refused and retried by itself; `failed`: refused until restart. */
  readonly status: 'ok' | 'degraded' | 'failed';
  /** errno code of the failure (`ENOSPC`). */
  readonly code?: string;
  /** The system's text (`ENOSPC: no space left on device, write`). */
  readonly error?: string;
  /** Since when writes are refused (ms since the epoch). */
  readonly sinceMs?: number;
  readonly attempts?: number;
  readonly retryInMs?: number;
}

/** Facts about this agent, for `/v1/agent/self`, `/v1/status/*`, defaults. */
export interface AgentInfo {
  readonly datacenter: string;
  readonly nodeName: string;
  readonly nodeId: string;
  readonly advertiseAddr: string;
  readonly version: string;
  readonly revision: string;
  readonly server: boolean;
  readonly primaryDatacenter: string;
  readonly domain: string;
  /** Ports as configured/bound: http, dns, grpc, grpc_tls (-1 when disabled). */
  readonly ports: Readonly<Record<string, number>>;
  readonly bindAddr: string;
  readonly clientAddr: string;
  readonly advertiseAddrWan: string;
  readonly bootstrap: boolean;
  readonly connectEnabled: boolean;
  /** `enable_script_checks` */
  readonly enableRemoteScriptChecks: boolean;
  /** `enable_local_script_checks` or `enable_script_checks` (Consul's EnableLocalScriptChecks) */
  readonly enableLocalScriptChecks: boolean;
}
