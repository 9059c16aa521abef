import type { ExportCatalogReads } from './store.js';

/**
 * Per-peer caps on what a peer may import into our catalog (`peering { import_max_services, import_max_instances }`,
 * defaults in `DEFAULT_STREAM_LIMITS`). Consul has none: an authenticated peer could make us store any number of
 * services and instances.
 */
export interface ImportCaps {
  /** Services (with at least one instance) imported from the peer. */
  maxServices: number;
  /** Instances imported from the peer, all services together. */
  maxInstances: number;
}

/** Which cap refused an update. */
export type ImportCapKind = 'services' | 'instances';

/** What a peer has imported against its caps (queued writes included), for the peering read. */
export interface ImportUsage {
  services: number;
  instances: number;
  maxServices: number;
  maxInstances: number;
}

/**
 * A service update refused because storing it would pass a cap. The stream answers it with a NACK
 * (`RESOURCE_EXHAUSTED`, this message); nothing of the update is stored and everything imported before is kept.
 */
export class ImportCapError extends Error {
  readonly cap: ImportCapKind;
  readonly limit: number;
  readonly service: string;

  constructor(cap: ImportCapKind, limit: number, service: string, message: string) {
    super(message);
    this.name = 'ImportCapError';
    this.cap = cap;
    this.limit = limit;
    this.service = service;
  }
}

/** The instance count of each service the store holds for the peer (the ledger's starting point). */
export type StoredImportCounts = () => Iterable<readonly [service: string, instances: number]>;

/** Reads what the store holds of `peer`'s imports: one entry per service, its instance count. */
export function storedImportCounts(
  store: Pick<ExportCatalogReads, 'serviceNames' | 'serviceInstances'>,
  peer: string,
): StoredImportCounts {
  return function* () {
    for (const { name } of store.serviceNames(undefined, peer).value) {
      yield [name, store.serviceInstances(undefined, peer, name).value.length] as const;
    }
  };
}

/**
 * Counts what one peer's imports hold, per service, and refuses a service update that would pass a cap.
 *
 * Overflow policy: an update is checked when it is queued (so in the peer's order), against what is stored plus what
 * is queued before it. It is refused when it would add a service past `maxServices`, or raise the instance total
 * past `maxInstances`; a refused update is not stored at all (not even the instances that would fit: a service is
 * all or nothing) and the service keeps its previous version. Updates that do not grow a count are always
 * accepted, so a peer past a lowered cap can still shrink and delete; nothing already stored is evicted. Once the
 * peer deletes enough (an emptied service, an `ExportedServiceList` without it), later updates fit and are stored.
 * A refused service is not requested again: it is imported when the peer next sends it (its next change, or the full
 * resend of the next stream).
 *
 * Counts: a service counts while it has at least one instance (an empty one is not stored); an instance is counted
 * once per entry the peer sends (duplicates count twice, which only errs on the safe side). The ledger starts from
 * the store (`stored`, what earlier streams left) and follows the queued updates and lists. After a refused or failed
 * write it is read from the store again and the queued updates replayed (see ImportBatcher), so it never drifts
 * from what is stored. An old stream's imports still committing when a replacing stream starts are not in the new
 * stream's starting point: the cap may be passed by at most those (64 updates, `MAX_INFLIGHT_IMPORTS`) until the
 * next reread.
 *
 * Bounded: one entry per imported service, so by `maxServices` (or what was stored before a lowered cap).
 */
export class ImportLedger {
  readonly #caps: ImportCaps;
  readonly #stored: StoredImportCounts;
  /** lower-cased service name → instances counted (only services with at least one) */
  readonly #byService = new Map<string, number>();
  #instances = 0;

  constructor(caps: ImportCaps, stored: StoredImportCounts = () => []) {
    this.#caps = caps;
    this.#stored = stored;
    this.reseed();
  }

  /** Starts over from what the store holds. */
  reseed(): void {
    this.#byService.clear();
    this.#instances = 0;
    for (const [name, count] of this.#stored()) this.record(name, count);
  }

  /** Checks an update of `name` to `count` instances against the caps and records it; throws {@link ImportCapError}. */
  admit(name: string, count: number): void {
    const key = name.toLowerCase();
    const prev = this.#byService.get(key) ?? 0;
    const { maxServices, maxInstances } = this.#caps;
    if (prev === 0 && count > 0 && this.#byService.size + 1 > maxServices) {
      throw new ImportCapError(
        'services',
        maxServices,
        name,
        `import cap reached: service "${name}" not imported: ${String(this.#byService.size)} services are imported from this peer, the limit is peering.import_max_services = ${String(maxServices)}`,
      );
    }
    const total = this.#instances - prev + count;
    if (count > prev && total > maxInstances) {
      throw new ImportCapError(
        'instances',
        maxInstances,
        name,
        `import cap reached: service "${name}" not imported: its ${String(count)} instances would make ${String(total)} imported from this peer, the limit is peering.import_max_instances = ${String(maxInstances)}`,
      );
    }
    this.record(name, count);
  }

  /** Records `name` as holding `count` instances, without checking (what the store holds, or a queued replace). */
  record(name: string, count: number): void {
    const key = name.toLowerCase();
    this.#instances -= this.#byService.get(key) ?? 0;
    if (count > 0) {
      this.#byService.set(key, count);
      this.#instances += count;
    } else {
      this.#byService.delete(key);
    }
  }

  /** Keeps only the services an `ExportedServiceList` names (and their sidecar proxies), as the store does. */
  retain(services: readonly string[]): void {
    const listed = new Set<string>();
    for (const s of services) {
      listed.add(s.toLowerCase());
      listed.add(`${s}-sidecar-proxy`.toLowerCase());
    }
    for (const [name, count] of [...this.#byService]) {
      if (listed.has(name)) continue;
      this.#byService.delete(name);
      this.#instances -= count;
    }
  }

  get usage(): ImportUsage {
    return {
      services: this.#byService.size,
      instances: this.#instances,
      maxServices: this.#caps.maxServices,
      maxInstances: this.#caps.maxInstances,
    };
  }
}
