import type { HealthCheck, HealthStatus, Node, NodeService } from '../types/index.js';
import { EMPTY_CATALOG_PROXY, renderCatalogProxy } from './render-proxy.js';

/**
 * Consul's JSON shapes for catalog objects, with its `omitempty` rules. Key order follows Consul's Go structs, so
 * output diffs cleanly against real Consul.
 */

export function renderNode(n: Node): Record<string, unknown> {
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: n.Datacenter,
    ...(n.PeerName ? { PeerName: n.PeerName } : {}),
    TaggedAddresses: n.TaggedAddresses,
    Meta: n.Meta,
    CreateIndex: n.CreateIndex,
    ModifyIndex: n.ModifyIndex,
  };
}

/** A service as the health and agent endpoints show it (Consul's NodeService). */
export function renderNodeService(s: NodeService): Record<string, unknown> {
  return {
    ...(s.Kind ? { Kind: s.Kind } : {}),
    ID: s.ID,
    Service: s.Service,
    Tags: s.Tags,
    Address: s.Address,
    ...(s.TaggedAddresses && Object.keys(s.TaggedAddresses).length > 0
      ? { TaggedAddresses: s.TaggedAddresses }
      : {}),
    Meta: s.Meta,
    ...(s.Port !== 0 ? { Port: s.Port } : {}),
    ...(s.SocketPath ? { SocketPath: s.SocketPath } : {}),
    ...(s.Locality ? { Locality: s.Locality } : {}),
    Weights: s.Weights,
    EnableTagOverride: s.EnableTagOverride,
    Proxy: s.Proxy ? renderCatalogProxy(s.Proxy) : EMPTY_CATALOG_PROXY,
    Connect: s.Connect ?? {},
    PeerName: s.PeerName ?? '',
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
}

/** One row of `/v1/catalog/service/:name` (Consul's ServiceNode). */
export function renderServiceNode(n: Node, s: NodeService): Record<string, unknown> {
  return {
    ID: n.ID,
    Node: n.Node,
    Address: n.Address,
    Datacenter: n.Datacenter,
    TaggedAddresses: n.TaggedAddresses,
    NodeMeta: n.Meta,
    ServiceKind: s.Kind,
    ServiceID: s.ID,
    ServiceName: s.Service,
    ServiceTags: s.Tags,
    ServiceAddress: s.Address,
    ...(s.TaggedAddresses && Object.keys(s.TaggedAddresses).length > 0
      ? { ServiceTaggedAddresses: s.TaggedAddresses }
      : {}),
    ServiceWeights: s.Weights,
    ServiceMeta: s.Meta,
    ServicePort: s.Port,
    ...(s.SocketPath ? { ServiceSocketPath: s.SocketPath } : {}),
    ...(s.Locality ? { ServiceLocality: s.Locality } : {}),
    ServiceEnableTagOverride: s.EnableTagOverride,
    ServiceProxy: s.Proxy ? renderCatalogProxy(s.Proxy) : EMPTY_CATALOG_PROXY,
    ServiceConnect: s.Connect ?? {},
    ...(s.PeerName ? { PeerName: s.PeerName } : {}),
    CreateIndex: s.CreateIndex,
    ModifyIndex: s.ModifyIndex,
  };
}

export function renderCheck(c: HealthCheck): Record<string, unknown> {
  return {
    Node: c.Node,
    CheckID: c.CheckID,
    Name: c.Name,
    Status: c.Status,
    Notes: c.Notes,
    Output: c.Output,
    ServiceID: c.ServiceID,
    ServiceName: c.ServiceName,
    ServiceTags: c.ServiceTags,
    Type: c.Type,
    Interval: c.Interval,
    Timeout: c.Timeout,
    ExposedPort: c.ExposedPort,
    Definition: renderDefinition(c),
    ...(c.PeerName ? { PeerName: c.PeerName } : {}),
    CreateIndex: c.CreateIndex,
    ModifyIndex: c.ModifyIndex,
  };
}

function renderDefinition(c: HealthCheck): Record<string, unknown> {
  const d = c.Definition;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) {
    if (k === 'TTL') continue;
    if (v !== undefined && v !== '' && v !== false) out[k] = v;
  }
  return out;
}

/** Worst status wins: critical > warning > passing (Consul's AggregatedStatus). */
export function aggregateStatus(checks: readonly HealthCheck[]): HealthStatus {
  let worst: HealthStatus = 'passing';
  for (const c of checks) {
    if (c.Status === 'critical') return 'critical';
    if (c.Status === 'warning') worst = 'warning';
  }
  return worst;
}

/** Rendered `/v1/health/service` rows per service object, valid while its node and check objects are the same. */
const healthRows = new WeakMap<
  NodeService,
  { node: Node; checks: readonly HealthCheck[]; compact: string; pretty: string | undefined }
>();

/**
 * The JSON of one health row (`{Node, Service, Checks}`), compact or as it appears inside a `?pretty` array
 * (`JSON.stringify(rows, null, 4)` indents each element by four more spaces). The store replaces objects instead
 * of mutating them, so a row whose node, service and check objects are unchanged renders the same: it is kept per
 * service object, and a change to one instance of a large service re-renders only that instance.
 */
export function healthRowJson(
  node: Node,
  service: NodeService,
  checks: readonly HealthCheck[],
  pretty = false,
): string {
  let hit = healthRows.get(service);
  if (!(
    hit?.node === node &&
    hit.checks.length === checks.length &&
    hit.checks.every((c, i) => c === checks[i])
  )) {
    const row = {
      Node: renderNode(node),
      Service: renderNodeService(service),
      Checks: checks.map(renderCheck),
    };
    hit = { node, checks, compact: JSON.stringify(row), pretty: undefined };
    healthRows.set(service, hit);
  }
  if (!pretty) return hit.compact;
  hit.pretty ??= `    ${JSON.stringify(JSON.parse(hit.compact), null, 4).replace(/\n/g, '\n    ')}`;
  return hit.pretty;
}

/** Joins rendered rows into the array body `serializeJson(rows, pretty)` would produce. */
export function joinRows(rows: readonly string[], pretty: boolean): string {
  if (!pretty) return `[${rows.join(',')}]`;
  return rows.length === 0 ? '[]\n' : `[\n${rows.join(',\n')}\n]\n`;
}
