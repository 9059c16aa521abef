import { createHash } from 'node:crypto';
import type { ImportedInstance, ImportedInstanceRef, ImportedServiceUpdate } from '../state/index.js';

/** A service update and the JSON bytes of the instances it writes. */
export interface ShadowDiff {
  update: ImportedServiceUpdate;
  bytes: number;
}

/**
 * What one stream's importer has written (or queued) per service: a digest of each instance's JSON (see
 * {@link instanceDigest}), keyed by node name and service ID. An update is diffed against it, so a flip of one instance writes that instance only, and an
 * instance no longer sent is removed by name. A service not known here (the stream's first update of it, or after
 * {@link clear}) gets a full replace instead, which is exact whatever is stored.
 *
 * It stays exact because it is per stream and the log applies the stream's commands in the order they were
 * queued: the shadow always equals what is stored once every queued command has applied. When a command fails,
 * the importer clears it (see ImportBatcher), so the next update of each service is a full replace again.
 *
 * Bounded by the peer's imports: one entry per imported service and, in it, one 16-byte digest per instance (not a
 * copy of the instance: about 100 bytes per instance with its key, whatever the instance's size); the number of
 * instances and services is bounded by the import caps (see ImportLedger). A service the peer stops listing is
 * forgotten ({@link retain}).
 */
export class ImportShadow {
  /** lower-cased service name → instance key → digest of the instance's JSON as last queued */
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
      const digest = instanceDigest(json);
      next.set(key, digest);
      if (prev?.get(key) !== digest) {
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
      next.set(instanceKey(inst.Node.Node, inst.Service.ID), instanceDigest(JSON.stringify(inst)));
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

/**
 * 128 bits of the SHA-256 of an instance's JSON, as a 16-character latin1 string (about 32 bytes of heap instead of
 * the JSON's 500 bytes or more). Equal digests are taken to mean an unchanged instance, whose write is skipped.
 *
 * Collisions: if a changed instance had the digest of its previous version, its write would be skipped and the store
 * would keep the previous version until the instance's next change (or the next stream's full replace). That can
 * only touch the sending peer's own data, never ours or another peer's (a peer that wants an update ignored can
 * simply not send it). A strong hash still makes it practically impossible: an accidental collision between two
 * versions of one instance is 2^-128 likely, and a peer cannot craft one (SHA-256 has no known collision attack;
 * truncated to 128 bits, a birthday search still takes 2^64 work). A fast non-cryptographic 64-bit hash was not
 * used because a peer could craft collisions for it, and SHA-256 costs about what the `JSON.stringify` before it
 * does. The bytes are kept as a 16-character one-byte string: the cheapest Map value that compares by content.
 */
export function instanceDigest(json: string): string {
  return createHash('sha256').update(json).digest().toString('latin1', 0, 16);
}

function instanceKey(node: string, serviceID: string): string {
  return `${node}\u0001${serviceID}`;
}

function refOf(key: string): ImportedInstanceRef {
  const sep = key.indexOf('\u0001');
  return { Node: key.slice(0, sep), ServiceID: key.slice(sep + 1) };
}
