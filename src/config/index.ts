export type { AgentConfig, PortsConfig, TelemetryConfig } from './schema.js';
export { loadAgentConfig, parseAgentFlags, buildConfig, ConfigError, type LoadResult } from './load.js';
export {
  DEFAULT_PORTS,
  DEV_PORTS,
  DEFAULT_SIDECAR_MIN_PORT,
  DEFAULT_SIDECAR_MAX_PORT,
  SHUTDOWN_GRACE_MS,
  PEERING_HEARTBEAT_INTERVAL_MS,
  PEERING_HEARTBEAT_TIMEOUT_MS,
  PEERING_MAX_BACKOFF_MS,
  PEERING_KEEPALIVE_INTERVAL_MS,
  PEERING_KEEPALIVE_TIMEOUT_MS,
} from './defaults.js';
export { SCRIPT_CHECKS_WITHOUT_ACLS_WARNING } from './unimplemented.js';
