import { isDeepStrictEqual } from 'node:util';
import { WatchSet, type ServiceInput, type StateStore } from '../../state/index.js';
import {
  centralConfigName,
  mergeServiceConfig,
  resolveServiceConfig,
  takesCentralConfig,
  type CentralEntry,
} from './central-config.js';

/** The config entry reads the merge needs: proxy-defaults `global`, service-defaults by name, and their changes. */
export interface CentralConfigReader {
  proxyDefaults(): CentralEntry | undefined;
  serviceDefaults(name: string): CentralEntry | undefined;
  /** Calls `fn` after every write of a proxy-defaults or service-defaults entry; returns the unsubscribe. */
  onChange(fn: () => void): () => void;
}

/** A {@link CentralConfigReader} over the state store's config entries table. */
export function storeCentralConfig(
  store: Pick<StateStore, 'hub' | 'configEntry' | 'configEntries'>,
): CentralConfigReader {
  return {
    proxyDefaults: () => store.configEntry(undefined, 'proxy-defaults', 'global').value?.entry,
    serviceDefaults: (name) => store.configEntry(undefined, 'service-defaults', name).value?.entry,
    onChange: (fn) => {
      const ws = new WatchSet();
      store.configEntries(ws, 'proxy-defaults');
      store.configEntries(ws, 'service-defaults');
      return store.hub.subscribe(ws, fn);
    },
  };
}

/**
 * Keeps the registrations of this agent's proxies and gateways as they were made (Consul's service manager keeps
 * `registration` beside the merged service) so central config can be merged again when it changes, and removed
 * again when an entry is deleted.
 *
 * Bound: one entry per proxy/gateway registered on this agent, dropped when it is deregistered; the agent's own
 * registrations are the only writers, so the map never outgrows this node's services.
 */
export class CentralConfigMerger {
  readonly #reader: CentralConfigReader;
  readonly #originals = new Map<string, ServiceInput>();

  constructor(reader: CentralConfigReader) {
    this.#reader = reader;
  }

  /** Records `service` as registered and returns what the agent stores: the service with central config merged. */
  register(service: ServiceInput): ServiceInput {
    if (!takesCentralConfig(service)) {
      this.#originals.delete(service.ID);
      return service;
    }
    this.#originals.set(service.ID, structuredClone(service));
    return this.merged(service);
  }

  forget(serviceID: string): void {
    this.#originals.delete(serviceID);
  }

  /** `service` with the central config that applies to it now. */
  merged(service: ServiceInput): ServiceInput {
    const reader = this.#reader;
    const resolved = resolveServiceConfig(
      reader.proxyDefaults(),
      reader.serviceDefaults(centralConfigName(service)),
      service.Kind === 'connect-proxy'
        ? { service, serviceDefaultsOf: (name) => reader.serviceDefaults(name) }
        : undefined,
    );
    return mergeServiceConfig(resolved, service);
  }

  /**
   * The registrations whose merged form differs from `stored(id)` (the catalog's copy), merged afresh. A
   * registration no longer in the catalog (removed by a catalog deregister) is forgotten.
   */
  stale(stored: (serviceID: string) => ServiceInput | undefined): ServiceInput[] {
    const out: ServiceInput[] = [];
    for (const [id, original] of this.#originals) {
      const current = stored(id);
      if (!current) {
        this.#originals.delete(id);
        continue;
      }
      const next = this.merged(original);
      if (!isDeepStrictEqual(next.Proxy, current.Proxy)) out.push(next);
    }
    return out;
  }

  onChange(fn: () => void): () => void {
    return this.#reader.onChange(fn);
  }
}
