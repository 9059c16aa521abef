import type { ExportedServicesEntry } from '../config-entry/index.js';
import type { Clock } from '../lib/clock.js';
import { IDX } from '../state/index.js';
import { CHAIN_KINDS } from './mesh-export.js';
import type { ExportFeedStore } from './store.js';

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
  /**
   * What the synthetic `<service>-sidecar-proxy` exports are built from may have moved: a local mesh gateway or
   * connect proxy, a chain config entry (protocol, targets), a candidate's Connect-native flag, or the name set.
   */
  readonly meshChanged: boolean;
  /** When the change was observed (ms, the feed's clock): replication lag is measured from it. */
  readonly observedAt: number;
}

export type ExportListener = (change: ExportChange) => void;

/** Test seam: called once per service whose index a pass reads (the work a pass does per service). */
export interface ExportFeedHooks {
  serviceChecked?(name: string): void;
  /**
   * A pass or a listener threw (a bug). The feed keeps running: the failed pass is redone in full at the next
   * wake, and the other listeners are still told, so one fault never silently stops every peer's exports.
   */
  onError?(err: unknown, where: 'pass' | 'listener'): void;
}

/** Index key of the local service `name` starts with this (see IDX.service). */
const LOCAL_SERVICE_PREFIX = IDX.service('', '');
/** Past this many distinct pending services a pass rescans every candidate instead (bounds the pending set). */
const PENDING_MAX = 65_536;

/**
 * One watcher of the exported catalog per store, shared by every peer stream (fan-out without per-peer scans).
 *
 * It follows the store's changes ({@link ExportFeedStore.observe}): each apply names the index keys it moved, so the
 * feed collects the local services whose key moved, and a pass reads the index of those only and tells every
 * listener which of them changed; each peer's stream then only checks those names against its own exports. The
 * `*` list (local typical services) comes from the catalog's name read, which moves only when a name (or a kind
 * of it) appears or disappears; only then, or when the exported-services entry moves, are the candidates
 * compared as a whole. A restore makes the next pass rescan everything. Listeners run synchronously and must only
 * mark work (see PeerResources); the feed runs while it has listeners and stops with the last.
 *
 * Memory: one version number per candidate service, the name list, the index keys of proxy and gateway names,
 * the candidates with a Connect-native instance, and the pending services between two passes (bounded by the
 * catalog and by PENDING_MAX, past which the pass rescans all candidates).
 */
export class ExportFeed {
  readonly #store: ExportFeedStore;
  readonly #clock: Clock;
  readonly #hooks: ExportFeedHooks;
  readonly #listeners = new Set<ExportListener>();
  readonly #versions = new Map<string, number>();
  #typical: readonly string[] = [];
  /** The names index {@link typicalServices} answered for (its cache), and the one the last pass saw. */
  #namesIndex = -1;
  #passNamesIndex = -1;
  #entryIndex = -1;
  #rootsIndex = -1;
  /** The candidates (typical services and those the entry names), and by lower-cased name (index keys). */
  #candidates = new Set<string>();
  #byKey = new Map<string, string[]>();
  /** Index keys of local connect-proxy and mesh-gateway names (refreshed with the names read). */
  #meshKeys = new Set<string>();
  /** A chain config entry (service-defaults, proxy-defaults, router, splitter, resolver) moved. */
  #meshConfigMoved = false;
  /** Candidates with a Connect-native instance (compared when a candidate's index moves). */
  readonly #native = new Map<string, boolean>();
  /** Index keys of local services that moved since the last pass. */
  readonly #pending = new Set<string>();
  /** The next pass compares every candidate (first pass, restore, pending overflow). */
  #full = true;
  #wake: (() => void) | undefined;
  #stop: AbortController | undefined;

  constructor(store: ExportFeedStore, clock: Clock, hooks: ExportFeedHooks = {}) {
    this.#store = store;
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** The feed of `store`, created on first use. */
  static of(store: ExportFeedStore, clock: Clock, hooks: ExportFeedHooks = {}): ExportFeed {
    let feed = FEEDS.get(store);
    if (!feed) {
      feed = new ExportFeed(store, clock, hooks);
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

  /** Local typical services (no proxies, no sidecars), what a `*` export covers; cached by the names index. */
  typicalServices(): readonly string[] {
    const names = this.#store.serviceNames(undefined, '');
    if (names.index !== this.#namesIndex) {
      this.#namesIndex = names.index;
      this.#typical = names.value
        .filter((n) => n.kinds.includes('') && !n.name.endsWith(SIDECAR_SUFFIX))
        .map((n) => n.name);
      this.#meshKeys = new Set(
        names.value
          .filter((n) => n.kinds.includes('connect-proxy') || n.kinds.includes('mesh-gateway'))
          .map((n) => IDX.service('', n.name)),
      );
    }
    return this.#typical;
  }

  /** The version of a local service's exported data now: its index, moved by any change to what peers see. */
  version(name: string): number {
    return this.#store.maxIndex(undefined, IDX.service('', name));
  }

  async #loop(stop: AbortSignal): Promise<void> {
    // Every run starts from a full pass (a stopping run may still be winding down: it touches nothing after this).
    this.#versions.clear();
    this.#native.clear();
    this.#meshConfigMoved = false;
    this.#pending.clear();
    this.#full = true;
    this.#passNamesIndex = -1;
    this.#entryIndex = -1;
    this.#rootsIndex = -1;
    const unobserve = this.#store.observe((topics) => {
      this.#collect(topics);
    });
    let first = true;
    try {
      while (!stop.aborted) {
        this.#passAndNotify(first);
        first = false;
        await this.#nextWake(stop);
      }
    } finally {
      unobserve();
    }
  }

  #passAndNotify(first: boolean): void {
    let change: ExportChange;
    try {
      change = this.#pass();
    } catch (err) {
      this.#full = true;
      this.#hooks.onError?.(err, 'pass');
      return;
    }
    if (first || this.#listeners.size === 0 || !hasChange(change)) return;
    for (const fn of [...this.#listeners]) {
      try {
        fn(change);
      } catch (err) {
        this.#hooks.onError?.(err, 'listener');
      }
    }
  }

  /** Records what one apply moved; wakes the loop when it matters to exports. */
  #collect(topics: ReadonlySet<string> | undefined): void {
    let relevant = topics === undefined;
    if (topics === undefined) this.#full = true;
    for (const topic of topics ?? []) {
      if (topic.startsWith(LOCAL_SERVICE_PREFIX)) {
        this.#pending.add(topic);
        relevant = true;
      } else if (topic === NAMES_KEY || topic === ENTRY_KEY || topic === IDX.caRoots) {
        relevant = true;
      } else if (MESH_CONFIG_KEYS.has(topic)) {
        this.#meshConfigMoved = true;
        relevant = true;
      }
    }
    if (this.#pending.size > PENDING_MAX) {
      this.#pending.clear();
      this.#full = true;
    }
    if (relevant) this.#wake?.();
  }

  /** Resolves at the next relevant change (at once if one came since the last pass) or when `stop` aborts. */
  #nextWake(stop: AbortSignal): Promise<void> {
    if (this.#full || this.#pending.size > 0 || this.#meshConfigMoved || stop.aborted)
      return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        if (this.#wake === done) this.#wake = undefined;
        stop.removeEventListener('abort', done);
        resolve();
      };
      this.#wake = done;
      stop.addEventListener('abort', done, { once: true });
    });
  }

  /** One pass: answers what moved since the last pass, reading the index of changed services only. */
  #pass(): ExportChange {
    const observedAt = this.#clock.now();
    // Compared with the last pass, not with the typicalServices cache (peers' streams read that between passes).
    const typical = this.typicalServices();
    const catalogChanged = this.#namesIndex !== this.#passNamesIndex;
    this.#passNamesIndex = this.#namesIndex;
    const entryIndex = this.#store.maxIndex(undefined, ENTRY_KEY);
    const entryChanged = entryIndex !== this.#entryIndex;
    this.#entryIndex = entryIndex;
    const rootsIndex = this.#store.caRoots(undefined).index;
    const rootsChanged = rootsIndex !== this.#rootsIndex;
    this.#rootsIndex = rootsIndex;

    let meshChanged = this.#full || catalogChanged || this.#meshConfigMoved;
    this.#meshConfigMoved = false;
    if (!meshChanged) for (const key of this.#pending) if (this.#meshKeys.has(key)) meshChanged = true;

    const changed = new Set<string>();
    if (this.#full || catalogChanged || entryChanged) this.#refreshCandidates(typical, changed);
    if (this.#full) {
      for (const name of this.#candidates) this.#check(name, changed);
    } else {
      for (const key of this.#pending) {
        // Names already in `changed` were read this pass (new candidates).
        for (const name of this.#byKey.get(key) ?? []) if (!changed.has(name)) this.#check(name, changed);
      }
    }
    this.#pending.clear();
    this.#full = false;
    for (const name of changed) if (this.#nativeMoved(name)) meshChanged = true;
    return { changed, entryChanged, catalogChanged, rootsChanged, meshChanged, observedAt };
  }

  /** Re-reads whether candidate `name` has a Connect-native instance; true when that flipped. */
  #nativeMoved(name: string): boolean {
    if (!this.#candidates.has(name)) return this.#native.delete(name);
    const native = this.#store
      .serviceInstances(undefined, '', name)
      .value.some((i) => i.service.Kind === '' && i.service.Connect?.['Native'] === true);
    const before = this.#native.get(name) ?? false;
    if (native) this.#native.set(name, true);
    else this.#native.delete(name);
    return native !== before;
  }

  /** Recomputes the candidates; new ones are compared (below or by the full pass), dropped ones reported. */
  #refreshCandidates(typical: readonly string[], changed: Set<string>): void {
    const candidates = new Set(typical);
    for (const svc of this.entry()?.Services ?? []) if (svc.Name !== '*') candidates.add(svc.Name);
    candidates.delete('consul');
    const byKey = new Map<string, string[]>();
    for (const name of candidates) {
      const key = IDX.service('', name);
      const same = byKey.get(key);
      if (same) same.push(name);
      else byKey.set(key, [name]);
      if (!this.#full && !this.#versions.has(name)) this.#check(name, changed);
    }
    for (const name of this.#versions.keys()) {
      if (!candidates.has(name)) {
        this.#versions.delete(name);
        changed.add(name);
      }
    }
    this.#candidates = candidates;
    this.#byKey = byKey;
  }

  /** Reads the index of candidate `name`; adds it to `changed` when it moved since the last read. */
  #check(name: string, changed: Set<string>): void {
    this.#hooks.serviceChecked?.(name);
    const v = this.#store.maxIndex(undefined, IDX.service('', name));
    if (this.#versions.get(name) !== v) {
      this.#versions.set(name, v);
      changed.add(name);
    }
  }
}

const NAMES_KEY = IDX.serviceNames('');
const ENTRY_KEY = IDX.configEntry('exported-services', EXPORTED_SERVICES_NAME);
/** Config kinds a synthetic proxy's protocol and SPIFFE IDs are compiled from (see mesh-export.ts). */
const MESH_CONFIG_KEYS: ReadonlySet<string> = new Set(CHAIN_KINDS.map((k) => IDX.configKind(k)));

function hasChange(c: ExportChange): boolean {
  return c.changed.size > 0 || c.entryChanged || c.catalogChanged || c.rootsChanged || c.meshChanged;
}

const FEEDS = new WeakMap<ExportFeedStore, ExportFeed>();
