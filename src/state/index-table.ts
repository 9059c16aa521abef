import type { WatchSet } from './watch.js';

/** Index-table keys. They double as watch topics: bumping a key wakes the blocking queries that read it. */
export const IDX = {
  nodes: 'nodes',
  services: 'services',
  checks: 'checks',
  kvs: 'kvs',
  configEntries: 'config-entries',
  system: 'system',
  peerings: 'peerings',
  /** Moves exactly when the list of CA roots or the active root changes (peers' trust bundles follow it). */
  caRoots: 'ca-roots',
  caConfig: 'ca-config',
  /** Moved by every signed leaf certificate (`ca-leaf-index`). */
  caLeaf: 'ca-leaf',
  trustBundles: 'peering-trust-bundles',
  service: (peer: string, name: string): string => `service.${peer}/${name.toLowerCase()}`,
  /** The set of (service name, kind) pairs of a peer's catalog: moves only when a pair appears or disappears. */
  serviceNames: (peer: string): string => `service-names.${peer}`,
  node: (peer: string, name: string): string => `node.${peer}/${name.toLowerCase()}`,
  kv: (key: string): string => `kv.${key}`,
  configKind: (kind: string): string => `config.${kind}`,
  configEntry: (kind: string, name: string): string => `config.${kind}/${name}`,
} as const;

/**
 * Per-object keys and the table-wide key that stands in for them once the object is gone (Consul's
 * `maxIndexForService` falls back to the services table the same way). A table-wide key moves with every change
 * of its table, the deletion included, so the fallback is never below the dropped key: no read goes backwards.
 */
const FALLBACKS: readonly (readonly [string, string])[] = [
  ['service.', IDX.services],
  ['service-names.', IDX.services],
  ['node.', IDX.nodes],
  ['config.', IDX.configEntries],
];

/**
 * The index table: the last index that changed each key. Per-object keys are dropped when their object is gone
 * ({@link retire}), so the table holds one entry per live object plus one per table, not one per object ever seen.
 */
export class IndexTable {
  #index = new Map<string, number>();

  /** The index of `key`, or of the table that stands in for it; 0 when nothing ever changed. */
  get(key: string): number {
    const own = this.#index.get(key);
    if (own !== undefined) return own;
    for (const [prefix, table] of FALLBACKS) if (key.startsWith(prefix)) return this.#index.get(table) ?? 0;
    return 0;
  }

  /** Highest index among `keys` (recorded in `ws`), never below 1 so blocking clients never spin on 0. */
  maxIndex(ws: WatchSet | undefined, ...keys: string[]): number {
    let max = 0;
    for (const key of keys) {
      ws?.add(key);
      max = Math.max(max, this.get(key));
    }
    return Math.max(1, max);
  }

  set(key: string, index: number): void {
    this.#index.set(key, index);
  }

  /** Drops a per-object key (its object is gone); reads fall back to the table key. */
  retire(key: string): void {
    this.#index.delete(key);
  }

  /** Number of keys held, for tests and metrics. */
  get size(): number {
    return this.#index.size;
  }

  keys(): IterableIterator<string> {
    return this.#index.keys();
  }

  /** The snapshot section: `[key, index]` pairs. */
  snapshot(): [string, number][] {
    return [...this.#index.entries()];
  }

  restore(entries: readonly [string, number][]): void {
    this.#index = new Map(entries);
  }
}
