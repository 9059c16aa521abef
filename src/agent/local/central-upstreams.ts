import type { MeshGatewayMode, Upstream } from '../../types/index.js';

/** A config entry body as stored (`proxy-defaults` / `service-defaults`), read only through its known fields. */
export type CentralEntry = Readonly<Record<string, unknown>>;

/** What the upstream part of the resolution reads (Consul's `ComputeResolvedServiceConfig`, upstream half). */
export interface UpstreamResolveInput {
  readonly proxyDefaults: CentralEntry | undefined;
  /** service-defaults of the service the proxy fronts (its `UpstreamConfig`). */
  readonly serviceDefaults: CentralEntry | undefined;
  /** Mesh gateway mode after proxy-defaults and service-defaults (before the registration). */
  readonly resolvedMeshGatewayMode: MeshGatewayMode;
  /** The registration's own `Proxy.MeshGateway.Mode`. */
  readonly registrationMeshGatewayMode: MeshGatewayMode;
  /** service-defaults of an upstream service (its `Protocol`). */
  readonly serviceDefaultsOf: (name: string) => CentralEntry | undefined;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Consul's `UpstreamConfig.MergeInto`: each non-empty field overwrites its snake_case key. */
function mergeUpstreamConfigInto(cfg: Record<string, unknown>, dst: Record<string, unknown>): void {
  if (str(cfg['EnvoyListenerJSON']) !== '') dst['envoy_listener_json'] = cfg['EnvoyListenerJSON'];
  if (str(cfg['EnvoyClusterJSON']) !== '') dst['envoy_cluster_json'] = cfg['EnvoyClusterJSON'];
  if (str(cfg['Protocol']) !== '') dst['protocol'] = cfg['Protocol'];
  const timeout = cfg['ConnectTimeoutMs'];
  if (typeof timeout === 'number' && timeout !== 0) dst['connect_timeout_ms'] = timeout;
  const mgw = str(obj(cfg['MeshGateway'])?.['Mode']);
  if (mgw !== '') dst['mesh_gateway'] = { Mode: mgw };
  if (obj(cfg['Limits'])) dst['limits'] = structuredClone(cfg['Limits']);
  if (obj(cfg['PassiveHealthCheck']))
    dst['passive_health_check'] = structuredClone(cfg['PassiveHealthCheck']);
  const balance = str(cfg['BalanceOutboundConnections']);
  if (balance !== '') dst['balance_outbound_connections'] = balance;
}

/** The defaults every upstream starts from (Consul's wildcard upstream). */
function wildcardDefaults(input: UpstreamResolveInput): {
  wildcard: Record<string, unknown>;
  upstreamDefaults: Record<string, unknown> | undefined;
} {
  const wildcard: Record<string, unknown> = {};
  const pd = input.proxyDefaults;
  const pdConfig = obj(pd?.['Config']);
  if (pdConfig && 'mesh_gateway' in pdConfig)
    wildcard['mesh_gateway'] = structuredClone(pdConfig['mesh_gateway']);
  const pdMgw = str(obj(pd?.['MeshGateway'])?.['Mode']);
  if (pdMgw !== '') wildcard['mesh_gateway'] = { Mode: pdMgw };
  if (pdConfig && 'protocol' in pdConfig) wildcard['protocol'] = pdConfig['protocol'];
  const sdMgw = str(obj(input.serviceDefaults?.['MeshGateway'])?.['Mode']);
  if (sdMgw !== '') wildcard['mesh_gateway'] = { Mode: sdMgw };
  let upstreamDefaults = obj(obj(input.serviceDefaults?.['UpstreamConfig'])?.['Defaults']);
  if (upstreamDefaults) {
    upstreamDefaults = structuredClone(upstreamDefaults);
    if (str(obj(upstreamDefaults['MeshGateway'])?.['Mode']) === '') {
      upstreamDefaults['MeshGateway'] = { Mode: input.resolvedMeshGatewayMode };
    }
    mergeUpstreamConfigInto(upstreamDefaults, wildcard);
  }
  if (input.registrationMeshGatewayMode !== '') {
    wildcard['mesh_gateway'] = { Mode: input.registrationMeshGatewayMode };
  }
  return { wildcard, upstreamDefaults };
}

/** `UpstreamConfig.Overrides` of the proxy's service for local (non-peer) upstreams, by name. */
function localOverrides(sd: CentralEntry | undefined): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const list = obj(sd?.['UpstreamConfig'])?.['Overrides'];
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    const o = obj(item);
    const name = str(o?.['Name']);
    if (o && name !== '' && str(o['Peer']) === '') out.set(name, o);
  }
  return out;
}

/**
 * The opaque config of each named upstream. Order, later wins: proxy-defaults (`Config.protocol`, mesh gateway),
 * service-defaults' mesh gateway, the upstream's own service-defaults `Protocol`, `UpstreamConfig.Defaults`, the
 * registration's `Proxy.MeshGateway`, `UpstreamConfig.Overrides` for that upstream. Upstreams with nothing to
 * add are absent.
 */
export function resolveUpstreamConfigs(
  input: UpstreamResolveInput,
  names: readonly string[],
): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  if (names.length === 0) return out;
  const { wildcard, upstreamDefaults } = wildcardDefaults(input);
  const overrides = localOverrides(input.serviceDefaults);
  for (const name of new Set(names)) {
    const cfg: Record<string, unknown> = structuredClone(wildcard);
    const protocol = str(input.serviceDefaultsOf(name)?.['Protocol']);
    if (protocol !== '') cfg['protocol'] = protocol;
    if (input.resolvedMeshGatewayMode !== '') cfg['mesh_gateway'] = { Mode: input.resolvedMeshGatewayMode };
    if (upstreamDefaults) mergeUpstreamConfigInto(upstreamDefaults, cfg);
    if (input.registrationMeshGatewayMode !== '') {
      cfg['mesh_gateway'] = { Mode: input.registrationMeshGatewayMode };
    }
    const override = overrides.get(name);
    if (override) mergeUpstreamConfigInto(override, cfg);
    if (Object.keys(cfg).length > 0) out.set(name, cfg);
  }
  return out;
}

/** Upstreams central config applies to: service upstreams in this datacenter's own catalog (no peer). */
export const isLocalServiceUpstream = (us: Upstream): boolean =>
  (us.DestinationType ?? '') === '' || us.DestinationType === 'service'
    ? (us.DestinationPeer ?? '') === ''
    : false;

/** Go's zero values, which mergo's non-overwriting merge treats as unset. */
const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '' || v === 0 || v === false;

const modeOf = (v: unknown): MeshGatewayMode => {
  const o = obj(v);
  return str(o?.['Mode'] ?? o?.['mode']) as MeshGatewayMode;
};

/**
 * Consul's `MergeServiceConfig`, upstream half: an upstream's own mesh gateway mode wins, else the resolved one;
 * resolved config keys fill what the upstream's `Config` leaves unset; `mesh_gateway` never stays in `Config`.
 */
export function mergeUpstreams(
  upstreams: readonly Upstream[],
  configs: ReadonlyMap<string, Record<string, unknown>>,
): Upstream[] {
  return upstreams.map((us) => {
    const remote = isLocalServiceUpstream(us) ? configs.get(us.DestinationName) : undefined;
    if (!remote) return us;
    const next: Upstream = { ...us };
    const mode = modeOf(remote['mesh_gateway']);
    if ((us.MeshGateway?.Mode ?? '') === '' && mode !== '')
      next.MeshGateway = { ...us.MeshGateway, Mode: mode };
    const config: Record<string, unknown> = { ...(us.Config ?? {}) };
    for (const [k, v] of Object.entries(remote)) {
      if (isEmpty(config[k]) && !isEmpty(v)) config[k] = structuredClone(v);
    }
    delete config['mesh_gateway'];
    if (Object.keys(config).length > 0) next.Config = config;
    else delete next.Config;
    return next;
  });
}
