/**
 * Entente's built-in data plane (see README.md): the sidecar proxy (`sidecar/`); the shared byte pump
 * (`pump.ts`); the mesh gateway beside them.
 */
import { createLogger, type Logger, type LogLevel } from '../logging/index.js';

export { pump, type PumpOptions, type PumpCounters, type PumpEnd, type PumpResult } from './pump.js';
export { SidecarProxy, type ProxySource, type SidecarProxyOptions } from './sidecar/sidecar-proxy.js';
export {
  proxyConfigFromRegistration,
  type ProxyConfig,
  type ProxyProtocol,
  type PublicListenerConfig,
  type UpstreamConfig,
} from './sidecar/config.js';
export { staticProxyConfig, type StaticProxyInput } from './sidecar/static-config.js';
export { RegisterMonitor, type RegisterMonitorOptions } from './sidecar/register-monitor.js';
export type { CounterValues } from './sidecar/counters.js';
export type { Logger } from '../logging/index.js';

/** A proxy's logger (the CLI may not import `logging/` itself): JSON or human lines on stdout. */
export function createProxyLogger(level: LogLevel, json: boolean): Logger {
  return createLogger({ level, json }).child({ subsystem: 'proxy' });
}
