import { exportedServicesForPeer, type ExportedServicesEntry } from '../config-entry/index.js';
import { IDX, type StateStore, type WatchSet } from '../state/index.js';
import type { HealthCheck, HealthStatus, NodeService } from '../types/index.js';
import type { CheckServiceNode } from './messages.js';

/** Name of the exported-services config entry in Consul CE. */
const EXPORTED_SERVICES_NAME = 'default';
const SIDECAR_SUFFIX = '-sidecar-proxy';
const VIRTUAL_TAGGED_ADDRESS = 'consul-virtual';

/** What one peer should see now: the exported names and, per name, a version that moves when its data changes. */
export interface ExportView {
  names: string[];
  /** service name → index of its data (moves on any change to its instances, their checks or nodes) */
  versions: Map<string, number>;
}

/**
 * Decides what a peer receives (the exported-services entry × the local catalog) and builds the replicated
 * instances as Consul does: typical services only, Connect/Proxy stripped, this cluster's virtual IP removed, checks
 * flattened into one `<serviceID>:overall-check`, indexes zeroed. Reads record their watch topics in `ws`.
 */
export class Exporter {
  readonly #store: StateStore;
  readonly #peerName: string;

  constructor(store: StateStore, peerName: string) {
    this.#store = store;
    this.#peerName = peerName;
  }

  view(ws: WatchSet): ExportView {
    const entry = this.#store.configEntry(ws, 'exported-services', EXPORTED_SERVICES_NAME).value;
    const names = new Set<string>();
    if (entry) {
      const exp = exportedServicesForPeer(entry.entry as unknown as ExportedServicesEntry, this.#peerName);
      if (exp.all) {
        for (const { service } of this.#store.services(ws, '').value) {
          if (service.Kind === '' && !service.Service.endsWith(SIDECAR_SUFFIX)) names.add(service.Service);
        }
      }
      for (const n of exp.names) names.add(n);
    }
    names.delete('consul');
    const versions = new Map<string, number>();
    for (const name of names) versions.set(name, this.#store.serviceInstances(ws, '', name).index);
    ws.add(IDX.configEntry('exported-services', EXPORTED_SERVICES_NAME));
    return { names: [...names].sort(), versions };
  }

  /**
   * The instances of `name` as peers receive them, sorted by node then ID. Built once per service index and
   * shared by every peer's stream (what a peer receives does not depend on which peer it is), so a change
   * exported to ten peers is converted once, not ten times.
   * NOTE: callers must treat the result as read-only.
   */
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

  #shared(name: string): SharedExport {
    let byName = SHARED.get(this.#store);
    if (!byName) SHARED.set(this.#store, (byName = new Map<string, SharedExport>()));
    const index = this.#store.serviceInstances(undefined, '', name).index;
    const hit = byName.get(name);
    if (hit?.index === index) return hit;
    const entry: SharedExport = { index, nodes: this.#build(name), parts: undefined };
    byName.set(name, entry);
    return entry;
  }

  #build(name: string): CheckServiceNode[] {
    const out: CheckServiceNode[] = [];
    for (const { node, service } of this.#store.serviceInstances(undefined, '', name).value) {
      if (service.Kind !== '' || service.Service.endsWith(SIDECAR_SUFFIX)) continue;
      const checks = this.#store.instanceChecks(node, service.ID);
      out.push({
        Node: {
          ID: node.ID,
          Node: node.Node,
          Address: node.Address,
          Datacenter: node.Datacenter,
          TaggedAddresses: node.TaggedAddresses,
          Meta: node.Meta,
        },
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
}

/** Converted exports per store and service name; entries are replaced when the service's index moves. */
const SHARED = new WeakMap<StateStore, Map<string, SharedExport>>();

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
  service: NodeService,
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
