import type {
  ConnectProxyConfig,
  MeshGatewayMode,
  ProxyMode,
  TransparentProxyConfig,
} from '../../types/index.js';
import type { ServiceInput } from '../../state/index.js';
import { mergeExtras, resolveExtras, type ResolvedExtras } from './central-extras.js';
import {
  addImplicitUpstreams,
  type CentralEntry,
  isServiceUpstream,
  mergeUpstreams,
  resolveUpstreamConfigs,
  type ResolvedUpstreams,
} from './central-upstreams.js';

export type { CentralEntry };

/** The central config that applies to one proxy or gateway (Consul's `ServiceConfigResponse`, the fields used). */
export interface ResolvedServiceConfig {
  readonly proxyConfig: Record<string, unknown> | undefined;
  readonly mode: ProxyMode;
  readonly meshGatewayMode: MeshGatewayMode;
  readonly transparentProxy: TransparentProxyConfig;
  /** Upstream config ({@link resolveUpstreamConfigs}): per explicit upstream, and transparent mode's implicit ones. */
  readonly upstreams: ResolvedUpstreams;
  readonly extras: ResolvedExtras;
}

const str = (e: CentralEntry | undefined, key: string): string => {
  const v = e?.[key];
  return typeof v === 'string' ? v : '';
};

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/**
 * Consul's `ComputeResolvedServiceConfig` (the proxy part): proxy-defaults `global` first, then the service-defaults
 * of the service the proxy fronts, each non-empty service-defaults value replacing the proxy-defaults one.
 * service-defaults' Protocol / MaxInboundConnections / Local{Connect,Request}TimeoutMs / BalanceInboundConnections
 * land in the opaque proxy config under Consul's snake_case keys.
 */
export function resolveServiceConfig(
  proxyDefaults: CentralEntry | undefined,
  serviceDefaults: CentralEntry | undefined,
  upstreams?: {
    readonly service: ServiceInput;
    readonly serviceDefaultsOf: (name: string) => CentralEntry | undefined;
  },
): ResolvedServiceConfig {
  const pdConfig = obj(proxyDefaults?.['Config']);
  let proxyConfig: Record<string, unknown> | undefined = pdConfig ? structuredClone(pdConfig) : undefined;
  let mode = str(proxyDefaults, 'Mode') as ProxyMode;
  let meshGatewayMode = str(obj(proxyDefaults?.['MeshGateway']), 'Mode') as MeshGatewayMode;
  const pdTproxy = obj(proxyDefaults?.['TransparentProxy']);
  const transparentProxy: TransparentProxyConfig = {
    OutboundListenerPort: num(pdTproxy?.['OutboundListenerPort']),
    DialedDirectly: pdTproxy?.['DialedDirectly'] === true,
  };
  if (serviceDefaults) {
    const sdMgw = str(obj(serviceDefaults['MeshGateway']), 'Mode') as MeshGatewayMode;
    if (sdMgw !== '') meshGatewayMode = sdMgw;
    const sdTproxy = obj(serviceDefaults['TransparentProxy']);
    const port = num(sdTproxy?.['OutboundListenerPort']);
    if (port !== 0) transparentProxy.OutboundListenerPort = port;
    if (sdTproxy?.['DialedDirectly'] === true) transparentProxy.DialedDirectly = true;
    const sdMode = str(serviceDefaults, 'Mode') as ProxyMode;
    if (sdMode !== '') mode = sdMode;
    const extra = serviceDefaultsProxyKeys(serviceDefaults);
    if (Object.keys(extra).length > 0) proxyConfig = { ...(proxyConfig ?? {}), ...extra };
  }
  // Only a sidecar's own upstreams are asked about (Consul's `IsSidecarProxy`); a gateway has none.
  const service = upstreams?.service;
  const explicit =
    service?.Kind === 'connect-proxy'
      ? (service.Proxy?.Upstreams ?? [])
          .filter(isServiceUpstream)
          .map((us) => ({ peer: us.DestinationPeer ?? '', name: us.DestinationName }))
      : [];
  const transparent = service?.Proxy?.Mode === 'transparent' || mode === 'transparent';
  const resolvedUpstreams =
    upstreams && service
      ? resolveUpstreamConfigs(
          {
            proxyDefaults,
            serviceDefaults,
            resolvedMeshGatewayMode: meshGatewayMode,
            registrationMeshGatewayMode: service.Proxy?.MeshGateway?.Mode ?? '',
            serviceDefaultsOf: upstreams.serviceDefaultsOf,
          },
          explicit,
          transparent,
        )
      : { byKey: new Map<string, Record<string, unknown>>(), implicit: [] };
  const extras = resolveExtras(proxyDefaults, serviceDefaults);
  return { proxyConfig, mode, meshGatewayMode, transparentProxy, upstreams: resolvedUpstreams, extras };
}

function serviceDefaultsProxyKeys(sd: CentralEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (str(sd, 'Protocol') !== '') out['protocol'] = str(sd, 'Protocol');
  if (str(sd, 'BalanceInboundConnections') !== '') {
    out['balance_inbound_connections'] = str(sd, 'BalanceInboundConnections');
  }
  if (num(sd['MaxInboundConnections']) > 0) out['max_inbound_connections'] = sd['MaxInboundConnections'];
  if (num(sd['LocalConnectTimeoutMs']) > 0) out['local_connect_timeout_ms'] = sd['LocalConnectTimeoutMs'];
  if (num(sd['LocalRequestTimeoutMs']) > 0) out['local_request_timeout_ms'] = sd['LocalRequestTimeoutMs'];
  return out;
}

/** Go's zero values, which mergo's non-overwriting merge treats as "not set". */
const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '' || v === 0 || v === false;

/**
 * Consul's `MergeServiceConfig`, the proxy fields: the registration's explicit values win. Opaque config keys the
 * registration leaves unset (or at a zero value) are filled from the resolved config; `MeshGateway.Mode` and `Mode`
 * are filled when empty; TransparentProxy's port when 0 and DialedDirectly when false. The registration passed in
 * is not changed.
 */
export function mergeServiceConfig(resolved: ResolvedServiceConfig, service: ServiceInput): ServiceInput {
  const proxy: ConnectProxyConfig = structuredClone(service.Proxy ?? {});
  if (resolved.proxyConfig) {
    const config = proxy.Config ?? {};
    for (const [k, v] of Object.entries(resolved.proxyConfig)) {
      if (isEmpty(config[k]) && !isEmpty(v)) config[k] = structuredClone(v);
    }
    if (Object.keys(config).length > 0) proxy.Config = config;
  }
  if ((proxy.MeshGateway?.Mode ?? '') === '' && resolved.meshGatewayMode !== '') {
    proxy.MeshGateway = { ...proxy.MeshGateway, Mode: resolved.meshGatewayMode };
  }
  if ((proxy.Mode ?? '') === '' && resolved.mode !== '') proxy.Mode = resolved.mode;
  const tp = resolved.transparentProxy;
  const port = tp.OutboundListenerPort ?? 0;
  if ((proxy.TransparentProxy?.OutboundListenerPort ?? 0) === 0 && port !== 0) {
    proxy.TransparentProxy = { ...proxy.TransparentProxy, OutboundListenerPort: port };
  }
  if (proxy.TransparentProxy?.DialedDirectly !== true && tp.DialedDirectly === true) {
    proxy.TransparentProxy = { ...proxy.TransparentProxy, DialedDirectly: true };
  }
  mergeExtras(resolved.extras, proxy);
  if (proxy.Upstreams && resolved.upstreams.byKey.size > 0) {
    proxy.Upstreams = mergeUpstreams(proxy.Upstreams, resolved.upstreams.byKey);
  }
  // In transparent mode (after the merge) the upstreams central config knows of are listed too, flagged
  // CentrallyConfigured: a transparent proxy's registration usually lists none.
  if (proxy.Mode === 'transparent' && resolved.upstreams.implicit.length > 0) {
    const all = addImplicitUpstreams(proxy.Upstreams ?? [], resolved.upstreams.implicit);
    if (all.length > (proxy.Upstreams?.length ?? 0)) proxy.Upstreams = all;
  }
  if (service.Proxy === undefined && Object.keys(proxy).length === 0) return service;
  return { ...service, Proxy: proxy };
}

/**
 * The service whose service-defaults apply: a sidecar proxy is configured by its destination's (Consul's
 * `MergeNodeServiceWithCentralConfig`), a gateway by its own.
 */
export function centralConfigName(service: ServiceInput): string {
  const dest = service.Proxy?.DestinationServiceName ?? '';
  return service.Kind === 'connect-proxy' && dest !== '' ? dest : service.Service;
}

/** Consul merges central config only into proxies and gateways; typical services are registered as given. */
export const takesCentralConfig = (service: ServiceInput): boolean => service.Kind !== '';
