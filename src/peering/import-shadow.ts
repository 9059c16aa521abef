import type { ImportedInstance, ImportedInstanceRef, ImportedServiceUpdate } from '../state/index.js';

/** A service update and the JSON bytes of the instances it writes. */
export interface ShadowDiff {
  update: ImportedServiceUpdate;
  bytes: number;
}

/**
 * What one stream's importer has written (or queued) per service: each instance's JSON, keyed by node name and
 * service ID. An update is diffed against it, so a flip of one instance writes that instance only, and an
 * instance no longer sent is removed by name. A service not known here (the stream's first update of it, or after
 * {@link clear}) gets a full replace instead, which is exact whatever is stored.
 *
 * It stays exact because it is per stream and the log applies the stream's commands in the order they were
 * queued: the shadow always equals what is stored once every queued command has applied. When a command fails,
 * the importer clears it (see ImportBatcher), so the next update of each service is a full replace again.
 *
 * Bounded by the peer's exported services: one entry per imported service (the same data the catalog holds); a
 * service the peer stops listing is forgotten ({@link retain}).
 */
export class ImportShadow {
  /** lower-cased service name → instance key → JSON of the instance as last queued */
  readonly #services = new Map<string, Map<string, string>>();

  /** Diffs `instances` (the service's full set) against the shadow and records them as the new state. */
  diff(name: string, instances: readonly ImportedInstance[]): ShadowDiff {
    const prev = this.#services.get(name.toLowerCase());
    const next = new Map<string, string>();
    const upserts: ImportedInstance[] = [];
    let bytes = 0;
    for (const inst of instances) {
      const key = instanceKey(inst.Node.Node, inst.Service.ID);
      const json = JSON.stringify(inst);
      next.set(key, json);
      if (prev?.get(key) !== json) {
        upserts.push(inst);
        bytes += json.length;
      }
    }
    const removes: ImportedInstanceRef[] = [];
    for (const key of prev?.keys() ?? []) if (!next.has(key)) removes.push(refOf(key));
    this.#services.set(name.toLowerCase(), next);
    return {
      update: { ServiceName: name, Replace: prev === undefined, Upserts: upserts, Removes: removes },
      bytes,
    };
  }

  /** Records a full replace of `name` with `instances` (a queued update turned into a replace). */
  replaced(name: string, instances: readonly ImportedInstance[]): void {
    const next = new Map<string, string>();
    for (const inst of instances)
      next.set(instanceKey(inst.Node.Node, inst.Service.ID), JSON.stringify(inst));
    this.#services.set(name.toLowerCase(), next);
  }

  /** Keeps only the services an `ExportedServiceList` names (and their sidecar proxies), as the store does. */
  retain(services: readonly string[]): void {
    const listed = new Set<string>();
    for (const s of services) {
      listed.add(s.toLowerCase());
      listed.add(`${s}-sidecar-proxy`.toLowerCase());
    }
    for (const name of [...this.#services.keys()]) if (!listed.has(name)) this.#services.delete(name);
  }

  /** Forgets everything: the next update of every service is a full replace. */
  clear(): void {
    this.#services.clear();
  }

  /** Services known (for tests and the bound). */
  get size(): number {
    return this.#services.size;
  }
}

function instanceKey(node: string, serviceID: string): string {
  return `${node}\u0001${serviceID}`;
}

function refOf(key: string): ImportedInstanceRef {
  const sep = key.indexOf('\u0001');
  return { Node: key.slice(0, sep), ServiceID: key.slice(sep + 1) };
}
