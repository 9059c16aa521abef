/**
 * The bounds of one peer stream, configurable as Entente extension keys in `peering { ... }` (src/config; the
 * defaults there are these values). Every buffer a peer can grow is listed here with its overflow policy.
 */
export interface StreamLimits {
  /**
   * Responses sent and not yet ACKed/NACKed (pending nonces). At the cap the sender stops sending resources
   * (changes keep coalescing in the send map, one entry per resource); ACK/NACKs and heartbeats still go.
   * `peering { max_unacked_responses = 256 }`.
   */
  maxUnackedResponses: number;
  /**
   * The oldest unacknowledged response (or a send the transport has not accepted) may be this old (ms). Past it
   * the stream is reset with reason `ACK_TIMEOUT`: the peer stopped reading or acknowledging, and a fresh stream
   * resyncs from the current state instead of buffering. `peering { ack_timeout = "2m" }`.
   */
  ackTimeoutMs: number;
  /**
   * Bytes (JSON size of the instances) of one chunked service being assembled from its parts. A part that would
   * pass it is NACKed and the service's parts so far are dropped. `peering { chunk_assembly_max_bytes = ... }`.
   */
  chunkAssemblyMaxBytes: number;
  /**
   * Chunked services being assembled at once. A first part of one more is NACKed (nothing is evicted).
   * `peering { chunk_assembly_max_services = 4 }`.
   */
  chunkAssemblyMaxServices: number;
  /**
   * How long a chunked service may stay partly received, from its first part (ms). Past it the service's parts are
   * dropped (a timer frees them even if the peer sends nothing more), logged and counted in
   * `entente.peering.chunk_assemblies_evicted`; the service keeps its last complete version.
   * `peering { chunk_assembly_timeout = "2m" }` (default: `peering.ack_timeout`).
   */
  chunkAssemblyTimeoutMs: number;
  /**
   * Services (with at least one instance) the peer may have imported into our catalog. An update that would add one
   * more is refused with a NACK (`RESOURCE_EXHAUSTED`) and not stored; what is imported stays. See ImportLedger.
   * `peering { import_max_services = 10000 }`.
   */
  importMaxServices: number;
  /**
   * Instances the peer may have imported, all services together. An update that would raise the total past it is
   * refused as a whole (NACK, not stored; the service keeps its previous version). `peering { import_max_instances =
   * 100000 }`.
   */
  importMaxInstances: number;
}

/** Sizes of the sender's state, for tests, metrics and the bounds they prove. */
export interface StreamSenderStats {
  /** Resources whose latest version is still to be sent: at most one entry per (type URL, resource ID). */
  dirty: number;
  /** Responses sent and not yet ACKed or NACKed: at most `maxUnackedResponses` (+ the parts of one service). */
  unacked: number;
  /** ACK/NACKs, subscription requests and Terminated waiting to go. */
  control: number;
  /** Responses handed to the transport since the stream started. */
  responsesSent: number;
}

/** Consul has no such bounds; these keep a stalled or hostile peer to a few hundred MiB at worst. */
export const DEFAULT_STREAM_LIMITS: Readonly<StreamLimits> = Object.freeze({
  maxUnackedResponses: 256,
  ackTimeoutMs: 120_000,
  chunkAssemblyMaxBytes: 256 * 1024 * 1024,
  chunkAssemblyMaxServices: 4,
  chunkAssemblyTimeoutMs: 120_000,
  // An imported instance costs at most about 3 KB of catalog heap with its check (the bench/memory.ts target), and
  // ~170 B of import shadow: 100,000 keep one peer's imports near 300 MB at worst, room for a large exporter's whole
  // catalog (what peers export is usually a fraction of it). 10,000 services at 10 instances each reach the same
  // total; the service cap also bounds the per-service maps. An operator who needs more raises the keys.
  importMaxServices: 10_000,
  importMaxInstances: 100_000,
});

/** Parts of one chunked service, whatever their size: a part count past this is refused before any is kept. */
export const MAX_CHUNK_PARTS = 4096;

/**
 * Largest exported-service payload (JSON bytes, a proxy for the encoded size) sent as one message to peers that
 * accept chunks: Consul's acceptor refuses messages over 4 MiB, so a part stays well below.
 */
export const EXPORT_CHUNK_BYTES = 1024 * 1024;

/**
 * Received responses being imported at once; past this, reading waits for the oldest to commit and its ACK to be
 * sent. This also bounds the sender's control lane (one ACK/NACK per import in flight).
 */
export const MAX_INFLIGHT_IMPORTS = 64;

/**
 * Service updates in one `peering-import-batch` command (the imports received while the previous write was in
 * flight). Overflow policy: an update that would pass this (or {@link MAX_IMPORT_BATCH_BYTES}) starts the next
 * batch, written after this one commits. The batches waiting are bounded by {@link MAX_INFLIGHT_IMPORTS}.
 */
export const MAX_IMPORT_BATCH_SERVICES = 256;

/**
 * JSON bytes of the instances written by one `peering-import-batch` (the log's own batch is 4 MiB). Overflow
 * policy: as {@link MAX_IMPORT_BATCH_SERVICES}; a single update larger than this is written alone.
 */
export const MAX_IMPORT_BATCH_BYTES = 1024 * 1024;
