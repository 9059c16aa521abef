import type { NodeService } from '../../types/index.js';
import type { ApplyResult } from '../result.js';
import type { Table } from '../table.js';
import { peerKey } from './keys.js';

/** A service as an agent registered it, before central config was merged in (no indexes: it is never served). */
type OriginalService = Omit<NodeService, 'CreateIndex' | 'ModifyIndex'>;

interface ServiceOriginalsSection {
  /** `[node key, service as registered]` */
  Originals: [string, OriginalService][];
}

/**
 * The registrations of local proxies and gateways as their agent made them, before proxy-defaults and
 * service-defaults were merged in (Consul persists the same in the agent's data dir, `persistService`). The
 * catalog holds the merged service; this holds what to merge again when central config changes, so deleting a
 * config entry reverts what it added, also after a restart.
 *
 * Written only by the catalog, in the same apply as the service itself (the `register` command's `Original`):
 * a register with an `Original` stores it, a register without one drops it (the service was replaced as given),
 * and a service leaving the catalog (deregistration of it or its node) takes its original with it. So the two
 * never disagree, whatever order servers replay the log in. Bound: at most one original per local service.
 * No index keys: the originals are read by the agent, never served or watched.
 */
export class ServiceOriginalsTable implements Table<never> {
  readonly name = 'service-originals';
  readonly commands = [] as const;
  /** node key → service ID → registration as made */
  #byNode = new Map<string, Map<string, OriginalService>>();

  apply(): ApplyResult {
    throw new Error('service-originals has no commands');
  }

  set(nodeKey: string, serviceID: string, original: OriginalService): void {
    let services = this.#byNode.get(nodeKey);
    if (!services) this.#byNode.set(nodeKey, (services = new Map<string, OriginalService>()));
    services.set(serviceID, original);
  }

  delete(nodeKey: string, serviceID: string): void {
    const services = this.#byNode.get(nodeKey);
    if (!services?.delete(serviceID)) return;
    if (services.size === 0) this.#byNode.delete(nodeKey);
  }

  /** The stored registrations of the services of `nodeName` in the local catalog (the only ones that have any). */
  ofLocalNode(nodeName: string): OriginalService[] {
    return [...(this.#byNode.get(peerKey('', nodeName))?.values() ?? [])];
  }

  snapshot(): ServiceOriginalsSection {
    return {
      Originals: [...this.#byNode.entries()].flatMap(([key, m]) =>
        [...m.values()].map((s): [string, OriginalService] => [key, s]),
      ),
    };
  }

  restore(section: unknown): void {
    const s = section as ServiceOriginalsSection | undefined;
    this.#byNode = new Map();
    for (const [key, svc] of s?.Originals ?? []) this.set(key, svc.ID, svc);
  }
}
