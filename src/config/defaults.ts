import type { PortsConfig } from './schema.js';

/** Consul's default ports (plaintext gRPC off, as in Consul outside -dev: nothing serves it in Entente yet). */
export const DEFAULT_PORTS: Readonly<PortsConfig> = {
  http: 8500,
  https: -1,
  dns: 8600,
  grpc: -1,
  grpc_tls: 8503,
  server: 8300,
};

/** `-dev` uses the same ports. */
export const DEV_PORTS: Readonly<PortsConfig> = { ...DEFAULT_PORTS };

/** How long a graceful stop may take before the agent gives up waiting (ms). */
export const SHUTDOWN_GRACE_MS = 5_000;

/** Consul's peer-stream heartbeat: every 15 s. */
export const PEERING_HEARTBEAT_INTERVAL_MS = 15_000;

/** Consul drops a peer stream that has been silent for 2 min. */
export const PEERING_HEARTBEAT_TIMEOUT_MS = 120_000;

/** Consul's dialer waits 2^n s between failed attempts, capped at 64 s. */
export const PEERING_MAX_BACKOFF_MS = 64_000;

/** Consul's `limits.http_max_conns_per_client`: 200 concurrent HTTP connections per client IP. */
export const HTTP_MAX_CONNS_PER_CLIENT = 200;

/** Consul's `ports.sidecar_min_port`: sidecars registered without a port get the lowest free one from here. */
export const DEFAULT_SIDECAR_MIN_PORT = 21000;

/** Consul's `ports.sidecar_max_port` (inclusive). */
export const DEFAULT_SIDECAR_MAX_PORT = 21255;
