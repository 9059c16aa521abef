import type { ImportedInstance } from '../state/index.js';
import { ImportBatcher, type ImportOptions } from './import-batcher.js';
import type { ImportUsage } from './import-caps.js';
import type { PeeringWrite } from './store.js';
import { HEALTH_STATUSES, SERVICE_KINDS, type HealthStatus, type ServiceKind } from '../types/index.js';
import type { CheckServiceNode } from './messages.js';

/**
 * Turns replicated instances into catalog writes for the local peer name. Every object gets `PeerName` here, so
 * the peer can only ever write its own imported data; names and kinds are checked, statuses normalised. One per
 * stream: writes go through an {@link ImportBatcher} (a burst is one command; unchanged instances are not written).
 */
export class Importer {
  readonly #peerName: string;
  readonly #batcher: ImportBatcher;

  constructor(peerName: string, write: PeeringWrite, opts?: ImportOptions) {
    this.#peerName = peerName;
    this.#batcher = new ImportBatcher(peerName, write, opts);
  }

  /** What the peer's imports hold against its caps. */
  get usage(): ImportUsage {
    return this.#batcher.usage;
  }

  /**
   * Applies one ExportedService resource; resolves once it is committed. Throws (→ NACK) when the payload is
   * inconsistent, the store refuses it, or it would pass an import cap (`ImportCapError`: nothing of it is stored).
   */
  async service(resourceId: string, nodes: readonly CheckServiceNode[]): Promise<void> {
    const name = serviceNameOf(resourceId);
    if (name === '') throw new Error('ResourceID names no service');
    const instances = nodes.map((n) => this.#instance(name, n));
    await this.#batcher.service(name, instances);
  }

  /** Applies an ExportedServiceList: services not listed are dropped. */
  async list(services: readonly string[]): Promise<void> {
    await this.#batcher.list(services.map(serviceNameOf));
  }

  #instance(name: string, n: CheckServiceNode): ImportedInstance {
    if (n.Node.Node === '') throw new Error('instance without a node name');
    if (n.Service.Service !== name) {
      throw new Error(`instance "${n.Service.ID}" belongs to service "${n.Service.Service}", not "${name}"`);
    }
    const kind: ServiceKind = (SERVICE_KINDS as readonly string[]).includes(n.Service.Kind)
      ? n.Service.Kind
      : '';
    return {
      Node: { ...n.Node, PeerName: this.#peerName },
      Service: { ...n.Service, Kind: kind, ID: n.Service.ID || name, PeerName: this.#peerName },
      Checks: n.Checks.map((c) => ({
        ...c,
        Node: n.Node.Node,
        Status: importedStatus(c.Status),
        ServiceID: c.ServiceID === '' ? '' : n.Service.ID || name,
        ServiceName: c.ServiceID === '' ? '' : name,
        PeerName: this.#peerName,
      })),
    };
  }
}

/** Consul exporters send `maintenance` (and may send other strings): anything not a known status is critical. */
export function importedStatus(s: string): HealthStatus {
  return (HEALTH_STATUSES as readonly string[]).includes(s) ? (s as HealthStatus) : 'critical';
}

/** CE ResourceIDs are bare names; enterprise ones are `partition/namespace/name`. */
function serviceNameOf(resourceId: string): string {
  const parts = resourceId.split('/');
  return parts[parts.length - 1] ?? '';
}
