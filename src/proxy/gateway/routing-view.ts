import type { ConfigEntry, PeeringTrustBundle, ServiceEntry } from '../../api/index.js';
import type { Logger } from '../../logging/index.js';
import { follow } from './follow.js';
import type { GatewaySource } from './gateway-source.js';
import type { SniContext } from './sni-route.js';

/** Default cap on services (local or per peer) whose endpoints the gateway follows at once. */
export const DEFAULT_MAX_ENDPOINT_WATCHES = 1_024;
/** Default cap on peers whose trust bundles the gateway follows. */
export const DEFAULT_MAX_PEERS = 256;
/** An endpoint watch nobody asked for in this long is stopped. */
export const ENDPOINT_WATCH_IDLE_MS = 600_000;

/** Where to dial. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface RoutingViewOptions {
  readonly datacenter: string;
  readonly logger: Logger;
  readonly maxEndpointWatches?: number;
  readonly maxPeers?: number;
}

/** Endpoints of one route, or why there are none. */
export type EndpointLookup =
  | { readonly kind: 'ok'; readonly endpoints: readonly Endpoint[] }
  | { readonly kind: 'watch-limit' }
  | { readonly kind: 'no-data' };

interface EndpointWatch {
  endpoints: readonly Endpoint[] | undefined;
  readonly ready: Promise<void>;
  readonly abort: AbortController;
  lastUsed: number;
}

interface PeerWatch {
  readonly abort: AbortController;
  trustDomain: string | undefined;
}

/**
 * The gateway's picture of the cluster, kept current with blocking queries: the local trust domain, which
 * services are exported to which peer, each peer's trust domain, and (on demand) the healthy endpoints of the
 * services connections ask for.
 *
 * Bounds and overflow: at most `maxPeers` peers' bundles are followed (further peers are ignored, logged at warn);
 * at most `maxEndpointWatches` endpoint watches run at once: a connection for one more service first stops watches
 * idle for {@link ENDPOINT_WATCH_IDLE_MS}, and if none is, it is refused (`watch-limit`), never queued.
 */
export class RoutingView {
  readonly #source: GatewaySource;
  readonly #opts: RoutingViewOptions;
  readonly #abort = new AbortController();
  #trustDomain = '';
  #exports = new Set<string>();
  readonly #peers = new Map<string, PeerWatch>();
  #peerByTrustDomain = new Map<string, string>();
  readonly #watches = new Map<string, EndpointWatch>();
  #ready: Promise<void> | undefined;

  constructor(source: GatewaySource, opts: RoutingViewOptions) {
    this.#source = source;
    this.#opts = opts;
  }

  /** Starts following; resolves once the trust domain and the exports are known. */
  start(): Promise<void> {
    if (this.#ready !== undefined) return this.#ready;
    const signal = this.#abort.signal;
    const log = this.#opts.logger;
    let tdKnown: () => void = () => undefined;
    let exportsKnown: () => void = () => undefined;
    const td = new Promise<void>((r) => (tdKnown = r));
    const ex = new Promise<void>((r) => (exportsKnown = r));
    const onTrustDomain = (v: string): void => {
      this.#trustDomain = v.toLowerCase();
      tdKnown();
    };
    const onExports = (entry: ConfigEntry | null): void => {
      this.#exports = exportKeys(entry);
      log.debug({ exports: [...this.#exports] }, 'gateway exports updated');
      exportsKnown();
    };
    void follow('trust-domain', this.#source.trustDomain, onTrustDomain, signal, log);
    void follow('exported-services', this.#source.exports, onExports, signal, log);
    void follow(
      'peerings',
      this.#source.peers,
      (names) => {
        this.#onPeers(names);
      },
      signal,
      log,
    );
    this.#ready = Promise.all([td, ex]).then(() => undefined);
    return this.#ready;
  }

  /** Stops every watch. */
  close(): void {
    this.#abort.abort();
    for (const w of this.#watches.values()) w.abort.abort();
    this.#watches.clear();
  }

  context(): SniContext {
    return {
      trustDomain: this.#trustDomain,
      datacenter: this.#opts.datacenter,
      peerByTrustDomain: this.#peerByTrustDomain,
    };
  }

  /** True when `service` is exported to `peer` (by name or by the `*` wildcard). */
  isExported(service: string, peer: string): boolean {
    return this.#exports.has(exportKey(service, peer)) || this.#exports.has(exportKey('*', peer));
  }

  /**
   * Healthy endpoints: local sidecars of `service` (peer undefined), or the mesh gateways `peer` exported
   * `service` through whose `PeerMeta.SNI` lists `sni`. Waits for the first answer at most `waitMs`.
   */
  async endpoints(
    service: string,
    peer: string | undefined,
    sni: string,
    waitMs: number,
  ): Promise<EndpointLookup> {
    const watch = this.#watch(service, peer);
    if (watch === undefined) return { kind: 'watch-limit' };
    watch.lastUsed = Date.now();
    if (watch.endpoints === undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([watch.ready, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    const endpoints = watch.endpoints;
    if (endpoints === undefined) return { kind: 'no-data' };
    return { kind: 'ok', endpoints: peer === undefined ? endpoints : endpoints.filter(sniListed(sni)) };
  }

  /** The number of endpoint watches running (for tests and counters). */
  get endpointWatches(): number {
    return this.#watches.size;
  }

  #watch(service: string, peer: string | undefined): EndpointWatch | undefined {
    const key = `${peer ?? ''}/${service}`;
    const existing = this.#watches.get(key);
    if (existing !== undefined) return existing;
    const max = this.#opts.maxEndpointWatches ?? DEFAULT_MAX_ENDPOINT_WATCHES;
    if (this.#watches.size >= max) this.#sweep();
    if (this.#watches.size >= max) return undefined;
    const abort = new AbortController();
    let markReady: () => void = () => undefined;
    const watch: EndpointWatch = {
      endpoints: undefined,
      ready: new Promise<void>((r) => (markReady = r)),
      abort,
      lastUsed: Date.now(),
    };
    const apply = (entries: ServiceEntry[]): void => {
      watch.endpoints = peer === undefined ? localSidecars(entries) : peerGateways(entries);
      markReady();
    };
    void follow(
      `health/connect/${key}`,
      this.#source.healthyConnect(service, peer),
      apply,
      abort.signal,
      this.#opts.logger,
    );
    this.#watches.set(key, watch);
    return watch;
  }

  #sweep(): void {
    const cutoff = Date.now() - ENDPOINT_WATCH_IDLE_MS;
    for (const [key, w] of this.#watches) {
      if (w.lastUsed < cutoff) {
        w.abort.abort();
        this.#watches.delete(key);
      }
    }
  }

  #onPeers(names: readonly string[]): void {
    const max = this.#opts.maxPeers ?? DEFAULT_MAX_PEERS;
    const wanted = new Set(names.slice(0, max));
    if (names.length > max)
      this.#opts.logger.warn({ peers: names.length, max }, 'gateway follows only the first peers');
    for (const [name, w] of this.#peers) {
      if (!wanted.has(name)) {
        w.abort.abort();
        this.#peers.delete(name);
      }
    }
    for (const name of wanted) {
      if (this.#peers.has(name)) continue;
      const w: PeerWatch = { abort: new AbortController(), trustDomain: undefined };
      this.#peers.set(name, w);
      const apply = (b: PeeringTrustBundle | null): void => {
        w.trustDomain = b?.TrustDomain.toLowerCase();
        this.#rebuildPeerTrustDomains();
      };
      void follow(
        `trust-bundle/${name}`,
        this.#source.trustBundle(name),
        apply,
        w.abort.signal,
        this.#opts.logger,
      );
    }
    this.#rebuildPeerTrustDomains();
  }

  #rebuildPeerTrustDomains(): void {
    const next = new Map<string, string>();
    for (const [name, w] of this.#peers) if (w.trustDomain !== undefined) next.set(w.trustDomain, name);
    this.#peerByTrustDomain = next;
  }
}

function exportKey(service: string, peer: string): string {
  return `${service}\u0000${peer}`;
}

/** `Services[].Consumers[].Peer` (or the older `PeerName`) of the default namespace, as keys. */
function exportKeys(entry: ConfigEntry | null): Set<string> {
  const out = new Set<string>();
  const services = entry?.['Services'];
  if (!Array.isArray(services)) return out;
  for (const s of services as { Name?: unknown; Namespace?: unknown; Consumers?: unknown }[]) {
    if (typeof s.Name !== 'string' || !Array.isArray(s.Consumers)) continue;
    if (typeof s.Namespace === 'string' && s.Namespace !== '' && s.Namespace !== 'default') continue;
    for (const c of s.Consumers as { Peer?: unknown; PeerName?: unknown }[]) {
      const peer = typeof c.Peer === 'string' && c.Peer !== '' ? c.Peer : c.PeerName;
      if (typeof peer === 'string' && peer !== '') out.add(exportKey(s.Name, peer));
    }
  }
  return out;
}

/** Local sidecars (`connect-proxy`) of a service: their service address, else their node's. */
function localSidecars(entries: readonly ServiceEntry[]): Endpoint[] {
  return entries
    .filter((e) => e.Service.Kind === 'connect-proxy' && (e.Service.Port ?? 0) > 0)
    .map((e) => ({
      host: e.Service.Address !== '' ? e.Service.Address : e.Node.Address,
      port: e.Service.Port ?? 0,
    }));
}

interface PeerEndpoint extends Endpoint {
  readonly sni: readonly string[];
}

/**
 * A peer's mesh gateways, from its synthetic `<svc>-sidecar-proxy` instances: the WAN address first (the service's
 * `wan` tagged address, then its address, then the node's `wan`, then the node's address), as Consul dials peers.
 */
function peerGateways(entries: readonly ServiceEntry[]): PeerEndpoint[] {
  const out: PeerEndpoint[] = [];
  for (const e of entries) {
    const wan = e.Service.TaggedAddresses?.['wan'];
    const nodeWan = e.Node.TaggedAddresses?.['wan'];
    const port = wan !== undefined && wan.Port > 0 ? wan.Port : (e.Service.Port ?? 0);
    const host =
      wan !== undefined && wan.Address !== ''
        ? wan.Address
        : e.Service.Address !== ''
          ? e.Service.Address
          : (nodeWan ?? e.Node.Address);
    if (port > 0 && host !== '') out.push({ host, port, sni: e.Service.Connect?.PeerMeta?.SNI ?? [] });
  }
  return out;
}

function sniListed(sni: string): (e: Endpoint) => boolean {
  return (e) => (e as Partial<PeerEndpoint>).sni?.includes(sni) ?? false;
}
