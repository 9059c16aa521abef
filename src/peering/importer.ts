import type { ImportedInstance } from '../state/index.js';
import type { PeeringWrite, PeeringWriteCommand } from './store.js';
import { HEALTH_STATUSES, SERVICE_KINDS, type HealthStatus, type ServiceKind } from '../types/index.js';
import type { CheckServiceNode } from './messages.js';

/**
 * Turns replicated instances into catalog writes for the local peer name. Every object gets `PeerName` here, so
 * the peer can only ever write its own imported data; names and kinds are checked, statuses normalised.
 */
export class Importer {
  readonly #peerName: string;
  readonly #write: PeeringWrite;

  constructor(peerName: string, write: PeeringWrite) {
    this.#peerName = peerName;
    this.#write = write;
  }

  /** Applies one ExportedService resource. Throws (→ NACK) when the payload is inconsistent. */
  async service(resourceId: string, nodes: readonly CheckServiceNode[]): Promise<void> {
    const name = serviceNameOf(resourceId);
    if (name === '') throw new Error('ResourceID names no service');
    const instances = nodes.map((n) => this.#instance(name, n));
    await this.#commit({
      Type: 'peering-import-service',
      PeerName: this.#peerName,
      ServiceName: name,
      Nodes: instances,
    });
  }

  /** Applies an ExportedServiceList: services not listed are dropped. */
  async list(services: readonly string[]): Promise<void> {
    await this.#commit({
      Type: 'peering-import-list',
      PeerName: this.#peerName,
      Services: services.map(serviceNameOf),
    });
  }

  async #commit(cmd: PeeringWriteCommand): Promise<void> {
    const { result } = await this.#write(cmd);
    if (!result.ok) throw new Error(result.error);
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
