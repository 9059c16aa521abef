import type { ExportedServicesEntry } from '../config-entry/index.js';
import type { Clock } from '../lib/clock.js';
import { IDX, WatchSet, type StateStore } from '../state/index.js';

/** Name of the exported-services config entry in Consul CE. */
export const EXPORTED_SERVICES_NAME = 'default';
const SIDECAR_SUFFIX = '-sidecar-proxy';

/** What moved since the previous notification. */
export interface ExportChange {
  /** Local services (typical ones, and any named by the exported-services entry) whose data changed. */
  readonly changed: ReadonlySet<string>;
  /** The exported-services entry changed (who gets what may have changed). */
  readonly entryChanged: boolean;
  /** The set of local service names changed (matters to peers that get `*`). */
  readonly catalogChanged: boolean;
  /** The CA roots changed (the trust bundle peers receive). */
  readonly rootsChanged: boolean;
  /** When the change was observed (ms, the feed's clock): replication lag is measured from it. */
  readonly observedAt: number;
}

export type ExportListener = (change: ExportChange) => void;

/**
 * One watcher of the exported catalog per store, shared by every peer stream (fan-out without per-peer scans).
 *
 * On each wake it compares, once, the index of every candidate service with the previous scan and tells every
 * listener which services changed; each peer's stream then only checks those names against its own exports. The
 * list of local service names is rebuilt only when the catalog's `services` index moves (a registration, not a
 * health change). Listeners run synchronously and must only mark work (see PeerResources); the feed runs while it
 * has listeners and stops with the last.
 *
 * Memory: one version number per candidate service and the name list, bounded by the catalog.
 */
export class ExportFeed {
  readonly #store: StateStore;
  readonly #clock: Clock;
  readonly #listeners = new Set<ExportListener>();
  readonly #versions = new Map<string, number>();
  #typical: readonly string[] = [];
  #servicesIndex = -1;
  #entryIndex = -1;
  #rootsIndex = -1;
  #stop: AbortController | undefined;

  constructor(store: StateStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** The feed of `store`, created on first use. */
  static of(store: StateStore, clock: Clock): ExportFeed {
    let feed = FEEDS.get(store);
    if (!feed) {
      feed = new ExportFeed(store, clock);
      FEEDS.set(store, feed);
    }
    return feed;
  }

  /** Number of listeners (peer streams with an export subscription). */
  get listeners(): number {
    return this.#listeners.size;
  }

  /** Adds a listener (starting the watch loop if it is the first); returns the function that removes it. */
  subscribe(fn: ExportListener): () => void {
    this.#listeners.add(fn);
    if (!this.#stop) {
      const stop = new AbortController();
      this.#stop = stop;
      void this.#loop(stop.signal);
    }
    return () => {
      this.#listeners.delete(fn);
      if (this.#listeners.size === 0) {
        this.#stop?.abort();
        this.#stop = undefined;
      }
    };
  }

  /** The exported-services entry now, or undefined. */
  entry(): ExportedServicesEntry | undefined {
    const rec = this.#store.configEntry(undefined, 'exported-services', EXPORTED_SERVICES_NAME).value;
    return rec ? (rec.entry as unknown as ExportedServicesEntry) : undefined;
  }

  /** Local typical services (no proxies, no sidecars), what a `*` export covers; cached by catalog index. */
  typicalServices(): readonly string[] {
    const index = this.#store.maxIndex(undefined, IDX.services);
    if (index !== this.#servicesIndex) {
      this.#servicesIndex = index;
      const names = new Set<string>();
      for (const { service } of this.#store.services(undefined, '').value) {
        if (service.Kind === '' && !service.Service.endsWith(SIDECAR_SUFFIX)) names.add(service.Service);
      }
      this.#typical = [...names];
    }
    return this.#typical;
  }

  /** The version of a local service's exported data now: its index, moved by any change to what peers see. */
  version(name: string): number {
    return this.#store.maxIndex(undefined, IDX.service('', name));
  }

  async #loop(stop: AbortSignal): Promise<void> {
    let first = true;
    while (!stop.aborted) {
      const ws = new WatchSet();
      const change = this.#scan(ws);
      if (!first && this.#listeners.size > 0 && hasChange(change)) {
        for (const fn of [...this.#listeners]) fn(change);
      }
      first = false;
      await this.#store.hub.wait(ws, { signals: [stop] });
    }
    // A later subscriber restarts from a fresh scan.
    this.#versions.clear();
    this.#entryIndex = -1;
    this.#rootsIndex = -1;
  }

  /** One pass over the candidates: records their watch topics and answers what moved since the last pass. */
  #scan(ws: WatchSet): ExportChange {
    const observedAt = this.#clock.now();
    const servicesBefore = this.#servicesIndex;
    ws.add(IDX.services);
    const typical = this.typicalServices();
    const catalogChanged = servicesBefore !== this.#servicesIndex;
    const entryIndex = this.#store.maxIndex(ws, IDX.configEntry('exported-services', EXPORTED_SERVICES_NAME));
    const entryChanged = entryIndex !== this.#entryIndex;
    this.#entryIndex = entryIndex;
    const rootsIndex = this.#store.caRoots(ws).index;
    const rootsChanged = rootsIndex !== this.#rootsIndex;
    this.#rootsIndex = rootsIndex;

    const candidates = new Set(typical);
    for (const svc of this.entry()?.Services ?? []) if (svc.Name !== '*') candidates.add(svc.Name);
    candidates.delete('consul');
    const changed = new Set<string>();
    for (const name of candidates) {
      const v = this.#store.maxIndex(ws, IDX.service('', name));
      if (this.#versions.get(name) !== v) {
        this.#versions.set(name, v);
        changed.add(name);
      }
    }
    for (const name of this.#versions.keys()) {
      if (!candidates.has(name)) {
        this.#versions.delete(name);
        changed.add(name);
      }
    }
    return { changed, entryChanged, catalogChanged, rootsChanged, observedAt };
  }
}

function hasChange(c: ExportChange): boolean {
  return c.changed.size > 0 || c.entryChanged || c.catalogChanged || c.rootsChanged;
}

const FEEDS = new WeakMap<StateStore, ExportFeed>();
