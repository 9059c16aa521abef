import type { HealthCheck, HealthStatus, Node, NodeService } from '../types/index.js';
import { chunkResourceId, type CheckServiceNode, type Resource } from './messages.js';
import type { ExporterStore } from './store.js';
import type { OutgoingResource } from './stream-sender.js';

const SIDECAR_SUFFIX = '-sidecar-proxy';
const VIRTUAL_TAGGED_ADDRESS = 'consul-virtual';

/** The resource that tells a peer a service has no instances (any more): shared, never mutated. */
export const EMPTY_EXPORT: Resource = Object.freeze({ type: 'exported-service', nodes: [] });

/**
 * Builds the replicated instances of a local service as Consul does: typical services only, Connect/Proxy
 * stripped, this cluster's virtual IP removed, checks flattened into one `<serviceID>:overall-check`, indexes
 * zeroed. What a peer receives does not depend on which peer it is, so everything built here is cached per store
 * and (service, index) and shared by every peer's stream: a change exported to ten peers is converted once, and
 * the resource objects are the same, so the gRPC edge encodes them once too (grpc/peerstream/convert.ts and
 * encoded-response.ts: each peer's stream only adds its nonce).
 *
 * NOTE: callers must treat every result as read-only.
 */
export class Exporter {
  readonly #store: ExporterStore;

  constructor(store: ExporterStore) {
    this.#store = store;
  }

  /** The instances of `name` as peers receive them, sorted by node then ID. */
  instances(name: string): CheckServiceNode[] {
    return this.#shared(name).nodes;
  }

  /** The instances split into parts of at most `maxBytes` of JSON each (cached with the instances). */
  parts(name: string, maxBytes: number): CheckServiceNode[][] {
    const entry = this.#shared(name);
    if (entry.parts?.maxBytes !== maxBytes)
      entry.parts = { maxBytes, parts: splitBySize(entry.nodes, maxBytes) };
    return entry.parts.parts;
  }

  /**
   * The messages that carry the current version of `name`: one, or (when `chunkBytes` is set, for peers that
   * accept chunks) its parts with ResourceIDs `<name>\0<part>/<parts>`. Shared across peers.
   */
  outgoing(name: string, chunkBytes: number | undefined): readonly OutgoingResource[] {
    const entry = this.#shared(name);
    const key = chunkBytes ?? 0;
    let out = entry.outgoing.get(key);
    if (!out) {
      const parts = chunkBytes === undefined ? [entry.nodes] : this.parts(name, chunkBytes);
      out = parts.map((nodes, i) => ({
        resourceId: parts.length === 1 ? name : chunkResourceId(name, i + 1, parts.length),
        resource: { type: 'exported-service', nodes },
      }));
      entry.outgoing.set(key, out);
    }
    return out;
  }

  #shared(name: string): SharedExport {
    let byName = SHARED.get(this.#store);
    if (!byName) SHARED.set(this.#store, (byName = new Map<string, SharedExport>()));
    const index = this.#store.serviceInstances(undefined, '', name).index;
    const hit = byName.get(name);
    if (hit?.index === index) return hit;
    const entry: SharedExport = { index, nodes: this.#build(name), parts: undefined, outgoing: new Map() };
    byName.set(name, entry);
    return entry;
  }

  #build(name: string): CheckServiceNode[] {
    const out: CheckServiceNode[] = [];
    for (const { node, service } of this.#store.serviceInstances(undefined, '', name).value) {
      if (service.Kind !== '' || service.Service.endsWith(SIDECAR_SUFFIX)) continue;
      const checks = this.#store.instanceChecks(node, service.ID);
      out.push({
        Node: exportedNode(node),
        Service: exportedService(service),
        Checks: checks.length === 0 ? [] : [flattenChecks(node.Node, service, checks)],
      });
    }
    return out;
  }
}

interface SharedExport {
  index: number;
  nodes: CheckServiceNode[];
  parts: { maxBytes: number; parts: CheckServiceNode[][] } | undefined;
  /** The outgoing messages by chunk size (0: unchunked). */
  outgoing: Map<number, readonly OutgoingResource[]>;
}

/**
 * Converted exports per store and service name; an entry is replaced when the service's index moves, so the cache
 * holds one version per exported service (bounded by the catalog).
 */
const SHARED = new WeakMap<ExporterStore, Map<string, SharedExport>>();

/** Splits instances into runs whose JSON size stays under `maxBytes` (a single larger instance goes alone). */
export function splitBySize(nodes: CheckServiceNode[], maxBytes: number): CheckServiceNode[][] {
  const parts: CheckServiceNode[][] = [];
  let current: CheckServiceNode[] = [];
  let size = 0;
  for (const n of nodes) {
    const bytes = JSON.stringify(n).length;
    if (current.length > 0 && size + bytes > maxBytes) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(n);
    size += bytes;
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts;
}

/** A local node as peers receive it (indexes and peer name left out). */
export function exportedNode(node: Node): CheckServiceNode['Node'] {
  return {
    ID: node.ID,
    Node: node.Node,
    Address: node.Address,
    Datacenter: node.Datacenter,
    TaggedAddresses: node.TaggedAddresses,
    Meta: node.Meta,
  };
}

function exportedService(s: NodeService): CheckServiceNode['Service'] {
  const tagged = Object.fromEntries(
    Object.entries(s.TaggedAddresses ?? {}).filter(([k]) => k !== VIRTUAL_TAGGED_ADDRESS),
  );
  return {
    Kind: '',
    ID: s.ID,
    Service: s.Service,
    Tags: s.Tags,
    Address: s.Address,
    Meta: s.Meta,
    Port: s.Port,
    Weights: s.Weights,
    EnableTagOverride: s.EnableTagOverride,
    ...(Object.keys(tagged).length > 0 ? { TaggedAddresses: tagged } : {}),
    ...(s.SocketPath ? { SocketPath: s.SocketPath } : {}),
    ...(s.Locality ? { Locality: s.Locality } : {}),
  };
}

const MAINTENANCE_NODE = '_node_maintenance';
const MAINTENANCE_SERVICE_PREFIX = '_service_maintenance:';

/**
 * One synthetic check for the instance. Maintenance is sent as `critical` with an output that says so: Consul
 * sends a `maintenance` status its own importers drop (hashicorp/consul#23311), so the peer would still route to
 * an instance under maintenance.
 */
export function flattenChecks(
  node: string,
  service: Pick<NodeService, 'ID' | 'Service'>,
  checks: readonly HealthCheck[],
): CheckServiceNode['Checks'][number] {
  const rank: Record<HealthStatus, number> = { critical: 2, warning: 3, passing: 4 };
  let status: HealthStatus = 'passing';
  let output = '';
  for (const c of checks) {
    if (c.CheckID === MAINTENANCE_NODE || c.CheckID.startsWith(MAINTENANCE_SERVICE_PREFIX)) {
      status = 'critical';
      output = `maintenance mode: ${c.Notes}`;
      break;
    }
    if (rank[c.Status] < rank[status]) status = c.Status;
  }
  const id = service.ID || service.Service;
  return {
    Node: node,
    CheckID: `${id}:overall-check`,
    Name: 'overall-check',
    Status: status,
    Notes: '',
    Output: output,
    ServiceID: service.ID,
    ServiceName: service.Service,
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
  };
}
