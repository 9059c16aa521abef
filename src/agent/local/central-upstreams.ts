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

/** The defaults every upstream starts from (Consul's wildcard upstream, `*`). */
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
  // NOTE: proxy-defaults' protocol is not part of the wildcard (Consul keeps it out so a transparent proxy takes
  // an upstream's protocol from its discovery chain); each named upstream starts from it instead.
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

/** An upstream's identity for central config (Consul's `PeeredServiceName`): peer (`''`: this catalog) and name. */
export const upstreamKey = (peer: string, name: string): string => `${peer}\u0000${name}`;

/** `UpstreamConfig.Overrides` of the proxy's service by {@link upstreamKey}, in the order listed (a repeat: the last). */
function overridesByKey(sd: CentralEntry | undefined): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  const list = obj(sd?.['UpstreamConfig'])?.['Overrides'];
  if (!Array.isArray(list)) return out;
  for (const item of list) {
    const o = obj(item);
    const name = str(o?.['Name']);
    if (o && name !== '') out.set(upstreamKey(str(o['Peer']), name), o);
  }
  return out;
}

/** What resolving one upstream reads, computed once per proxy. */
interface UpstreamResolution {
  readonly input: UpstreamResolveInput;
  readonly globalProtocol: string;
  readonly wildcard: Record<string, unknown>;
  readonly upstreamDefaults: Record<string, unknown> | undefined;
  readonly overrides: Map<string, Record<string, unknown>>;
  /** No override names a peer: a peer's upstream takes the override of its name too (Consul's legacy match). */
  readonly legacyOverrides: boolean;
  /** Services whose service-defaults Consul reads for the upstreams (`ReadResolvedServiceConfigEntries`). */
  readonly ownDefaultsOf: ReadonlySet<string>;
}

/**
 * One upstream's opaque config (Consul's loop over `seenUpstreams`). Order, later wins: proxy-defaults'
 * `Config.protocol`, the wildcard (proxy-defaults' and service-defaults' mesh gateway, `UpstreamConfig.Defaults`,
 * the registration's `Proxy.MeshGateway`), the upstream's own service-defaults `Protocol`, the resolved mesh
 * gateway mode, `UpstreamConfig.Defaults`, the registration's mesh gateway, the upstream's override.
 */
function resolveOne(r: UpstreamResolution, peer: string, name: string): Record<string, unknown> {
  const cfg: Record<string, unknown> = {};
  if (r.globalProtocol !== '') cfg['protocol'] = r.globalProtocol;
  Object.assign(cfg, structuredClone(r.wildcard));
  if (r.ownDefaultsOf.has(name)) {
    const protocol = str(r.input.serviceDefaultsOf(name)?.['Protocol']);
    if (protocol !== '') cfg['protocol'] = protocol;
  }
  if (r.input.resolvedMeshGatewayMode !== '') cfg['mesh_gateway'] = { Mode: r.input.resolvedMeshGatewayMode };
  if (r.upstreamDefaults) mergeUpstreamConfigInto(r.upstreamDefaults, cfg);
  if (r.input.registrationMeshGatewayMode !== '') {
    cfg['mesh_gateway'] = { Mode: r.input.registrationMeshGatewayMode };
  }
  const peerless = r.legacyOverrides && peer !== '' ? r.overrides.get(upstreamKey('', name)) : undefined;
  if (peerless) mergeUpstreamConfigInto(peerless, cfg);
  const override = r.overrides.get(upstreamKey(peer, name));
  if (override) mergeUpstreamConfigInto(override, cfg);
  return cfg;
}

/** The upstream config central config resolves for one proxy (Consul's `UpstreamConfigs`). */
export interface ResolvedUpstreams {
  /** Opaque config per explicit service upstream ({@link upstreamKey}); upstreams with nothing to add are absent. */
  readonly byKey: Map<string, Record<string, unknown>>;
  /**
   * In transparent mode: the upstreams central config knows of (each `UpstreamConfig.Overrides` entry, and the
   * wildcard `*` when `UpstreamConfig.Defaults` is set or anything applies to every upstream), as Consul's
   * `MergeServiceConfig` adds them when the registration does not list them: `CentrallyConfigured`, namespace and
   * partition `default`, the resolved `Config` (with `mesh_gateway`) and its mesh gateway mode. Empty otherwise.
   */
  readonly implicit: readonly Upstream[];
}

/**
 * Consul's `ComputeResolvedServiceConfig`, upstream half. `explicit`: the service upstreams of the registration,
 * by peer and name (a sidecar's; none for gateways). `transparent`: the registration's own `Proxy.Mode` or the mode
 * central config resolves to is `transparent`; only then do `Overrides` of unlisted upstreams and the wildcard
 * count, and only without it and without explicit upstreams is nothing resolved.
 */
export function resolveUpstreamConfigs(
  input: UpstreamResolveInput,
  explicit: readonly { readonly peer: string; readonly name: string }[],
  transparent = false,
): ResolvedUpstreams {
  const byKey = new Map<string, Record<string, unknown>>();
  if (explicit.length === 0 && !transparent) return { byKey, implicit: [] };
  const { wildcard, upstreamDefaults } = wildcardDefaults(input);
  const overrides = overridesByKey(input.serviceDefaults);
  // Consul reads service-defaults for the local upstreams only (a peer's services have none here).
  const ownDefaultsOf = new Set(explicit.filter((us) => us.peer === '').map((us) => us.name));
  if (transparent) {
    for (const o of overrides.values()) if (str(o['Peer']) === '') ownDefaultsOf.add(str(o['Name']));
  }
  const pdProtocol = obj(input.proxyDefaults?.['Config'])?.['protocol'];
  const r: UpstreamResolution = {
    input,
    globalProtocol: str(pdProtocol),
    wildcard,
    upstreamDefaults,
    overrides,
    legacyOverrides: ![...overrides.values()].some((o) => str(o['Peer']) !== ''),
    ownDefaultsOf,
  };
  for (const { peer, name } of explicit) {
    const cfg = resolveOne(r, peer, name);
    if (Object.keys(cfg).length > 0) byKey.set(upstreamKey(peer, name), cfg);
  }
  if (!transparent) return { byKey, implicit: [] };
  const implicit: Upstream[] = [];
  for (const o of overrides.values()) {
    const cfg = resolveOne(r, str(o['Peer']), str(o['Name']));
    if (Object.keys(cfg).length > 0) implicit.push(centralUpstream(str(o['Peer']), str(o['Name']), cfg));
  }
  if (upstreamDefaults || Object.keys(wildcard).length > 0) implicit.push(centralUpstream('', '*', wildcard));
  return { byKey, implicit };
}

/** An upstream added from central config (Consul's synthetic upstream; namespace and partition as Consul CE's). */
function centralUpstream(peer: string, name: string, cfg: Record<string, unknown>): Upstream {
  const mode = modeOf(cfg['mesh_gateway']);
  return {
    DestinationNamespace: 'default',
    DestinationPartition: 'default',
    ...(peer === '' ? {} : { DestinationPeer: peer }),
    DestinationName: name,
    ...(Object.keys(cfg).length > 0 ? { Config: structuredClone(cfg) } : {}),
    ...(mode === '' ? {} : { MeshGateway: { Mode: mode } }),
    CentrallyConfigured: true,
  };
}

/** Go's zero values, which mergo's non-overwriting merge treats as unset. */
const isEmpty = (v: unknown): boolean => v === undefined || v === null || v === '' || v === 0 || v === false;

/** Upstreams of the service destination type (Consul skips prepared queries), with or without a peer. */
export const isServiceUpstream = (us: Upstream): boolean =>
  (us.DestinationType ?? '') === '' || us.DestinationType === 'service';

/**
 * Consul's `MergeServiceConfig`, transparent-mode part: each of `implicit` whose peer and name no service upstream
 * of the registration has is appended (the registration's own upstream wins, whatever it says).
 */
export function addImplicitUpstreams(
  upstreams: readonly Upstream[],
  implicit: readonly Upstream[],
): Upstream[] {
  const listed = new Set(
    upstreams
      .filter(isServiceUpstream)
      .map((us) => upstreamKey(us.DestinationPeer ?? '', us.DestinationName)),
  );
  const added = implicit.filter(
    (us) => !listed.has(upstreamKey(us.DestinationPeer ?? '', us.DestinationName)),
  );
  return added.length === 0 ? [...upstreams] : [...upstreams, ...structuredClone(added)];
}

function modeOf(v: unknown): MeshGatewayMode {
  const o = obj(v);
  return str(o?.['Mode'] ?? o?.['mode']) as MeshGatewayMode;
}

/**
 * Consul's `MergeServiceConfig`, upstream half: an upstream's own mesh gateway mode wins, else the resolved one;
 * resolved config keys fill what the upstream's `Config` leaves unset; `mesh_gateway` never stays in `Config`; a
 * peer's upstream keeps its own `protocol` (or none): central protocols describe this datacenter's services.
 */
export function mergeUpstreams(
  upstreams: readonly Upstream[],
  configs: ReadonlyMap<string, Record<string, unknown>>,
): Upstream[] {
  return upstreams.map((us) => {
    const peer = us.DestinationPeer ?? '';
    const remote = isServiceUpstream(us) ? configs.get(upstreamKey(peer, us.DestinationName)) : undefined;
    if (!remote) return us;
    const next: Upstream = { ...us };
    const mode = modeOf(remote['mesh_gateway']);
    if ((us.MeshGateway?.Mode ?? '') === '' && mode !== '')
      next.MeshGateway = { ...us.MeshGateway, Mode: mode };
    const config: Record<string, unknown> = { ...(us.Config ?? {}) };
    for (const [k, v] of Object.entries(remote)) {
      if (isEmpty(config[k]) && !isEmpty(v)) config[k] = structuredClone(v);
    }
    if (peer !== '') {
      if (us.Config && 'protocol' in us.Config) config['protocol'] = us.Config['protocol'];
      else delete config['protocol'];
    }
    delete config['mesh_gateway'];
    if (Object.keys(config).length > 0) next.Config = config;
    else delete next.Config;
    return next;
  });
}
