import type {
  ConfigEntry,
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
} from '../config-entry/index.js';
import { meshGatewaySpiffeId, peeredServiceSni, serviceSpiffeId } from '../connect/index.js';
import { compileDiscoveryChain, isProtocolHttpLike, type ChainEntries } from '../discovery-chain/index.js';
import { IDX } from '../state/index.js';
import type { HealthCheck } from '../types/index.js';
import { exportedNode, flattenChecks } from './exporter.js';
import type { CheckServiceNode } from './messages.js';
import type { MeshExportStore } from './store.js';

/** Suffix of the synthetic proxy service a peer receives for each exported mesh service (Consul's). */
export const SYNTHETIC_PROXY_SUFFIX = '-sidecar-proxy';

/** `web` → `web-sidecar-proxy`. */
export function syntheticProxyName(service: string): string {
  return `${service}${SYNTHETIC_PROXY_SUFFIX}`;
}

/** The config-entry kinds a service's discovery chain (its protocol and targets) is compiled from. */
export const CHAIN_KINDS = [
  'service-defaults',
  'proxy-defaults',
  'service-router',
  'service-splitter',
  'service-resolver',
] as const;

/** What a synthetic proxy instance's `Connect.PeerMeta` carries (Consul's `PeeringServiceMeta`). */
export interface PeerMeta {
  SNI: string[];
  SpiffeID: string[];
  Protocol: string;
}

/** The protocol of a service's chain and, for L4 chains, the extra SPIFFE IDs its targets add. */
interface ChainInfo {
  protocol: string;
  /** SPIFFE IDs of L4 targets other than the service itself, sorted by target ID. */
  extraSpiffeIds: string[];
}

/** Who builds synthetic proxies: the cluster's own identity. */
export interface MeshIdentity {
  readonly datacenter: string;
  trustDomain(): string;
}

/** A local mesh-gateway instance as the synthetic proxies copy it; its checks are flattened per proxy. */
interface GatewayInstance {
  Node: CheckServiceNode['Node'];
  Service: CheckServiceNode['Service'];
  checks: readonly HealthCheck[];
}

interface Cached<T> {
  key: string;
  value: T;
}

interface StoreCache {
  destinations?: Cached<ReadonlySet<string>>;
  native: Map<string, Cached<boolean>>;
  gateways?: Cached<readonly GatewayInstance[]>;
  chains?: Cached<Map<string, ChainInfo | undefined>>;
}

/**
 * The mesh side of exports (Consul's `createDiscoChainHealth`): for an exported service that is in the mesh (a
 * local `connect-proxy` names it as its destination, or an instance is Connect-native), a peer also receives a
 * synthetic `<service>-sidecar-proxy` connect-proxy service whose instances are this cluster's mesh-gateway
 * instances (their node, address, port and tagged addresses: the importer's sidecars dial the WAN one), each
 * carrying `Connect.PeerMeta { SNI, SpiffeID, Protocol }` and `Proxy.DestinationServiceName`. Without a mesh
 * gateway a mesh service has no synthetic instances (Consul sends none either: peers have nothing to dial).
 *
 * What every peer would read the same (gateways, which services are in the mesh, chain protocols) is cached per
 * store and keyed by the index keys it was read from; the SNI names the peer, so the instances themselves are
 * built per peer (a handful of gateways each).
 *
 * Memory: per store, one set of destinations, one flag per exported service asked about, the gateway instances
 * and one chain summary per exported mesh service (bounded by the catalog).
 */
export class MeshExports {
  readonly #store: MeshExportStore;
  readonly #identity: MeshIdentity;

  constructor(store: MeshExportStore, identity: MeshIdentity) {
    this.#store = store;
    this.#identity = identity;
  }

  /**
   * Those of `names` that are in the mesh: a local sidecar proxies them, or one of their instances is
   * Connect-native (Consul's `exportedConnectServices`, terminating gateways aside: Entente has none).
   */
  inMesh(names: Iterable<string>): Set<string> {
    const destinations = this.#destinations();
    const out = new Set<string>();
    for (const n of names) if (destinations.has(n) || this.#native(n)) out.add(n);
    return out;
  }

  /**
   * The synthetic `<name>-sidecar-proxy` instances for the peer this cluster calls `peerName` (empty without a
   * mesh gateway, or when the chain cannot be compiled). Callers treat the result as read-only.
   */
  synthetic(name: string, peerName: string): CheckServiceNode[] {
    const gateways = this.#gateways();
    if (gateways.length === 0) return [];
    const chain = this.#chain(name);
    if (chain === undefined) return [];
    const td = this.#identity.trustDomain();
    const dc = this.#identity.datacenter;
    const meta: PeerMeta = {
      SNI: [peeredServiceSni(name, '', '', peerName, td)],
      // The gateway's ID is always there, so an L4 ⇄ L7 protocol change never breaks the importer's SAN check.
      SpiffeID: [
        serviceSpiffeId({ trustDomain: td, datacenter: dc, service: name }),
        meshGatewaySpiffeId(td, dc),
        ...chain.extraSpiffeIds,
      ],
      Protocol: chain.protocol,
    };
    const proxyName = syntheticProxyName(name);
    return gateways.map((gw, i) => {
      // Consul numbers the instances when the gateway has an ID (several gateways may share a node).
      const id = gw.Service.ID === '' ? proxyName : `${proxyName}-instance-${i}`;
      const destinationId = gw.Service.ID === '' ? name : `${name}-instance-${i}`;
      const service: CheckServiceNode['Service'] = {
        Kind: 'connect-proxy',
        ID: id,
        Service: proxyName,
        Tags: [],
        Address: gw.Service.Address,
        Meta: {},
        Port: gw.Service.Port,
        Weights: gw.Service.Weights,
        EnableTagOverride: false,
        ...(gw.Service.TaggedAddresses ? { TaggedAddresses: gw.Service.TaggedAddresses } : {}),
        ...(gw.Service.SocketPath ? { SocketPath: gw.Service.SocketPath } : {}),
        Proxy: { DestinationServiceName: name, DestinationServiceID: destinationId },
        Connect: { PeerMeta: { SNI: [...meta.SNI], SpiffeID: [...meta.SpiffeID], Protocol: meta.Protocol } },
      };
      return {
        Node: gw.Node,
        Service: service,
        Checks: gw.checks.length === 0 ? [] : [flattenChecks(gw.Node.Node, service, gw.checks)],
      };
    });
  }

  #cache(): StoreCache {
    let c = CACHES.get(this.#store);
    if (!c) CACHES.set(this.#store, (c = { native: new Map() }));
    return c;
  }

  /** Local connect-proxy services' destinations; re-read when a proxy name's index (or the name set) moves. */
  #destinations(): ReadonlySet<string> {
    const names = this.#store.serviceNames(undefined, '');
    const proxies = names.value.filter((n) => n.kinds.includes('connect-proxy')).map((n) => n.name);
    const key = [
      names.index,
      ...proxies.map((p) => this.#store.maxIndex(undefined, IDX.service('', p))),
    ].join(',');
    const c = this.#cache();
    if (c.destinations?.key === key) return c.destinations.value;
    const out = new Set<string>();
    for (const p of proxies) {
      for (const { service } of this.#store.serviceInstances(undefined, '', p).value) {
        const dest = service.Proxy?.['DestinationServiceName'];
        if (service.Kind === 'connect-proxy' && typeof dest === 'string' && dest !== '') out.add(dest);
      }
    }
    c.destinations = { key, value: out };
    return out;
  }

  #native(name: string): boolean {
    const key = String(this.#store.maxIndex(undefined, IDX.service('', name)));
    const c = this.#cache();
    const hit = c.native.get(name);
    if (hit?.key === key) return hit.value;
    const value = this.#store
      .serviceInstances(undefined, '', name)
      .value.some((i) => i.service.Kind === '' && i.service.Connect?.['Native'] === true);
    // One flag per exported name asked about; a catalog churning through names starts the memo over past the bound.
    if (c.native.size >= NATIVE_MEMO_MAX) c.native.clear();
    c.native.set(name, { key, value });
    return value;
  }

  /** Local mesh-gateway instances as peers see them (Connect/Proxy and the virtual IP dropped, checks kept). */
  #gateways(): readonly GatewayInstance[] {
    const names = this.#store.serviceNames(undefined, '');
    const gws = names.value.filter((n) => n.kinds.includes('mesh-gateway')).map((n) => n.name);
    const key = [names.index, ...gws.map((g) => this.#store.maxIndex(undefined, IDX.service('', g)))].join(
      ',',
    );
    const c = this.#cache();
    if (c.gateways?.key === key) return c.gateways.value;
    const out: GatewayInstance[] = [];
    for (const g of gws) {
      for (const { node, service } of this.#store.serviceInstances(undefined, '', g).value) {
        if (service.Kind !== 'mesh-gateway') continue;
        const tagged = Object.fromEntries(
          Object.entries(service.TaggedAddresses ?? {}).filter(([k]) => k !== 'consul-virtual'),
        );
        out.push({
          Node: exportedNode(node),
          Service: {
            Kind: service.Kind,
            ID: service.ID,
            Service: service.Service,
            Tags: service.Tags,
            Address: service.Address,
            Meta: service.Meta,
            Port: service.Port,
            Weights: service.Weights,
            EnableTagOverride: service.EnableTagOverride,
            ...(Object.keys(tagged).length > 0 ? { TaggedAddresses: tagged } : {}),
            ...(service.SocketPath ? { SocketPath: service.SocketPath } : {}),
          },
          checks: this.#store.instanceChecks(node, service.ID),
        });
      }
    }
    out.sort((a, b) => a.Node.Node.localeCompare(b.Node.Node) || a.Service.ID.localeCompare(b.Service.ID));
    c.gateways = { key, value: out };
    return out;
  }

  /** The chain's protocol and L4 target IDs (Consul's `ExportedDiscoveryChainInfo`); undefined if it fails. */
  #chain(name: string): ChainInfo | undefined {
    const key = CHAIN_KINDS.map((k) => this.#store.maxIndex(undefined, IDX.configKind(k))).join(',');
    const c = this.#cache();
    if (c.chains?.key !== key) c.chains = { key, value: new Map() };
    const chains = c.chains.value;
    if (chains.has(name)) return chains.get(name);
    const info = this.#compile(name);
    chains.set(name, info);
    return info;
  }

  #compile(name: string): ChainInfo | undefined {
    const td = this.#identity.trustDomain();
    const dc = this.#identity.datacenter;
    let chain;
    try {
      chain = compileDiscoveryChain({
        serviceName: name,
        datacenter: dc,
        trustDomain: td,
        entries: chainEntries(this.#store),
      });
    } catch {
      // A chain its own cluster cannot compile is not offered to peers (Consul fails the export list instead).
      return undefined;
    }
    const protocol = chain.Protocol ?? 'tcp';
    if (isProtocolHttpLike(protocol)) return { protocol, extraSpiffeIds: [] };
    const main = serviceSpiffeId({ trustDomain: td, datacenter: dc, service: name });
    const extra: string[] = [];
    const targets = Object.values(chain.Targets ?? {}).sort((a, b) => (a.ID ?? '').localeCompare(b.ID ?? ''));
    for (const t of targets) {
      // Peer targets are another cluster's identities; they never reach this cluster's gateways.
      if ((t.Peer ?? '') !== '' || !t.Service || !t.Datacenter) continue;
      const id = serviceSpiffeId({
        trustDomain: td,
        datacenter: t.Datacenter,
        service: t.Service,
        namespace: t.Namespace ?? '',
        partition: t.Partition ?? '',
      });
      if (id !== main && !extra.includes(id)) extra.push(id);
    }
    return { protocol, extraSpiffeIds: extra };
  }
}

const CACHES = new WeakMap<MeshExportStore, StoreCache>();
/** Connect-native flags kept per store; past this the memo starts over (recomputed on demand, nothing lost). */
const NATIVE_MEMO_MAX = 65_536;

/** The chain kinds of the store, as the compiler reads them. */
function chainEntries(store: MeshExportStore): ChainEntries {
  const byKind = new Map<string, Map<string, ConfigEntry>>();
  for (const kind of CHAIN_KINDS) {
    const recs = store.configEntries(undefined, kind).value;
    byKind.set(kind, new Map(recs.map((r) => [r.entry.Name, r.entry as unknown as ConfigEntry])));
  }
  const get = (kind: string, name: string): unknown => byKind.get(kind)?.get(name);
  return {
    serviceDefaults: (n) => get('service-defaults', n) as ServiceDefaultsEntry | undefined,
    proxyDefaults: () => get('proxy-defaults', 'global') as ProxyDefaultsEntry | undefined,
    router: (n) => get('service-router', n) as ServiceRouterEntry | undefined,
    splitter: (n) => get('service-splitter', n) as ServiceSplitterEntry | undefined,
    resolver: (n) => get('service-resolver', n) as ServiceResolverEntry | undefined,
  };
}
