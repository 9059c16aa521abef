/**
 * The discovery-chain compiler (Consul agent/consul/discoverychain/compile.go), pure: it takes the config
 * entries through {@link ChainEntries} and answers Consul's `CompiledDiscoveryChain`.
 *
 * Steps as Consul's: the router of the chain's service (if its protocol is HTTP-like) → per destination a
 * splitter or resolver node; splitters recurse into splitters; resolvers apply `Redirect` (incl. `Peer`),
 * `DefaultSubset`, subsets, connect timeouts, mesh-gateway mode and `Failover` (`Service`/`ServiceSubset`,
 * `Datacenters`, `Targets[]` incl. `Peer`); then circular references are refused, adjacent splitters flattened,
 * unreachable nodes and targets dropped. Peer targets get no SNI and no Name (the peer's trust domain is known
 * only from the imported instances' `PeerMeta`), their datacenter is empty and their partition the local one.
 *
 * Bounds: work is linear in the entries reachable from the chain's service; redirect loops and graph cycles are
 * detected and refused, so compilation always terminates.
 */
import { customizationHash } from './customization-hash.js';
import type {
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplit,
  ServiceSplitterEntry,
} from '../config-entry/index.js';
import { formatGoDuration, parseGoDuration } from '../lib/go/duration.js';
import { chainId, serviceSni, type TargetOpts } from './target-id.js';
import type {
  CompiledDiscoveryChain,
  DiscoveryFailover,
  DiscoveryGraphNode,
  DiscoveryRoute,
  DiscoverySplit,
  DiscoveryTarget,
  LoadBalancer,
  ResolverSubset,
} from './types.js';

/** The config entries a chain reads, by name (CE: one namespace and partition). */
export interface ChainEntries {
  serviceDefaults(name: string): ServiceDefaultsEntry | undefined;
  proxyDefaults(): ProxyDefaultsEntry | undefined;
  router(name: string): ServiceRouterEntry | undefined;
  splitter(name: string): ServiceSplitterEntry | undefined;
  resolver(name: string): ServiceResolverEntry | undefined;
}

export interface CompileRequest {
  readonly serviceName: string;
  /** The datacenter the chain is evaluated in (`?compile-dc`, default the agent's). */
  readonly datacenter: string;
  /** The local trust domain (`<cluster id>.consul`), for target SNIs. */
  readonly trustDomain: string;
  readonly entries: ChainEntries;
  readonly overrideProtocol?: string;
  /** Nanoseconds; 0 or absent: no override. */
  readonly overrideConnectTimeoutNs?: number;
  readonly overrideMeshGatewayMode?: string;
  readonly autoVirtualIPs?: string[] | null;
  readonly manualVirtualIPs?: string[] | null;
}

/** Consul's `ConfigEntryGraphError`: the entries cannot form a valid chain. */
export class ChainGraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChainGraphError';
  }
}

const NAMESPACE = 'default';
const PARTITION = 'default';
const DEFAULT_CONNECT_TIMEOUT_NS = 5_000_000_000;
const HTTP_LIKE = new Set(['http', 'http2', 'grpc']);

export function isProtocolHttpLike(protocol: string): boolean {
  return HTTP_LIKE.has(protocol);
}

/** A target while compiling: its identity plus what resolvers add to it. */
interface TargetState {
  readonly opts: TargetOpts;
  readonly id: string;
  connectTimeoutNs: number;
  meshGatewayMode: string;
  dialedDirectly: boolean;
  subset: ResolverSubset;
  external: boolean;
  sni: string;
  name: string;
  prioritizeByLocality: { Mode?: string } | undefined;
}

interface PartialOpts {
  service?: string | undefined;
  subset?: string | undefined;
  namespace?: string | undefined;
  partition?: string | undefined;
  datacenter?: string | undefined;
  peer?: string | undefined;
}

const str = (v: string | undefined): string => v ?? '';

/**
 * A field the decoder always fills, read as possibly absent: the state machine's graph check also meets entries
 * written to the log undecoded (tests, older releases), and must answer for them rather than throw.
 */
function maybe<T>(v: T): T | undefined {
  return v;
}

function durationNs(v: string | undefined): number {
  if (v === undefined || v === '') return 0;
  try {
    return parseGoDuration(v);
  } catch {
    return 0;
  }
}

/** `ServiceResolverConfigEntry.IsDefault`. */
function isDefaultResolver(r: ServiceResolverEntry): boolean {
  return (
    str(r.DefaultSubset) === '' &&
    Object.keys(r.Subsets ?? {}).length === 0 &&
    r.Redirect === undefined &&
    Object.keys(r.Failover ?? {}).length === 0 &&
    durationNs(r.ConnectTimeout) === 0 &&
    durationNs(r.RequestTimeout) === 0 &&
    r.LoadBalancer === undefined &&
    r.PrioritizeByLocality === undefined
  );
}

function isHashBased(lb: LoadBalancer | undefined): boolean {
  return lb?.Policy === 'maglev' || lb?.Policy === 'ring_hash';
}

const NODE_KEY = (type: DiscoveryGraphNode['Type'], name: string): string => `${type}:${name}`;
const SERVICE_ID = (name: string): string => `${name}.${NAMESPACE}.${PARTITION}`;

class Compiler {
  readonly #req: CompileRequest;
  readonly #resolvers = new Map<string, ServiceResolverEntry>();
  readonly #splitterNodes = new Map<string, DiscoveryGraphNode>();
  readonly #resolveNodes = new Map<string, DiscoveryGraphNode>();
  readonly #nodes = new Map<string, DiscoveryGraphNode>();
  readonly #targets = new Map<string, TargetState>();
  readonly #retained = new Set<string>();
  readonly #customizedBy = { meshGateway: false, protocol: false, connectTimeout: false };
  readonly #disableAdvanced: boolean;
  #usesAdvanced = false;
  #protocol = '';
  #startNode = '';

  constructor(req: CompileRequest) {
    this.#req = req;
    this.#disableAdvanced =
      req.overrideProtocol !== undefined &&
      req.overrideProtocol !== '' &&
      !isProtocolHttpLike(req.overrideProtocol);
  }

  /** The protocol of a service: service-defaults, else proxy-defaults `Config.protocol`, else tcp. */
  #serviceProtocol(name: string): string {
    const sd = this.#req.entries.serviceDefaults(name);
    if (sd !== undefined) {
      const protocol = maybe(sd.Protocol);
      return protocol === undefined || protocol === '' ? 'tcp' : protocol.toLowerCase();
    }
    const p = this.#req.entries.proxyDefaults()?.Config?.['protocol'];
    return typeof p === 'string' && p !== '' ? p.toLowerCase() : 'tcp';
  }

  #recordProtocol(service: string): void {
    const protocol = this.#serviceProtocol(service);
    if (this.#protocol === '') this.#protocol = protocol;
    else if (this.#protocol !== protocol) {
      throw new ChainGraphError(
        `discovery chain ${JSON.stringify(this.#req.serviceName)} uses inconsistent protocols; service ${JSON.stringify(
          SERVICE_ID(service),
        )} has ${JSON.stringify(protocol)} which is not ${JSON.stringify(this.#protocol)}`,
      );
    }
  }

  /**
   * Routers and splitters are read whatever the protocol (Consul ≥ 1.7's `readDiscoveryChainConfigEntriesTxn`);
   * on a chain whose protocol is not HTTP-like they make {@link result} fail ("does not permit advanced routing
   * or splitting behavior"), unless an override protocol drops them.
   */
  #router(name: string): ServiceRouterEntry | undefined {
    const r = this.#req.entries.router(name);
    if (r !== undefined && this.#disableAdvanced) {
      this.#customizedBy.protocol = true;
      return undefined;
    }
    return r;
  }

  #splitter(name: string): ServiceSplitterEntry | undefined {
    const s = this.#req.entries.splitter(name);
    if (s !== undefined && this.#disableAdvanced) {
      this.#customizedBy.protocol = true;
      return undefined;
    }
    return s;
  }

  #resolver(name: string): ServiceResolverEntry {
    let r = this.#resolvers.get(name);
    if (r === undefined) {
      r = this.#req.entries.resolver(name) ?? { Kind: 'service-resolver', Name: name };
      this.#resolvers.set(name, r);
    }
    return r;
  }

  #recordNode(node: DiscoveryGraphNode): void {
    if (node.Type === 'splitter') this.#splitterNodes.set(node.Name, node);
    if (node.Type === 'resolver' && node.Resolver?.Target !== undefined)
      this.#resolveNodes.set(node.Resolver.Target, node);
    this.#nodes.set(NODE_KEY(node.Type, node.Name), node);
  }

  /** `newTarget`: defaults from the evaluation context; peers get the local partition and no SNI. */
  #newTarget(p: PartialOpts): TargetState {
    const peer = str(p.peer);
    const opts: TargetOpts =
      peer === ''
        ? {
            service: str(p.service),
            subset: str(p.subset),
            namespace: str(p.namespace) || NAMESPACE,
            partition: str(p.partition) || PARTITION,
            datacenter: str(p.datacenter) || this.#req.datacenter,
            peer: '',
          }
        : {
            service: str(p.service),
            subset: str(p.subset),
            namespace: str(p.namespace) || NAMESPACE,
            partition: PARTITION,
            datacenter: '',
            peer,
          };
    const id = chainId(opts);
    const prev = this.#targets.get(id);
    if (prev !== undefined) return prev;
    const sni =
      peer === ''
        ? serviceSni(
            opts.service,
            opts.subset,
            opts.namespace,
            opts.partition,
            opts.datacenter,
            this.#req.trustDomain,
          )
        : '';
    const t: TargetState = {
      opts,
      id,
      connectTimeoutNs: 0,
      meshGatewayMode: '',
      dialedDirectly: false,
      subset: {},
      external: false,
      sni,
      name: sni,
      prioritizeByLocality: undefined,
    };
    this.#targets.set(id, t);
    return t;
  }

  /** `rewriteTarget`: a redirect or failover applied to a target. */
  #rewriteTarget(t: TargetState, o: PartialOpts): TargetState {
    const merged: PartialOpts = { ...t.opts };
    if (str(o.service) !== '' && o.service !== merged.service) {
      merged.service = o.service;
      merged.subset = ''; // another service: the subset no longer applies
    }
    if (str(o.subset) !== '') merged.subset = o.subset;
    if (str(o.partition) !== '') merged.partition = o.partition;
    // Only an explicit namespace travels with a peer.
    if (str(o.namespace) !== '' || str(o.peer) !== '') merged.namespace = str(o.namespace);
    if (str(o.datacenter) !== '') merged.datacenter = o.datacenter;
    merged.peer = str(o.peer);
    return this.#newTarget(merged);
  }

  assemble(): void {
    const name = this.#req.serviceName;
    const router = this.#router(name);
    if (router === undefined) {
      this.#startNode = this.#splitterOrResolverNode(this.#newTarget({ service: name })).key;
      return;
    }
    this.#usesAdvanced = true;
    this.#recordProtocol(router.Name);
    const routes: DiscoveryRoute[] = [];
    for (const route of router.Routes ?? []) {
      const compiled: DiscoveryRoute = { Definition: route };
      routes.push(compiled);
      const dest = route.Destination;
      const svc = str(dest?.Service) || name;
      const opts = { service: svc, namespace: str(dest?.Namespace), partition: str(dest?.Partition) };
      const node =
        str(dest?.ServiceSubset) === ''
          ? this.#splitterOrResolverNode(this.#newTarget(opts))
          : this.#resolverNode(this.#newTarget({ ...opts, subset: dest?.ServiceSubset }), false);
      compiled.NextNode = node.key;
    }
    const fallback = this.#splitterOrResolverNode(this.#newTarget({ service: router.Name }));
    routes.push({
      Definition: {
        Match: { HTTP: { PathPrefix: '/' } },
        Destination: { Service: router.Name, Namespace: NAMESPACE, Partition: PARTITION },
      },
      NextNode: fallback.key,
    });
    const node: DiscoveryGraphNode = { Type: 'router', Name: SERVICE_ID(router.Name), Routes: routes };
    this.#recordNode(node);
    this.#startNode = NODE_KEY('router', node.Name);
  }

  #splitterOrResolverNode(t: TargetState): { key: string; node: DiscoveryGraphNode } {
    return this.#splitterNode(t.opts.service) ?? this.#resolverNode(t, false);
  }

  #splitterNode(service: string): { key: string; node: DiscoveryGraphNode } | undefined {
    const name = SERVICE_ID(service);
    const prev = this.#splitterNodes.get(name);
    if (prev !== undefined) return { key: NODE_KEY('splitter', name), node: prev };
    const splitter = this.#splitter(service);
    if (splitter === undefined) return undefined;
    const splits: DiscoverySplit[] = [];
    const node: DiscoveryGraphNode = { Type: 'splitter', Name: name, Splits: splits };
    this.#recordNode(node); // before recursing: a loop below finds this node
    let hasLb = false;
    for (const split of splitter.Splits ?? []) {
      const compiled: DiscoverySplit = {
        Definition: split,
        ...(split.Weight !== 0 ? { Weight: split.Weight } : {}),
      };
      splits.push(compiled);
      const svc = str(split.Service) || service;
      if (svc !== service && str(split.ServiceSubset) === '') {
        const next = this.#splitterNode(svc);
        if (next !== undefined) {
          compiled.NextNode = next.key;
          continue;
        }
      }
      const res = this.#resolverNode(this.#newTarget({ service: svc, subset: split.ServiceSubset }), false);
      compiled.NextNode = res.key;
      const lb = res.node.LoadBalancer;
      if (!hasLb && lb !== undefined && isHashBased(lb)) {
        node.LoadBalancer = lb;
        hasLb = true;
      }
    }
    this.#usesAdvanced = true;
    return { key: NODE_KEY('splitter', name), node };
  }

  /** `getResolverNode`: redirects, default subset, subsets, timeouts, gateways and failover. */
  #resolverNode(start: TargetState, forFailover: boolean): { key: string; node: DiscoveryGraphNode } {
    const history: string[] = [];
    let target = start;
    let resolver: ServiceResolverEntry;
    for (;;) {
      const prev = this.#resolveNodes.get(target.id);
      if (prev !== undefined) return { key: NODE_KEY('resolver', prev.Name), node: prev };
      if (target.opts.peer === '') this.#recordProtocol(target.opts.service);
      resolver = this.#resolver(target.opts.service);
      if (history.includes(target.id)) {
        throw new ChainGraphError(
          `detected circular resolver redirect: [${[...history, target.id].join(' -> ')}]`,
        );
      }
      history.push(target.id);
      const redirect = resolver.Redirect;
      if (redirect !== undefined && str(redirect.SamenessGroup) === '') {
        const next = this.#rewriteTarget(target, {
          service: redirect.Service,
          subset: redirect.ServiceSubset,
          namespace: redirect.Namespace,
          partition: redirect.Partition,
          datacenter: redirect.Datacenter,
          peer: redirect.Peer,
        });
        if (next.id !== target.id) {
          target = next;
          continue;
        }
      }
      if (target.opts.subset === '' && str(resolver.DefaultSubset) !== '') {
        target = this.#rewriteTarget(target, { subset: resolver.DefaultSubset });
        continue;
      }
      break;
    }
    const subset = target.opts.subset;
    if (subset !== '' && !Object.hasOwn(resolver.Subsets ?? {}, subset)) {
      throw new ChainGraphError(
        `service ${JSON.stringify(target.opts.service)} does not have a subset named ${JSON.stringify(subset)}`,
      );
    }
    const node = this.#buildResolverNode(target, resolver);
    this.#retained.add(target.id);
    if (forFailover) return { key: NODE_KEY('resolver', node.Name), node };
    this.#recordNode(node);
    const failover = this.#failover(target, resolver);
    if (failover !== undefined && node.Resolver !== undefined) node.Resolver.Failover = failover;
    return { key: NODE_KEY('resolver', node.Name), node };
  }

  #buildResolverNode(target: TargetState, resolver: ServiceResolverEntry): DiscoveryGraphNode {
    let connectTimeout = durationNs(resolver.ConnectTimeout);
    if (connectTimeout < 1) connectTimeout = DEFAULT_CONNECT_TIMEOUT_NS;
    const override = this.#req.overrideConnectTimeoutNs ?? 0;
    if (override > 0 && connectTimeout !== override) {
      connectTimeout = override;
      this.#customizedBy.connectTimeout = true;
    }
    target.connectTimeoutNs = connectTimeout;
    const proxyDefaults = this.#req.entries.proxyDefaults();
    if (target.opts.partition === PARTITION && target.opts.peer === '') {
      target.prioritizeByLocality = resolver.PrioritizeByLocality ?? proxyDefaults?.PrioritizeByLocality;
    }
    target.subset = resolver.Subsets?.[target.opts.subset] ?? {};
    const sd = this.#req.entries.serviceDefaults(target.opts.service);
    if (sd?.ExternalSNI !== undefined && sd.ExternalSNI !== '') {
      target.sni = sd.ExternalSNI;
      target.external = true;
    }
    if (target.external) this.#checkExternal(target, resolver);
    else this.#applyGatewayDefaults(target, sd, proxyDefaults);
    const requestTimeout = durationNs(resolver.RequestTimeout);
    return {
      Type: 'resolver',
      Name: target.id,
      Resolver: {
        ConnectTimeout: formatGoDuration(connectTimeout),
        ...(isDefaultResolver(resolver) ? { Default: true } : {}),
        ...(requestTimeout !== 0 ? { RequestTimeout: requestTimeout } : {}),
        Target: target.id,
      },
      ...(resolver.LoadBalancer !== undefined ? { LoadBalancer: resolver.LoadBalancer } : {}),
    };
  }

  #checkExternal(target: TargetState, resolver: ServiceResolverEntry): void {
    const svc = JSON.stringify(target.opts.service);
    if (resolver.Redirect !== undefined)
      throw new ChainGraphError(
        `service ${svc} has an external SNI set; cannot define redirects for external services`,
      );
    if (Object.keys(resolver.Subsets ?? {}).length > 0)
      throw new ChainGraphError(
        `service ${svc} has an external SNI set; cannot define subsets for external services`,
      );
    if (Object.keys(resolver.Failover ?? {}).length > 0)
      throw new ChainGraphError(
        `service ${svc} has an external SNI set; cannot define failover for external services`,
      );
  }

  #applyGatewayDefaults(
    target: TargetState,
    sd: ServiceDefaultsEntry | undefined,
    pd: ProxyDefaultsEntry | undefined,
  ): void {
    for (const entry of [sd, pd]) {
      if (entry === undefined) continue;
      if (target.meshGatewayMode === '') target.meshGatewayMode = str(maybe(entry.MeshGateway)?.Mode);
      if (!target.dialedDirectly)
        target.dialedDirectly = maybe(entry.TransparentProxy)?.DialedDirectly === true;
    }
    const override = str(this.#req.overrideMeshGatewayMode);
    if (override !== '' && target.meshGatewayMode !== override) {
      target.meshGatewayMode = override;
      this.#customizedBy.meshGateway = true;
    }
  }

  /** The failover section for the target's subset (or `*`), compiled into failover target IDs. */
  #failover(target: TargetState, resolver: ServiceResolverEntry): DiscoveryFailover | undefined {
    const sections = resolver.Failover ?? {};
    const section = sections[target.opts.subset] ?? sections['*'];
    if (section === undefined) return undefined;
    const policy = section.Policy ?? this.#req.entries.proxyDefaults()?.FailoverPolicy;
    const candidates: TargetState[] = [];
    const add = (t: TargetState): void => {
      if (t.id !== target.id) candidates.push(t); // never fail over to yourself
    };
    const base = { service: section.Service, subset: section.ServiceSubset, namespace: section.Namespace };
    if ((section.Datacenters ?? []).length > 0) {
      for (const dc of section.Datacenters ?? [])
        add(this.#rewriteTarget(target, { ...base, datacenter: dc }));
    } else if ((section.Targets ?? []).length > 0) {
      for (const t of section.Targets ?? []) {
        add(
          this.#rewriteTarget(target, {
            service: t.Service,
            subset: t.ServiceSubset,
            namespace: t.Namespace,
            partition: t.Partition,
            datacenter: t.Datacenter,
            peer: t.Peer,
          }),
        );
      }
    } else {
      add(this.#rewriteTarget(target, base));
    }
    if (candidates.length === 0) return undefined;
    const out: DiscoveryFailover = {
      Targets: candidates.map((t) => this.#resolverNode(t, true).node.Resolver?.Target ?? t.id),
    };
    if (policy !== undefined) out.Policy = policy;
    return out;
  }

  /** `detectCircularReferences`: a depth-first walk from the start node with the current path. */
  detectCircularReferences(): void {
    const walk = (key: string, path: string[]): void => {
      if (path.includes(key)) {
        throw new ChainGraphError(`detected circular reference: [${[...path, key].join(' -> ')}]`);
      }
      const node = this.#nodes.get(key);
      const next = node?.Routes?.map((r) => r.NextNode) ?? node?.Splits?.map((s) => s.NextNode) ?? [];
      for (const n of next) if (n !== undefined) walk(n, [...path, key]);
    };
    walk(this.#startNode, []);
  }

  /** `flattenAdjacentSplitterNodes`: a split into another splitter becomes that splitter's legs, weighted. */
  flattenAdjacentSplitters(): void {
    for (let changedAny = true; changedAny;) {
      changedAny = false;
      for (const node of this.#nodes.values()) {
        if (node.Type !== 'splitter') continue;
        const fixed: DiscoverySplit[] = [];
        let changed = false;
        for (const split of node.Splits ?? []) {
          const next = this.#nodes.get(split.NextNode ?? '');
          if (next?.Type !== 'splitter') {
            fixed.push(split);
            continue;
          }
          changed = true;
          for (const inner of next.Splits ?? []) {
            const weight = Math.round((((split.Weight ?? 0) * (inner.Weight ?? 0)) / 100) * 100) / 100;
            const def = mergeParentSplit(inner.Definition, split.Definition);
            fixed.push({
              ...(def ? { Definition: def } : {}),
              Weight: weight,
              ...(inner.NextNode ? { NextNode: inner.NextNode } : {}),
            });
          }
        }
        if (changed) {
          node.Splits = fixed;
          changedAny = true;
        }
      }
    }
  }

  /** `removeUnusedNodes` and the retained-targets filter. */
  prune(): void {
    const seen = new Set<string>();
    const todo = [this.#startNode];
    while (todo.length > 0) {
      const key = todo.pop() ?? '';
      if (seen.has(key)) continue;
      seen.add(key);
      const node = this.#nodes.get(key);
      for (const r of node?.Routes ?? []) if (r.NextNode !== undefined) todo.push(r.NextNode);
      for (const s of node?.Splits ?? []) if (s.NextNode !== undefined) todo.push(s.NextNode);
    }
    for (const key of [...this.#nodes.keys()]) if (!seen.has(key)) this.#nodes.delete(key);
    for (const id of [...this.#targets.keys()]) if (!this.#retained.has(id)) this.#targets.delete(id);
  }

  result(): CompiledDiscoveryChain {
    if (!isProtocolHttpLike(this.#protocol) && this.#usesAdvanced) {
      throw new ChainGraphError(
        `discovery chain ${JSON.stringify(this.#req.serviceName)} uses a protocol ${JSON.stringify(
          this.#protocol,
        )} that does not permit advanced routing or splitting behavior`,
      );
    }
    const override = str(this.#req.overrideProtocol);
    if (override !== '' && override !== this.#protocol) {
      this.#protocol = override;
      this.#customizedBy.protocol = true;
    }
    const sd = this.#req.entries.serviceDefaults(this.#req.serviceName);
    const extensions = [
      ...(this.#req.entries.proxyDefaults()?.EnvoyExtensions ?? []),
      ...(sd?.EnvoyExtensions ?? []),
    ];
    const hash = this.#customizationHash();
    return {
      ServiceName: this.#req.serviceName,
      Namespace: NAMESPACE,
      Partition: PARTITION,
      Datacenter: this.#req.datacenter,
      ...(hash !== '' ? { CustomizationHash: hash } : {}),
      ...(this.#isDefaultChain() ? { Default: true } : {}),
      ...(this.#protocol !== '' ? { Protocol: this.#protocol } : {}),
      ...(sd?.Meta !== undefined && Object.keys(sd.Meta).length > 0 ? { ServiceMeta: sd.Meta } : {}),
      ...(extensions.length > 0 ? { EnvoyExtensions: extensions } : {}),
      StartNode: this.#startNode,
      Nodes: sortedRecord(this.#nodes),
      Targets: sortedRecord(new Map([...this.#targets].map(([id, t]) => [id, renderTarget(t)]))),
      AutoVirtualIPs: this.#req.autoVirtualIPs ?? null,
      ManualVirtualIPs: this.#req.manualVirtualIPs ?? null,
    };
  }

  #isDefaultChain(): boolean {
    const node = this.#nodes.get(this.#startNode);
    if (node?.Type !== 'resolver' || node.Resolver?.Default !== true) return false;
    const t = this.#targets.get(node.Resolver.Target ?? '');
    return (
      t?.opts.service === this.#req.serviceName &&
      t.opts.namespace === NAMESPACE &&
      t.opts.partition === PARTITION
    );
  }

  /** Consul's hash of the overrides that changed the result (see customization-hash.ts); '' when none did. */
  #customizationHash(): string {
    const c = this.#customizedBy;
    if (!c.meshGateway && !c.protocol && !c.connectTimeout) return '';
    return customizationHash({
      meshGatewayMode: c.meshGateway ? str(this.#req.overrideMeshGatewayMode) : '',
      protocol: c.protocol ? str(this.#req.overrideProtocol) : '',
      connectTimeoutNs: c.connectTimeout ? (this.#req.overrideConnectTimeoutNs ?? 0) : 0,
    });
  }
}

/** `ServiceSplit.MergeParent`: the inner split's definition with the parent's header changes filled in. */
function mergeParentSplit(
  inner: ServiceSplit | undefined,
  parent: ServiceSplit | undefined,
): ServiceSplit | undefined {
  if (inner === undefined) return parent;
  if (parent === undefined) return inner;
  const out: ServiceSplit = { ...inner };
  for (const k of ['RequestHeaders', 'ResponseHeaders'] as const) {
    const p = parent[k];
    if (p === undefined) continue;
    const i = inner[k] ?? {};
    out[k] = {
      ...((p.Add ?? i.Add) ? { Add: { ...p.Add, ...i.Add } } : {}),
      ...((p.Set ?? i.Set) ? { Set: { ...p.Set, ...i.Set } } : {}),
      ...((i.Remove ?? p.Remove) ? { Remove: i.Remove ?? p.Remove ?? [] } : {}),
    };
  }
  return out;
}

function sortedRecord<T>(m: ReadonlyMap<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k) as T;
  return out;
}

function renderTarget(t: TargetState): DiscoveryTarget {
  const o = t.opts;
  const out: DiscoveryTarget = {
    ...(t.connectTimeoutNs !== 0 ? { ConnectTimeout: formatGoDuration(t.connectTimeoutNs) } : {}),
    ID: t.id,
    Service: o.service,
    ...(o.subset !== '' ? { ServiceSubset: o.subset } : {}),
    Namespace: o.namespace,
    Partition: o.partition,
    ...(o.datacenter !== '' ? { Datacenter: o.datacenter } : {}),
    ...(o.peer !== '' ? { Peer: o.peer } : {}),
    MeshGateway: t.meshGatewayMode === '' ? {} : { Mode: t.meshGatewayMode },
    Subset: t.subset,
    TransparentProxy: t.dialedDirectly ? { DialedDirectly: true } : {},
  };
  if (t.external) out.External = true;
  if (t.sni !== '') out.SNI = t.sni;
  if (t.name !== '') out.Name = t.name;
  if (t.prioritizeByLocality !== undefined) out.PrioritizeByLocality = t.prioritizeByLocality;
  return out;
}

/**
 * Compiles the discovery chain of `req.serviceName`.
 *
 * @throws ChainGraphError when the entries cannot form a chain (redirect loops, missing subsets, mixed
 *   protocols, routing on a non-HTTP protocol, external SNI with redirects/subsets/failover).
 */
export function compileDiscoveryChain(req: CompileRequest): CompiledDiscoveryChain {
  const c = new Compiler(req);
  c.assemble();
  c.detectCircularReferences();
  c.flattenAdjacentSplitters();
  c.prune();
  return c.result();
}
