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
export {
  parseClientHello,
  DEFAULT_MAX_CLIENT_HELLO_BYTES,
  MAX_CLIENT_HELLO_BYTES,
  type ClientHelloParse,
  type ClientHelloRefusal,
} from './sni/client-hello.js';
export {
  peekClientHello,
  DEFAULT_CLIENT_HELLO_TIMEOUT_MS,
  type PeekOptions,
  type PeekResult,
} from './sni/peek.js';
export {
  MeshGateway,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type MeshGatewayOptions,
} from './gateway/mesh-gateway.js';
export { RoutingView, type RoutingViewOptions } from './gateway/routing-view.js';
export { apiGatewaySource, type GatewaySource } from './gateway/gateway-source.js';
export { REFUSAL_REASONS, type RefusalReason, type GatewayCounterValues } from './gateway/counters.js';
export { routeSni, type SniRoute, type SniContext } from './gateway/sni-route.js';
