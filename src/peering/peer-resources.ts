import { exportedServicesForPeer } from '../config-entry/index.js';
import type { LocalPeeringIdentity } from './service.js';
import { EMPTY_EXPORT, type Exporter } from './exporter.js';
import type { ExportChange, ExportFeed } from './export-feed.js';
import { syntheticProxyName, type MeshExports } from './mesh-export.js';
import { TYPE_URL, type Resource } from './messages.js';
import type { OutgoingResource } from './stream-sender.js';

const LIST_ID = 'exported-service-list';
const ROOTS_ID = 'roots';
const SERVER_ADDRS_ID = 'server-addrs';

export interface PeerResourcesOptions {
  feed: Pick<ExportFeed, 'subscribe' | 'version' | 'entry' | 'typicalServices'>;
  exporter: Pick<Exporter, 'outgoing'>;
  /** Builds the synthetic `<service>-sidecar-proxy` exports of mesh services (see mesh-export.ts). */
  mesh: Pick<MeshExports, 'inMesh' | 'synthetic'>;
  identity: LocalPeeringIdentity;
  /** The local name of the peer (exported-services consumers name it). */
  peerName: string;
  /** Split services into parts of this many JSON bytes (the peer accepts chunks), or undefined. */
  chunkBytes: number | undefined;
  /** Where changes go: the stream's sender (state of the world per resource). */
  markDirty(url: string, id: string, observedAt: number): void;
  /** The exported names changed (for the tracker's ExportedServices). */
  onExported(names: readonly string[]): void;
  now(): number;
}

/**
 * What one peer should have, per resource, and what it was last sent: decides which resources are dirty when the
 * shared {@link ExportFeed} reports a change, and resolves a dirty resource to its current version when the
 * sender gets to it. Per-peer work per change is a set lookup per changed service.
 *
 * Mesh services (exported names with a local sidecar or a Connect-native instance) also get a synthetic
 * `<name>-sidecar-proxy` resource, sent only when its content differs from what this peer last received (its SNI
 * names the peer, so it is built per peer). Every synthetic proxy is re-resolved only when the feed's `meshChanged`
 * (gateways, proxies, chain config, Connect-native flags, the name set) or `rootsChanged` (the trust domain in
 * SNI and SPIFFE IDs) is set; when only this peer's exported names moved, only proxies of services that joined or
 * left its mesh set are; a health or instance change of an exported service rebuilds none.
 *
 * Memory: the exported names and one sent version per exported service, plus per mesh service its synthetic
 * resource's last sent JSON (a few hundred bytes per mesh gateway; bounded by the catalog).
 */
export class PeerResources {
  readonly #o: PeerResourcesOptions;
  readonly #subscribed = new Set<string>();
  /** Services this peer gets. */
  #names = new Set<string>();
  #sortedNames: string[] = [];
  /** Service → version last handed to the sender. */
  readonly #sent = new Map<string, number>();
  /** Exported services in the mesh (their synthetic proxies are this peer's). */
  #meshNames = new Set<string>();
  /** Synthetic proxy name → service it stands for, for every one this peer should have or was sent. */
  readonly #syntheticOf = new Map<string, string>();
  /** Synthetic proxy name → JSON of the instances last handed to the sender. */
  readonly #sentSynthetic = new Map<string, string>();
  #sentList: string | undefined;
  #sentRoots: string | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(opts: PeerResourcesOptions) {
    this.#o = opts;
  }

  /** The peer subscribed to `url`: everything of that type is dirty now, and on every change from now on. */
  subscribe(url: string): void {
    if (this.#subscribed.has(url)) return;
    this.#subscribed.add(url);
    this.#unsubscribe ??= this.#o.feed.subscribe((c) => {
      this.#onChange(c);
    });
    const now = this.#o.now();
    switch (url) {
      case TYPE_URL.exportedService:
      case TYPE_URL.exportedServiceList:
        this.#refreshNames(now);
        if (url === TYPE_URL.exportedService) {
          for (const n of this.#sortedNames) this.#o.markDirty(TYPE_URL.exportedService, n, now);
          this.#refreshMesh(now, true);
        }
        // The list goes after the services (the send map keeps marking order), even when it is empty.
        this.#o.markDirty(TYPE_URL.exportedServiceList, LIST_ID, now);
        break;
      case TYPE_URL.trustBundle:
        this.#o.markDirty(TYPE_URL.trustBundle, ROOTS_ID, now);
        break;
      case TYPE_URL.serverAddresses:
        this.#o.markDirty(TYPE_URL.serverAddresses, SERVER_ADDRS_ID, now);
        break;
    }
  }

  /** Stops listening to the feed. */
  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  /** The sender reached `(url, id)`: its current messages, or undefined when the peer has them already. */
  resolve(url: string, id: string): readonly OutgoingResource[] | undefined {
    switch (url) {
      case TYPE_URL.exportedService:
        return this.#resolveService(id);
      case TYPE_URL.exportedServiceList: {
        const key = this.#sortedNames.join('\n');
        if (key === this.#sentList) return undefined;
        this.#sentList = key;
        const services = [...this.#sortedNames];
        return [{ resourceId: LIST_ID, resource: { type: 'exported-service-list', services } }];
      }
      case TYPE_URL.trustBundle: {
        const r: Resource = {
          type: 'trust-bundle',
          trustDomain: this.#o.identity.trustDomain(),
          rootPems: this.#o.identity.rootPems(),
          exportedPartition: 'default',
        };
        const key = JSON.stringify(r);
        if (key === this.#sentRoots) return undefined;
        this.#sentRoots = key;
        return [{ resourceId: ROOTS_ID, resource: r }];
      }
      case TYPE_URL.serverAddresses:
        return [
          {
            resourceId: SERVER_ADDRS_ID,
            resource: { type: 'server-addresses', addresses: this.#o.identity.serverAddresses() },
          },
        ];
      default:
        return undefined;
    }
  }

  #resolveService(name: string): readonly OutgoingResource[] | undefined {
    const base = this.#syntheticOf.get(name);
    if (base !== undefined && !this.#names.has(name)) return this.#resolveSynthetic(name, base);
    if (!this.#names.has(name)) {
      // No longer exported (or gone): tell the peer once that it has no instances.
      if (!this.#sent.delete(name)) return undefined;
      return [{ resourceId: name, resource: EMPTY_EXPORT }];
    }
    const version = this.#o.feed.version(name);
    if (this.#sent.get(name) === version) return undefined;
    this.#sent.set(name, version);
    return this.#o.exporter.outgoing(name, this.#o.chunkBytes);
  }

  /** The current synthetic proxy of `base` for this peer; an empty resource once it has none any more. */
  #resolveSynthetic(proxy: string, base: string): readonly OutgoingResource[] | undefined {
    const nodes = this.#meshNames.has(base) ? this.#o.mesh.synthetic(base, this.#o.peerName) : [];
    if (nodes.length === 0) {
      if (!this.#meshNames.has(base)) this.#syntheticOf.delete(proxy);
      if (!this.#sentSynthetic.delete(proxy)) return undefined;
      return [{ resourceId: proxy, resource: EMPTY_EXPORT }];
    }
    const key = JSON.stringify(nodes);
    if (this.#sentSynthetic.get(proxy) === key) return undefined;
    this.#sentSynthetic.set(proxy, key);
    return [{ resourceId: proxy, resource: { type: 'exported-service', nodes } }];
  }

  /**
   * Recomputes which exported services are in the mesh. `all`: what synthetic proxies are built from moved, so
   * every one (old and new) is dirty; otherwise only this peer's names moved, and only proxies of services that
   * joined or left the mesh set are.
   */
  #refreshMesh(observedAt: number, all: boolean): void {
    const before = this.#meshNames;
    this.#meshNames = this.#o.mesh.inMesh(this.#sortedNames);
    for (const n of this.#meshNames) this.#syntheticOf.set(syntheticProxyName(n), n);
    for (const [proxy, base] of this.#syntheticOf) {
      if (all || before.has(base) !== this.#meshNames.has(base)) {
        this.#o.markDirty(TYPE_URL.exportedService, proxy, observedAt);
      }
    }
  }

  #onChange(c: ExportChange): void {
    const services = this.#subscribed.has(TYPE_URL.exportedService);
    const list = this.#subscribed.has(TYPE_URL.exportedServiceList) || services;
    const namesMoved = list && (c.entryChanged || c.catalogChanged) && this.#refreshNames(c.observedAt);
    if (services) {
      for (const name of c.changed) {
        if (this.#names.has(name)) this.#o.markDirty(TYPE_URL.exportedService, name, c.observedAt);
      }
      // A health or instance change of an exported service leaves every synthetic proxy as it is.
      if (c.meshChanged || c.rootsChanged) this.#refreshMesh(c.observedAt, true);
      else if (namesMoved) this.#refreshMesh(c.observedAt, false);
    }
    if (c.rootsChanged && this.#subscribed.has(TYPE_URL.trustBundle)) {
      this.#o.markDirty(TYPE_URL.trustBundle, ROOTS_ID, c.observedAt);
    }
  }

  /**
   * Recomputes the exported names; marks added and removed services and the list dirty when they moved.
   * Answers whether they moved.
   */
  #refreshNames(observedAt: number): boolean {
    const next = new Set<string>();
    const entry = this.#o.feed.entry();
    if (entry) {
      const exp = exportedServicesForPeer(entry, this.#o.peerName);
      if (exp.all) for (const n of this.#o.feed.typicalServices()) next.add(n);
      for (const n of exp.names) next.add(n);
    }
    next.delete('consul');
    const sorted = [...next].sort();
    if (sorted.join('\n') === this.#sortedNames.join('\n')) return false;
    const services = this.#subscribed.has(TYPE_URL.exportedService);
    if (services) {
      for (const n of next)
        if (!this.#names.has(n)) this.#o.markDirty(TYPE_URL.exportedService, n, observedAt);
      for (const n of this.#names)
        if (!next.has(n)) this.#o.markDirty(TYPE_URL.exportedService, n, observedAt);
    }
    this.#names = next;
    this.#sortedNames = sorted;
    this.#o.onExported(sorted);
    // Consul's handler sends the list with the services; so do we (after them: the map keeps marking order).
    if (services || this.#subscribed.has(TYPE_URL.exportedServiceList)) {
      this.#o.markDirty(TYPE_URL.exportedServiceList, LIST_ID, observedAt);
    }
    return true;
  }
}
