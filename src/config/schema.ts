/** The agent's runtime configuration, after defaults, files and flags are merged and checked. Deep-frozen. */
export interface AgentConfig {
  /**
   * `service {}` / `services [...]` of the config files, key names normalised (service-definitions.ts), not yet
   * decoded: the agent registers each at start as `PUT /v1/agent/service/register` would, and refuses to start on
   * an invalid one.
   */
  readonly services: readonly unknown[];
  /** `check {}` / `checks [...]` of the config files, likewise registered at start. */
  readonly checks: readonly unknown[];
  readonly dev: boolean;
  readonly server: boolean;
  readonly bootstrap: boolean;
  readonly bootstrapExpect: number;
  readonly datacenter: string;
  readonly primaryDatacenter: string;
  readonly nodeName: string;
  /** Empty: generated at first start and kept in the data dir. */
  readonly nodeId: string;
  /** Empty with `dev`: state kept in memory only. */
  readonly dataDir: string;
  readonly bindAddr: string;
  readonly clientAddr: string;
  /** The address other clusters reach this server at; never 0.0.0.0. */
  readonly advertiseAddr: string;
  readonly advertiseAddrWan: string;
  readonly ports: Readonly<PortsConfig>;
  readonly addresses: Readonly<Partial<Record<keyof PortsConfig, string>>>;
  readonly domain: string;
  readonly altDomain: string;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly logJson: boolean;
  readonly connectEnabled: boolean;
  /**
   * `connect { ca_config { cluster_id } }`: the cluster ID (a UUID) used when the cluster is first bootstrapped;
   * the trust domain is `<cluster_id>.consul`. Empty: a random one. A data dir keeps the ID it was created with.
   */
  readonly connectClusterId: string;
  /** `connect { ca_provider }`: always `consul` (the only provider; others stop start-up). */
  readonly connectCAProvider: string;
  /**
   * `connect { ca_config { … } }` without `cluster_id`, as written (snake_case keys). It seeds the CA
   * configuration of a fresh cluster; the agent validates it with Consul's rules at start-up.
   */
  readonly connectCAConfig: Readonly<Record<string, unknown>>;
  readonly peeringEnabled: boolean;
  /** Entente extension `peering { heartbeat_interval = "15s" }`: how often each side sends a heartbeat (ms). */
  readonly peeringHeartbeatIntervalMs: number;
  /** Entente extension `peering { heartbeat_timeout = "2m" }`: a stream silent this long is dropped (ms). */
  readonly peeringHeartbeatTimeoutMs: number;
  /** Entente extension `peering { max_reconnect_backoff = "2s" }`: the longest wait between dial attempts (ms). */
  readonly peeringMaxBackoffMs: number;
  /** Entente extension `peering { keepalive_interval = "15s" }`: HTTP/2 ping interval on peering connections (ms). */
  readonly peeringKeepaliveIntervalMs: number;
  /** Entente extension `peering { keepalive_timeout = "5s" }`: an unanswered ping drops the connection (ms). */
  readonly peeringKeepaliveTimeoutMs: number;
  /** `enable_script_checks`: script (`Args`) checks may be registered over the HTTP API. */
  readonly enableScriptChecks: boolean;
  /** `enable_local_script_checks`: script checks from config files only (none are loaded yet). */
  readonly enableLocalScriptChecks: boolean;
  /** `ports.sidecar_min_port`: first port given to a sidecar registered without one (< 1 disables). */
  readonly sidecarMinPort: number;
  /** `ports.sidecar_max_port`: last port of that range, inclusive. */
  readonly sidecarMaxPort: number;
  /**
   * Entente extension `peering { ack_timeout = "2m" }`: a peer that leaves a response unacknowledged (or does not
   * read) this long gets its stream reset with reason `ACK_TIMEOUT` (ms).
   */
  readonly peeringAckTimeoutMs: number;
  /** Entente extension `peering { max_unacked_responses = 256 }`: responses in flight per stream. */
  readonly peeringMaxUnackedResponses: number;
  /** Entente extension `peering { chunk_assembly_max_bytes = 268435456 }`: bytes of one service in parts. */
  readonly peeringChunkAssemblyMaxBytes: number;
  /** Entente extension `peering { chunk_assembly_max_services = 4 }`: services being assembled at once. */
  readonly peeringChunkAssemblyMaxServices: number;
  /**
   * Entente extension `peering { chunk_assembly_timeout = "2m" }`: a chunked service still partly received this long
   * after its first part has its parts dropped (ms). Default: `peering.ack_timeout`.
   */
  readonly peeringChunkAssemblyTimeoutMs: number;
  /**
   * Entente extension `peering { import_max_services = 10000 }`: services one peer may have imported; an update that
   * would add one more is NACKed and not stored.
   */
  readonly peeringImportMaxServices: number;
  /**
   * Entente extension `peering { import_max_instances = 100000 }`: instances one peer may have imported (all its
   * services); an update that would raise the total past it is NACKed and not stored.
   */
  readonly peeringImportMaxInstances: number;
  readonly nodeMeta: Readonly<Record<string, string>>;
  readonly recursors: readonly string[];
  /** Raw `dns_config` block, read by the DNS server. */
  readonly dnsConfig: Readonly<Record<string, unknown>>;
  /** `limits { http_max_conns_per_client }`: concurrent HTTP connections per client IP; 0 = no limit. */
  readonly httpMaxConnsPerClient: number;
  readonly telemetry: TelemetryConfig;
}

/** Consul's `telemetry` keys that Entente implements (others warn). */
export interface TelemetryConfig {
  /** `prometheus_retention_time` (ms); 0 (the default) leaves Prometheus output off, as in Consul. */
  readonly prometheusRetentionMs: number;
  /** `disable_hostname`: gauge names without the host name (default false, as in Consul). */
  readonly disableHostname: boolean;
}

/**
 * Listener ports; -1 disables a listener, 0 lets the OS choose. `grpc` (plaintext), `https` and `server` (Consul's
 * server RPC port) are always -1: nothing serves them, so they are neither opened nor advertised.
 */
export interface PortsConfig {
  http: number;
  https: number;
  dns: number;
  grpc: number;
  grpc_tls: number;
  server: number;
}
