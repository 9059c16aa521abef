import type { PortsConfig } from './schema.js';

/**
 * Consul's default ports, except those of listeners Entente does not have: plaintext gRPC (off, as in Consul
 * outside -dev) and the server RPC port (Consul's 8300: Entente servers speak no Raft/RPC to each other). Both are
 * -1, so they are neither opened nor advertised.
 */
export const DEFAULT_PORTS: Readonly<PortsConfig> = {
  http: 8500,
  https: -1,
  dns: 8600,
  grpc: -1,
  grpc_tls: 8503,
  server: -1,
};

/** `-dev` uses the same ports. */
export const DEV_PORTS: Readonly<PortsConfig> = { ...DEFAULT_PORTS };

/** How long a graceful stop may take before the agent gives up waiting (ms). */
export const SHUTDOWN_GRACE_MS = 5_000;

/** Consul's peer-stream heartbeat: every 15 s. */
export const PEERING_HEARTBEAT_INTERVAL_MS = 15_000;

/** Consul drops a peer stream that has been silent for 2 min. */
export const PEERING_HEARTBEAT_TIMEOUT_MS = 120_000;

/**
 * Longest wait between dial attempts. Consul's dialer waits 2^n s capped at 64 s, so a peer that returns after a
 * long outage is reached up to 64 s late; Entente caps at 2 s (jittered), so it reconnects within seconds.
 */
export const PEERING_MAX_BACKOFF_MS = 2_000;

/**
 * HTTP/2 keepalive on peering connections (both ends): a ping every 15 s, the connection dropped when one goes
 * 5 s unanswered, so a dead connection is found within 20 s instead of the 2 min heartbeat timeout. 15 s is the
 * shortest interval a Consul acceptor accepts from a dialer (it answers faster pings with GOAWAY).
 */
export const PEERING_KEEPALIVE_INTERVAL_MS = 15_000;
export const PEERING_KEEPALIVE_TIMEOUT_MS = 5_000;
/** Shortest keepalive interval accepted: HTTP/2 pings more often than this are noise, not liveness. */
export const MIN_PEERING_KEEPALIVE_INTERVAL_MS = 1_000;

/** Consul's `limits.http_max_conns_per_client`: 200 concurrent HTTP connections per client IP. */
export const HTTP_MAX_CONNS_PER_CLIENT = 200;

/** Consul's `ports.sidecar_min_port`: sidecars registered without a port get the lowest free one from here. */
export const DEFAULT_SIDECAR_MIN_PORT = 21000;

/** Consul's `ports.sidecar_max_port` (inclusive). */
export const DEFAULT_SIDECAR_MAX_PORT = 21255;

/**
 * Entente's peer-stream send-path, chunk-assembly and import-cap bounds (Consul has none). Same values as
 * `DEFAULT_STREAM_LIMITS` in src/peering/stream-limits.ts, which documents each one's overflow policy.
 */
export const PEERING_ACK_TIMEOUT_MS = 120_000;
export const PEERING_MAX_UNACKED_RESPONSES = 256;
export const PEERING_CHUNK_ASSEMBLY_MAX_BYTES = 256 * 1024 * 1024;
export const PEERING_CHUNK_ASSEMBLY_MAX_SERVICES = 4;
/** Per-peer import caps (`DEFAULT_STREAM_LIMITS.importMaxServices` / `importMaxInstances`, which say why these). */
export const PEERING_IMPORT_MAX_SERVICES = 10_000;
export const PEERING_IMPORT_MAX_INSTANCES = 100_000;
