/**
 * Write-time validation of the service graph (Consul agent/consul/state/config_entry.go
 * `validateProposedConfigEntryInServiceGraph`): before a config entry is written or deleted, every discovery
 * chain the change can affect is compiled with the change applied, and the write is refused when
 *
 * - a chain no longer compiles (missing subset, redirect loop, router/splitter on a non-HTTP service, mixed
 *   protocols, …: the compiler's {@link ChainGraphError} texts);
 * - a peer-exported chain would reach across datacenters or to another peer
 *   (`peer exported service "x" contains cross-datacenter resolver redirect`, …);
 * - a `service-intentions` entry with L7 `Permissions` names a destination whose protocol is not HTTP-like
 *   (`service "x" has protocol "tcp", which is incompatible with L7 intentions permissions`);
 * - a peer-exported chain that is not HTTP-like would gain a target it does not have now
 *   (`peer exported service "x" uses protocol="tcp" and cannot introduce new discovery chain targets like "…"`);
 * - a proxy-defaults or service-defaults write turns `MutualTLSMode` permissive while the mesh entry does not
 *   allow it (`cannot set MutualTLSMode=permissive because AllowEnablingPermissiveMutualTLS=false …`).
 *
 * Which chains a change affects, as Consul decides it: `proxy-defaults` → every chain that has a
 * defaults/router/splitter/resolver entry and every intention destination; `service-intentions` (a write) →
 * its destination; `service-defaults`/router/splitter/resolver of `X` → `X`, the chains whose router, splitter
 * or resolver name `X`, and every intention destination; an `exported-services` write → the peer-export safety
 * of each service it exports to a peer. Deleting an intentions or exported-services entry, and `mesh` changes,
 * check nothing.
 *
 * Deterministic: the answer depends only on the store and the change (no clock, no agent configuration; the
 * datacenter and trust domain chains compile in are Consul's fixed placeholders), and when several problems
 * exist the same one is named whatever order the store lists entries in. The state machine runs it inside the
 * apply of `config-set`/`config-delete` (state/tables/config.ts), so every server replaying the log decides alike.
 *
 * Chains compile in datacenter `dc1` with Consul's throwaway trust domain, as Consul does: they may appear in
 * error texts.
 *
 * Not reproduced: ingress-gateway listener protocols (Entente has no ingress gateways).
 */
import type {
  ConfigEntry,
  ProxyDefaultsEntry,
  ServiceDefaultsEntry,
  ServiceIntentionsEntry,
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplitterEntry,
  ExportedServicesEntry,
} from '../config-entry/index.js';
import { goQuote } from '../lib/go/strconv.js';
import { ChainGraphError, compileDiscoveryChain, isProtocolHttpLike, type ChainEntries } from './compile.js';
import type { CompiledDiscoveryChain } from './types.js';

/** Consul's `testCompileDiscoveryChain` evaluation context. */
const TEST_DATACENTER = 'dc1';
const TEST_TRUST_DOMAIN = 'b6fc9da3-03d4-4b5a-9134-c045e9b20152.consul';
const GRAPH_KINDS = ['service-defaults', 'service-router', 'service-splitter', 'service-resolver'] as const;
const CHAIN_ENTRY_KINDS = new Set<string>(['service-router', 'service-splitter', 'service-resolver']);

/** The stored config entries, as the validator reads them. */
export interface GraphStore {
  entry(kind: string, name: string): ConfigEntry | undefined;
  entries(kind: string): readonly ConfigEntry[];
}

/** The change about to be written: `entry` null for a delete. */
export interface ProposedChange {
  readonly kind: string;
  readonly name: string;
  readonly entry: ConfigEntry | null;
}

/** The store as it would be after the change (Consul's `overrides` map). */
function overlay(store: GraphStore, change: ProposedChange): GraphStore {
  const same = (kind: string, name: string): boolean => kind === change.kind && name === change.name;
  return {
    entry: (kind, name) => (same(kind, name) ? (change.entry ?? undefined) : store.entry(kind, name)),
    entries: (kind) => {
      const rest = store.entries(kind).filter((e) => !same(kind, e.Name));
      return kind === change.kind && change.entry !== null ? [...rest, change.entry] : rest;
    },
  };
}

function chainEntries(store: GraphStore): ChainEntries {
  return {
    serviceDefaults: (n) => store.entry('service-defaults', n) as ServiceDefaultsEntry | undefined,
    proxyDefaults: () => store.entry('proxy-defaults', 'global') as ProxyDefaultsEntry | undefined,
    router: (n) => store.entry('service-router', n) as ServiceRouterEntry | undefined,
    splitter: (n) => store.entry('service-splitter', n) as ServiceSplitterEntry | undefined,
    resolver: (n) => store.entry('service-resolver', n) as ServiceResolverEntry | undefined,
  };
}

/** `ListRelatedServices` of a router, splitter or resolver: the other services it sends traffic to. */
export function relatedServices(entry: ConfigEntry): string[] {
  const out = new Set<string>();
  const add = (s: string | undefined): void => {
    if (s !== undefined && s !== '' && s !== entry.Name) out.add(s);
  };
  if (entry.Kind === 'service-router') {
    for (const r of (entry as unknown as ServiceRouterEntry).Routes ?? []) add(r.Destination?.Service);
  } else if (entry.Kind === 'service-splitter') {
    for (const s of (entry as unknown as ServiceSplitterEntry).Splits ?? []) add(s.Service);
  } else if (entry.Kind === 'service-resolver') {
    const r = entry as unknown as ServiceResolverEntry;
    if (r.Redirect?.Peer === undefined || r.Redirect.Peer === '') add(r.Redirect?.Service);
    for (const f of Object.values(r.Failover ?? {})) {
      add(f.Service);
      // Peer targets are skipped: the related service lives on the peer.
      for (const t of f.Targets ?? []) if (t.Peer === undefined || t.Peer === '') add(t.Service);
    }
  }
  return [...out].sort();
}

function intentionEntries(store: GraphStore): ServiceIntentionsEntry[] {
  return store.entries('service-intentions') as unknown as ServiceIntentionsEntry[];
}

/** What a change must be checked against: chains to compile, intention entries, newly exported services. */
interface Scope {
  readonly chains: Set<string>;
  readonly intentions: ServiceIntentionsEntry[];
  readonly exports: readonly string[];
}

/** The chains (service names) and intention entries a change must be checked against. */
function affected(before: GraphStore, change: ProposedChange): Scope | null {
  const chains = new Set<string>();
  let intentions: ServiceIntentionsEntry[] = [];
  switch (change.kind) {
    case 'mesh':
      return null;
    case 'exported-services':
      // Consul checks, on a write only, that every service the entry exports is peer-export safe.
      if (change.entry === null) return null;
      return { chains: new Set(), intentions: [], exports: exportedBy(before, change.entry) };
    case 'service-intentions':
      if (change.entry === null) return null;
      intentions = [change.entry as unknown as ServiceIntentionsEntry];
      break;
    case 'proxy-defaults':
      for (const kind of GRAPH_KINDS) for (const e of before.entries(kind)) chains.add(e.Name);
      intentions = intentionEntries(before);
      break;
    default: {
      chains.add(change.name);
      for (const kind of CHAIN_ENTRY_KINDS) {
        for (const e of before.entries(kind))
          if (relatedServices(e).includes(change.name)) chains.add(e.Name);
      }
      const own = before.entry('service-intentions', change.name);
      intentions = [
        ...(own !== undefined ? [own as unknown as ServiceIntentionsEntry] : []),
        ...intentionEntries(before),
      ];
    }
  }
  // Only intentions with L7 permissions need their destination's protocol, so only their chains are compiled
  // (Consul compiles every intention destination's chain too, which costs a compile per intention on every
  // service-defaults write, inside the apply; a chain the change does not touch compiles as it did before).
  // Sorted and unique, so that when several are incompatible every server names the same one.
  const l7 = new Map<string, ServiceIntentionsEntry>();
  for (const ixn of intentions) if (ixn.Name !== '*' && hasPermissions(ixn)) l7.set(ixn.Name, ixn);
  const checked = [...l7.values()].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  for (const ixn of checked) chains.add(ixn.Name);
  return { chains, intentions: checked, exports: [] };
}

/**
 * The services an `exported-services` entry exports to a peer, for the peer-export safety check. A wildcard
 * stands for every service, of which only those with a resolver can be unsafe, so it expands to the resolvers'
 * names (Consul expands it to the catalog's services; a service without a resolver passes either way).
 */
function exportedBy(store: GraphStore, entry: ConfigEntry): string[] {
  const names = new Set<string>();
  for (const s of (entry as unknown as ExportedServicesEntry).Services ?? []) {
    if (!(s.Consumers ?? []).some((c) => (c.Peer ?? '') !== '')) continue;
    if (s.Name === '*') for (const r of store.entries('service-resolver')) names.add(r.Name);
    else names.add(s.Name);
  }
  return [...names].sort();
}

function exportedNames(store: GraphStore): Set<string> {
  const out = new Set<string>();
  for (const e of store.entries('exported-services')) {
    for (const s of (e as unknown as ExportedServicesEntry).Services ?? []) out.add(s.Name);
  }
  return out;
}

/** `validateChainIsPeerExportSafe` (CE: no partitions, so only the datacenter and peer rules can fire). */
function peerExportError(store: GraphStore, service: string): string | undefined {
  const r = store.entry('service-resolver', service) as unknown as ServiceResolverEntry | undefined;
  if (r === undefined) return undefined;
  const q = goQuote(service);
  if (r.Redirect !== undefined) {
    if ((r.Redirect.Datacenter ?? '') !== '')
      return `peer exported service ${q} contains cross-datacenter resolver redirect`;
    if ((r.Redirect.Peer ?? '') !== '')
      return `peer exported service ${q} contains cross-peer resolver redirect`;
  }
  for (const f of Object.values(r.Failover ?? {})) {
    if ((f.Datacenters ?? []).length > 0 || (f.Targets ?? []).some((t) => (t.Datacenter ?? '') !== '')) {
      return `peer exported service ${q} contains cross-datacenter failover`;
    }
  }
  return undefined;
}

function hasPermissions(e: ServiceIntentionsEntry): boolean {
  return (e.Sources ?? []).some((s) => (s.Permissions ?? []).length > 0);
}

/**
 * Consul's `checkMutualTLSMode`: a proxy-defaults or service-defaults write may switch `MutualTLSMode` to
 * `permissive` only while the mesh entry has `AllowEnablingPermissiveMutualTLS`; an entry already permissive may
 * stay so.
 */
function permissiveMtlsError(store: GraphStore, change: ProposedChange): string | undefined {
  if (change.entry === null || (change.kind !== 'proxy-defaults' && change.kind !== 'service-defaults')) {
    return undefined;
  }
  const mode = (entry: ConfigEntry | undefined): unknown => entry?.['MutualTLSMode'];
  if (mode(change.entry) !== 'permissive' || mode(store.entry(change.kind, change.name)) === 'permissive') {
    return undefined;
  }
  if (store.entry('mesh', 'mesh')?.['AllowEnablingPermissiveMutualTLS'] === true) return undefined;
  return 'cannot set MutualTLSMode=permissive because AllowEnablingPermissiveMutualTLS=false in the mesh config entry';
}

/** Consul's `testCompileDiscoveryChain`: the chain, or the compiler's refusal text. */
function testCompile(service: string, entries: ChainEntries): CompiledDiscoveryChain | string {
  try {
    return compileDiscoveryChain({
      serviceName: service,
      datacenter: TEST_DATACENTER,
      trustDomain: TEST_TRUST_DOMAIN,
      entries,
    });
  } catch (err) {
    if (err instanceof ChainGraphError) return err.message;
    throw err;
  }
}

/**
 * A chain's targets by the identity a caller would see (Consul's `convertTargetsToTestSpiffeIDs`): failover
 * targets left out, a peer target keyed by its peer in place of the datacenter. Answers identity → target ID, the
 * first target ID (sorted) per identity.
 */
function targetIdentities(chain: CompiledDiscoveryChain): Map<string, string> {
  const failover = new Set<string>();
  for (const node of Object.values(chain.Nodes ?? {})) {
    for (const t of node.Resolver?.Failover?.Targets ?? []) failover.add(t);
  }
  const out = new Map<string, string>();
  for (const [id, t] of Object.entries(chain.Targets ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    if (failover.has(id)) continue;
    const where = (t.Peer ?? '') !== '' ? `peer/${t.Peer ?? ''}` : `dc/${t.Datacenter ?? ''}`;
    const key = `${where}/${t.Partition ?? ''}/${t.Namespace ?? ''}/${t.Service ?? ''}`;
    if (!out.has(key)) out.set(key, id);
  }
  return out;
}

/**
 * A peer-exported chain that is not HTTP-like may not gain targets, which would present the peer's callers with
 * a SPIFFE ID they were not told of for this L4 service: the targets of the chain as it is now against those
 * with the change applied.
 */
function newTcpTargetError(
  before: GraphStore,
  service: string,
  protocol: string,
  next: CompiledDiscoveryChain,
): string | undefined {
  if (isProtocolHttpLike(protocol)) return undefined;
  const current = testCompile(service, chainEntries(before));
  if (typeof current === 'string') {
    return `error compiling current discovery chain for ${goQuote(service)}: ${current}`;
  }
  const known = targetIdentities(current);
  for (const [key, id] of targetIdentities(next)) {
    if (!known.has(key)) {
      return `peer exported service ${goQuote(service)} uses protocol=${goQuote(protocol)} and cannot introduce new discovery chain targets like ${goQuote(id)}`;
    }
  }
  return undefined;
}

/**
 * Checks a proposed write or delete against the service graph.
 *
 * @returns Consul's error text when the change must be refused, otherwise undefined.
 */
export function validateProposedConfigEntry(store: GraphStore, change: ProposedChange): string | undefined {
  const mtls = permissiveMtlsError(store, change);
  if (mtls !== undefined) return mtls;
  const scope = affected(store, change);
  if (scope === null) return undefined;
  const after = overlay(store, change);
  const entries = chainEntries(after);
  const exported = exportedNames(after);
  const protocols = new Map<string, string>();
  for (const service of [...scope.chains].sort()) {
    if (service === '*') continue;
    const chain = testCompile(service, entries);
    if (typeof chain === 'string') return chain;
    const protocol = chain.Protocol ?? 'tcp';
    protocols.set(service, protocol);
    if (exported.has(service) || exported.has('*')) {
      const msg = peerExportError(after, service) ?? newTcpTargetError(store, service, protocol, chain);
      if (msg !== undefined) return msg;
    }
  }
  for (const service of scope.exports) {
    const msg = peerExportError(after, service);
    if (msg !== undefined) return msg;
  }
  for (const ixn of scope.intentions) {
    if (ixn.Name === '*' || !hasPermissions(ixn)) continue;
    const protocol = protocols.get(ixn.Name) ?? 'tcp';
    if (!isProtocolHttpLike(protocol)) {
      return `service ${goQuote(ixn.Name)} has protocol ${goQuote(protocol)}, which is incompatible with L7 intentions permissions`;
    }
  }
  return undefined;
}
