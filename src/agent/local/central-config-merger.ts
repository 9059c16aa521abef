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

/** A proxy or gateway as the agent writes it: the merged service, and the registration as made. */
export interface MergedRegistration {
  readonly service: ServiceInput;
  /** The registration before central config; undefined for typical services, which take none. */
  readonly original: ServiceInput | undefined;
}

/**
 * Merges central config into this agent's proxy and gateway registrations (Consul's service manager, which keeps
 * `registration` beside the merged service). The registrations as made are not kept here: they are written with
 * the service (the `register` command's `Original`) and read back from the state store, so they survive restarts
 * and go when their service goes. Holds nothing but the config reader.
 */
export class CentralConfigMerger {
  readonly #reader: CentralConfigReader;

  constructor(reader: CentralConfigReader) {
    this.#reader = reader;
  }

  /** What the agent stores for `service` as registered: merged with central config, and the original to keep. */
  register(service: ServiceInput): MergedRegistration {
    if (!takesCentralConfig(service)) return { service, original: undefined };
    return { service: this.merged(service), original: structuredClone(service) };
  }

  /** `service` with the central config that applies to it now. */
  merged(service: ServiceInput): ServiceInput {
    const reader = this.#reader;
    const resolved = resolveServiceConfig(
      reader.proxyDefaults(),
      reader.serviceDefaults(centralConfigName(service)),
      { service, serviceDefaultsOf: (name) => reader.serviceDefaults(name) },
    );
    return mergeServiceConfig(resolved, service);
  }

  /**
   * Of `originals` (the kept registrations), those whose merged form differs from `stored(id)` (the catalog's
   * copy), merged afresh. One no longer in the catalog is skipped (its original goes with it).
   */
  stale(
    originals: readonly ServiceInput[],
    stored: (serviceID: string) => ServiceInput | undefined,
  ): MergedRegistration[] {
    const out: MergedRegistration[] = [];
    for (const original of originals) {
      const current = stored(original.ID);
      if (!current) continue;
      const next = this.merged(original);
      if (!isDeepStrictEqual(next.Proxy, current.Proxy)) out.push({ service: next, original });
    }
    return out;
  }

  onChange(fn: () => void): () => void {
    return this.#reader.onChange(fn);
  }
}
