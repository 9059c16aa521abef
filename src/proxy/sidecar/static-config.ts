/**
 * The configuration of a proxy started from flags (Consul's `NewStaticConfigWatcher` path): `-service` names the
 * identity, `-listen` + `-service-addr` make the public listener, each `-upstream` an upstream listener.
 */
import type { Upstream } from '../../api/index.js';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LOCAL_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS,
  upstreamsOf,
  type ProxyConfig,
} from './config.js';

export interface StaticProxyInput {
  readonly service: string;
  readonly upstreams: readonly Upstream[];
  /** `-listen` split into host and port; undefined when no public listener. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** `-service-addr` split into host and port. */
  readonly serviceAddr?: { readonly host: string; readonly port: number };
  readonly datacenter: string;
}

export function staticProxyConfig(input: StaticProxyInput): ProxyConfig {
  const ups = upstreamsOf(input.upstreams, input.datacenter, DEFAULT_IDLE_TIMEOUT_MS);
  const listen = input.listen;
  const local = input.serviceAddr;
  return {
    proxyId: '',
    service: input.service,
    protocol: 'tcp',
    publicListener:
      listen === undefined || local === undefined
        ? undefined
        : {
            bindAddress: listen.host === '' ? '0.0.0.0' : listen.host,
            bindPort: listen.port,
            localServiceAddress: local.host === '' ? '127.0.0.1' : local.host,
            localServicePort: local.port,
            localConnectTimeoutMs: DEFAULT_LOCAL_CONNECT_TIMEOUT_MS,
            handshakeTimeoutMs: DEFAULT_HANDSHAKE_TIMEOUT_MS,
            maxConnections: DEFAULT_MAX_CONNECTIONS,
            idleTimeoutMs: DEFAULT_IDLE_TIMEOUT_MS,
          },
    upstreams: ups.upstreams,
    refused: ups.refused,
    ignoredKeys: ups.ignoredKeys,
  };
}
