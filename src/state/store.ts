import type {
  CAConfigRecord,
  CARootRecord,
  HealthCheck,
  KVEntry,
  Node,
  NodeService,
  Peering,
  PeeringSecrets,
  PeeringTrustBundle,
} from '../types/index.js';
import { CommandCodec } from './command-codec.js';
import { IndexTable } from './index-table.js';
import { applyError, type ApplyResult } from './result.js';
import { isLegacySnapshot, legacySections } from './snapshot-v1.js';
import type { ApplyContext, Table } from './table.js';
import type { QueryResult, ServiceInstance, ServiceNameKinds } from './tables/catalog.js';
import type { ConfigEntryRecord } from './tables/config.js';
import { createTables, type Command, type Tables } from './tables/registry.js';
import { WatchHub, type WatchSet } from './watch.js';

/** What {@link StateStore.observe} calls: the topics one apply fired, or undefined after a restore. */
export type ChangeObserver = (topics: ReadonlySet<string> | undefined) => void;

/** Version of the snapshot layout: `{ Version, LastIndex, Tables: { <table name>: section } }`. 1 is legacy. */
const SNAPSHOT_VERSION = 2;

interface SnapshotV2 {
  Version: 2;
  LastIndex: number;
  Index: [string, number][];
  Tables: Record<string, unknown>;
}

/**
 * The in-memory state machine: a set of tables (`tables/registry.ts`) and the index table. It knows nothing of
 * where commands come from (the log) or who reads (HTTP, DNS): writes arrive through {@link apply} in index
 * order and are dispatched to the table that declares the command; reads take a {@link WatchSet} to record what a
 * blocking query must wait on. Snapshots are one section per table.
 *
 * NOTE: apply() must be deterministic (same state + command → same state) and must not throw for bad input: it
 * answers an error result and leaves state untouched, so every server replaying the log agrees.
 */
export class StateStore {
  readonly #indexes = new IndexTable();
  /** The tables, for consumers that read one directly (typed by the registry). */
  readonly tables: Tables = createTables({ indexes: this.#indexes });
  readonly #list: readonly Table[] = Object.values(this.tables);
  readonly #byCommand = new Map<string, Table>();
  readonly #codec: CommandCodec<Command>;
  #lastIndex = 0;
  /** Wakes blocking queries; fired after each apply. */
  readonly hub = new WatchHub();
  readonly #abandon = new AbortController();
  /** See {@link observe}: one per store-wide consumer (the export feed), never per client. */
  readonly #observers = new Set<ChangeObserver>();

  constructor() {
    for (const table of this.#list) {
      for (const type of table.commands) {
        const owner = this.#byCommand.get(type);
        if (owner) throw new Error(`command ${type} is declared by tables ${owner.name} and ${table.name}`);
        this.#byCommand.set(type, table);
      }
    }
    this.#codec = new CommandCodec<Command>(this.#list);
  }

  get lastIndex(): number {
    return this.#lastIndex;
  }

  get clusterId(): string {
    return this.tables.system.clusterId;
  }

  // ---------------------------------------------------------------- writes

  /** Encodes a command for the log (versioned: see `command-codec.ts`). */
  encode(cmd: Command): Buffer {
    return this.#codec.encode(cmd);
  }

  /** Applies one committed log entry at `index`: decodes (upgrading older encodings), then {@link apply}. */
  applyEncoded(index: number, data: Buffer): ApplyResult {
    const decoded = this.#codec.decode(data);
    if (!decoded.ok) {
      this.#lastIndex = Math.max(this.#lastIndex, index);
      return decoded.result;
    }
    return this.apply(index, decoded.cmd);
  }

  /** Applies one committed command at `index`. */
  apply(index: number, cmd: Command): ApplyResult {
    this.#lastIndex = Math.max(this.#lastIndex, index);
    const table = this.#byCommand.get(cmd.Type);
    if (!table) return applyError('ENT_ERR_COMMAND_UNSUPPORTED', `command type "${cmd.Type}" is not known`);
    const fired = new Set<string>();
    const keys: string[] = [];
    const indexes = this.#indexes;
    const ctx: ApplyContext = {
      index,
      bump(key) {
        indexes.set(key, index);
        fired.add(key);
      },
      fire(topic) {
        fired.add(topic);
      },
      touchKey(key) {
        keys.push(key);
      },
      retire(key) {
        indexes.retire(key);
      },
    };
    const result = table.apply(ctx, cmd);
    if (fired.size > 0 || keys.length > 0) this.hub.fire(fired, keys);
    if (fired.size > 0) for (const fn of this.#observers) fn(fired);
    return result;
  }

  // ---------------------------------------------------------------- reads (stable names; each delegates to its table)

  /** Highest index among `keys` (recorded in `ws`), never below 1 so blocking clients never spin on 0. */
  maxIndex(ws: WatchSet | undefined, ...keys: string[]): number {
    return this.#indexes.maxIndex(ws, ...keys);
  }

  nodes(ws: WatchSet | undefined, peer: string): QueryResult<Node[]> {
    return this.tables.catalog.nodes(ws, peer);
  }

  node(ws: WatchSet | undefined, peer: string, name: string): QueryResult<Node | null> {
    return this.tables.catalog.node(ws, peer, name);
  }

  nodeServices(
    ws: WatchSet | undefined,
    peer: string,
    name: string,
  ): QueryResult<{ node: Node; services: NodeService[] } | null> {
    return this.tables.catalog.nodeServices(ws, peer, name);
  }

  nodeChecks(ws: WatchSet | undefined, peer: string, name: string): QueryResult<HealthCheck[]> {
    return this.tables.catalog.nodeChecks(ws, peer, name);
  }

  services(ws: WatchSet | undefined, peer: string): QueryResult<ServiceInstance[]> {
    return this.tables.catalog.services(ws, peer);
  }

  /** Service names of a peer's (or the local, `''`) catalog with their kinds; see CatalogTable.serviceNames. */
  serviceNames(ws: WatchSet | undefined, peer: string): QueryResult<readonly ServiceNameKinds[]> {
    return this.tables.catalog.serviceNames(ws, peer);
  }

  serviceInstances(ws: WatchSet | undefined, peer: string, name: string): QueryResult<ServiceInstance[]> {
    return this.tables.catalog.serviceInstances(ws, peer, name);
  }

  instanceChecks(node: Node, serviceID: string): HealthCheck[] {
    return this.tables.catalog.instanceChecks(node, serviceID);
  }

  serviceChecks(ws: WatchSet | undefined, peer: string, name: string): QueryResult<HealthCheck[]> {
    return this.tables.catalog.serviceChecks(ws, peer, name);
  }

  checksInState(ws: WatchSet | undefined, peer: string, state: string): QueryResult<HealthCheck[]> {
    return this.tables.catalog.checksInState(ws, peer, state);
  }

  check(node: string, checkID: string): HealthCheck | undefined {
    return this.tables.catalog.check(node, checkID);
  }

  virtualIp(peer: string, name: string): string | undefined {
    return this.tables.catalog.virtualIp(peer, name);
  }

  kvGet(ws: WatchSet | undefined, key: string): QueryResult<KVEntry | null> {
    return this.tables.kv.kvGet(ws, key);
  }

  kvList(ws: WatchSet | undefined, prefix: string): QueryResult<KVEntry[]> {
    return this.tables.kv.kvList(ws, prefix);
  }

  configEntry(ws: WatchSet | undefined, kind: string, name: string): QueryResult<ConfigEntryRecord | null> {
    return this.tables.config.configEntry(ws, kind, name);
  }

  configEntries(ws: WatchSet | undefined, kind: string): QueryResult<ConfigEntryRecord[]> {
    return this.tables.config.configEntries(ws, kind);
  }

  peerings(ws: WatchSet | undefined): QueryResult<Peering[]> {
    return this.tables.peering.peerings(ws);
  }

  peering(ws: WatchSet | undefined, name: string): QueryResult<Peering | null> {
    return this.tables.peering.peering(ws, name);
  }

  peeringById(id: string): Peering | undefined {
    return this.tables.peering.peeringById(id);
  }

  peeringSecrets(id: string): PeeringSecrets | undefined {
    return this.tables.peering.peeringSecrets(id);
  }

  trustBundle(ws: WatchSet | undefined, peerName: string): QueryResult<PeeringTrustBundle | null> {
    return this.tables.peering.trustBundle(ws, peerName);
  }

  /** Names of services imported from `peerName` (instances present), sorted. */
  importedServiceNames(peerName: string): string[] {
    const names = new Set<string>();
    for (const inst of this.services(undefined, peerName).value) names.add(inst.service.Service);
    return [...names].sort();
  }

  caRoots(ws: WatchSet | undefined): QueryResult<CARootRecord[]> {
    return this.tables.ca.caRoots(ws);
  }

  /** The Connect CA configuration; undefined until the agent bootstraps the CA. */
  caConfig(ws: WatchSet | undefined): QueryResult<CAConfigRecord | undefined> {
    return this.tables.ca.caConfig(ws);
  }

  /** The active root's private key (PEM). Never rendered, never logged. */
  get caSigningKeyPem(): string {
    return this.tables.ca.signingKeyPem;
  }

  /** Number of index-table keys (per-object keys are dropped with their objects). */
  get indexKeyCount(): number {
    return this.#indexes.size;
  }

  // ---------------------------------------------------------------- snapshots

  /** Serializes the whole state as of {@link lastIndex}: one section per table. */
  snapshot(): Buffer {
    const data: SnapshotV2 = {
      Version: SNAPSHOT_VERSION,
      LastIndex: this.#lastIndex,
      Index: this.#indexes.snapshot(),
      Tables: Object.fromEntries(this.#list.map((t) => [t.name, t.snapshot()])),
    };
    return Buffer.from(JSON.stringify(data));
  }

  /** Replaces all state with a snapshot (this layout or the legacy one); blocking queries are woken to re-read. */
  restore(index: number, buf: Buffer): void {
    const raw = JSON.parse(buf.toString('utf8')) as { Version?: unknown };
    let data: SnapshotV2;
    if (isLegacySnapshot(raw)) data = { Version: 2, ...legacySections(raw) };
    else if (raw.Version === SNAPSHOT_VERSION) data = raw as SnapshotV2;
    else throw new Error(`unsupported snapshot version ${String(raw.Version)}`);
    this.#indexes.restore(data.Index);
    for (const table of this.#list) table.restore(data.Tables[table.name]);
    this.#lastIndex = Math.max(index, data.LastIndex);
    this.hub.fire(this.#indexes.keys());
    for (const fn of this.#observers) fn(undefined);
  }

  /**
   * Calls `fn` synchronously after every apply with the index keys and topics it fired, and with `undefined` after
   * a restore (everything may have changed). For store-wide consumers that follow changes incrementally instead of
   * rescanning (the peering export feed); `fn` must only record work. Returns the function that removes it.
   */
  observe(fn: ChangeObserver): () => void {
    this.#observers.add(fn);
    return () => {
      this.#observers.delete(fn);
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Wakes every blocking query for good (the store is going away). */
  abandon(): void {
    this.#abandon.abort(new Error('state store abandoned'));
  }

  /** Aborted once the store is abandoned (shutdown): waits on it end at once. */
  get abandoned(): AbortSignal {
    return this.#abandon.signal;
  }
}
