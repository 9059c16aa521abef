/**
 * What peering needs of the state store, declared here by its consumer (as dns/ does with `DnsCatalog`): the reads
 * of the catalog, config entries, CA roots and peerings, the change hook the export feed follows, and the commands
 * peering writes. `StateStore` satisfies these structurally; tests may hand in fakes that implement only the part
 * the code under test uses, and another store backend only has to provide these to carry peering.
 *
 * Reads take `ws: undefined` (a plain read) except where a caller blocks on the result (`peerings`, with the
 * `hub` that waits on it).
 */
import type {
  ApplyResult,
  CARootRecord,
  ChangeObserver,
  Command,
  ConfigEntryRecord,
  QueryResult,
  ServiceInstance,
  ServiceNameKinds,
  WatchHub,
  WatchSet,
} from '../state/index.js';
import type { HealthCheck, Node, Peering, PeeringSecrets } from '../types/index.js';

/** The commands peering writes: every one of them is a `peering-*` command of the peering table. */
export type PeeringWriteCommand = Extract<Command, { Type: `peering-${string}` }>;

/** Commits one peering command and resolves once it is applied (the agent's write path). */
export type PeeringWrite = (cmd: PeeringWriteCommand) => Promise<{ index: number; result: ApplyResult }>;

/** Catalog reads of this cluster's (peer `''`) services: what is exported, and the index keys that version it. */
export interface ExportCatalogReads {
  /** Highest modify index of the given index keys (`IDX.*`). */
  maxIndex(ws: undefined, ...keys: string[]): number;
  serviceNames(ws: undefined, peer: string): QueryResult<readonly ServiceNameKinds[]>;
  serviceInstances(ws: undefined, peer: string, name: string): QueryResult<ServiceInstance[]>;
  /** Node-level and the instance's own checks. */
  instanceChecks(node: Node, serviceID: string): HealthCheck[];
}

/** Config entry reads: the `exported-services` entry, and the discovery-chain kinds sent to peers. */
export interface ConfigEntryReads {
  configEntry(ws: undefined, kind: string, name: string): QueryResult<ConfigEntryRecord | null>;
  configEntries(ws: undefined, kind: string): QueryResult<ConfigEntryRecord[]>;
}

/** The CA roots, whose index versions the trust bundle sent to peers. */
export interface CaRootReads {
  caRoots(ws: undefined): QueryResult<CARootRecord[]>;
}

/**
 * The store's change hook: `fn` runs synchronously after every apply with the index keys and topics it moved
 * (`undefined` after a restore). Returns the function that removes it.
 */
export interface ChangeFeed {
  observe(fn: ChangeObserver): () => void;
}

/** Peering records and their secrets. */
export interface PeeringReads {
  peerings(ws: WatchSet | undefined): QueryResult<Peering[]>;
  peering(ws: undefined, name: string): QueryResult<Peering | null>;
  peeringById(id: string): Peering | undefined;
  peeringSecrets(id: string): PeeringSecrets | undefined;
}

/** Waits for a write that fires a topic of a watch set (the manager's reconcile loop). */
export interface PeeringWatch {
  readonly hub: Pick<WatchHub, 'wait'>;
}

/** What the export feed reads and follows. */
export type ExportFeedStore = Pick<ExportCatalogReads, 'maxIndex' | 'serviceNames' | 'serviceInstances'> &
  Pick<ConfigEntryReads, 'configEntry'> &
  CaRootReads &
  ChangeFeed;

/** What the exporter reads to build a service's instances for peers. */
export type ExporterStore = Pick<ExportCatalogReads, 'serviceInstances' | 'instanceChecks'>;

/** What mesh exports read: gateways, sidecars and the discovery-chain entries. */
export type MeshExportStore = ExportCatalogReads & Pick<ConfigEntryReads, 'configEntries'>;

/** What one peer stream reads: its exports. */
export type StreamStore = ExportFeedStore & ExporterStore & MeshExportStore;

/** What the peering manager reads: peerings (watched), their secrets, and everything its streams read. */
export type ManagerStore = PeeringReads & PeeringWatch & StreamStore;

/** What the peering service (token, establish, delete) reads. */
export type PeeringServiceStore = Pick<PeeringReads, 'peering'>;
