import type { ImportCapKind, ImportUsage } from './import-caps.js';
import type { StreamSenderStats } from './stream-limits.js';

/**
 * In-memory status of each peering's stream (Consul's stream tracker), plus what Consul lacks: a machine-readable
 * reason and a human message for any peering that is not ACTIVE, the address last tried, and replication lag.
 */

/** Why a peering is not ACTIVE. Stable strings: tools may switch on them. */
export const PEERING_REASONS = [
  'WAITING_FOR_DIALER',
  'DIALING',
  'ADDRESS_UNREACHABLE',
  'TLS_HANDSHAKE_FAILED',
  'SECRET_REJECTED',
  'HEARTBEAT_TIMEOUT',
  /** An established connection died: reset, or silent past the HTTP/2 keepalive bound. */
  'CONNECTION_LOST',
  /** The peer did not ACK/NACK what we sent (or read from the stream) within `peering.ack_timeout`. */
  'ACK_TIMEOUT',
  'PEER_TERMINATED',
  'NACK_RECEIVED',
  'STREAM_ERROR',
  'PEERING_DISABLED_ON_PEER',
] as const;
export type PeeringReason = (typeof PEERING_REASONS)[number];

/** Number of lag samples kept per peering for the p99. */
export const LAG_SAMPLES = 1024;

export interface StreamStatus {
  connected: boolean;
  neverConnected: boolean;
  disconnectError: string;
  disconnectTime: Date | undefined;
  lastAck: Date | undefined;
  lastNack: Date | undefined;
  lastNackMessage: string;
  lastSendSuccess: Date | undefined;
  lastSendError: Date | undefined;
  lastSendErrorMessage: string;
  lastRecvHeartbeat: Date | undefined;
  lastRecvResourceSuccess: Date | undefined;
  lastRecvError: Date | undefined;
  lastRecvErrorMessage: string;
  /** When the last message of any kind (heartbeat included) arrived from the peer. */
  lastContact: Date | undefined;
  /** When this process began tracking the peering (its first dial, accept or stream). */
  trackedSince: Date;
  importedServices: string[];
  exportedServices: string[];
  reason: PeeringReason | undefined;
  message: string;
  lastAttemptAddress: string;
  lastAttemptAt: Date | undefined;
  lag: { lastMs: number | undefined; samples: number[]; next: number };
  /** The live stream's send-path sizes (send-map depth, unacked responses), while a stream runs. */
  sender: (() => StreamSenderStats) | undefined;
  /** Chunked services dropped because their parts did not all arrive within `peering.chunk_assembly_timeout`. */
  chunkAssembliesEvicted: number;
  /** Service updates refused (NACKed, not stored) by each import cap, and the last one's time and NACK message. */
  importsRefused: Record<ImportCapKind, number>;
  lastImportRefused: Date | undefined;
  lastImportRefusedMessage: string;
  /** The peer's imports against its caps: live while a stream runs, the last figures after it ended. */
  imports: (() => ImportUsage) | undefined;
}

function fresh(now: Date): StreamStatus {
  return {
    connected: false,
    neverConnected: true,
    disconnectError: '',
    disconnectTime: undefined,
    lastAck: undefined,
    lastNack: undefined,
    lastNackMessage: '',
    lastSendSuccess: undefined,
    lastSendError: undefined,
    lastSendErrorMessage: '',
    lastRecvHeartbeat: undefined,
    lastRecvResourceSuccess: undefined,
    lastRecvError: undefined,
    lastRecvErrorMessage: '',
    lastContact: undefined,
    trackedSince: now,
    importedServices: [],
    exportedServices: [],
    reason: undefined,
    message: '',
    lastAttemptAddress: '',
    lastAttemptAt: undefined,
    lag: { lastMs: undefined, samples: [], next: 0 },
    sender: undefined,
    chunkAssembliesEvicted: 0,
    importsRefused: { services: 0, instances: 0 },
    lastImportRefused: undefined,
    lastImportRefusedMessage: '',
    imports: undefined,
  };
}

/** Status per local peering ID. Only the process that runs the stream knows it; it is never persisted. */
export class StreamTracker {
  readonly #byId = new Map<string, StreamStatus>();
  readonly #now: () => Date;

  readonly #created: Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
    this.#created = now();
  }

  get(id: string): StreamStatus | undefined {
    return this.#byId.get(id);
  }

  #entry(id: string): StreamStatus {
    let s = this.#byId.get(id);
    if (!s) {
      s = fresh(this.#now());
      this.#byId.set(id, s);
    }
    return s;
  }

  /** A stream became live. Fails when one is live already (one stream per peering). */
  connected(id: string): void {
    const s = this.#entry(id);
    if (s.connected) throw new Error(`there is an active stream for the given PeerID "${id}"`);
    s.connected = true;
    s.neverConnected = false;
    s.disconnectError = '';
    s.reason = undefined;
    s.message = '';
  }

  /** The stream ended; a non-empty error makes the peering FAILING. */
  disconnected(id: string, reason: PeeringReason | undefined, message: string): void {
    const s = this.#entry(id);
    s.connected = false;
    s.disconnectTime = this.#now();
    s.disconnectError = message;
    s.reason = reason;
    s.message = message;
  }

  /** A dial attempt (or failure before any stream existed). */
  attempt(id: string, address: string, failure?: { reason: PeeringReason; message: string }): void {
    const s = this.#entry(id);
    s.lastAttemptAddress = address;
    s.lastAttemptAt = this.#now();
    if (failure) {
      s.reason = failure.reason;
      s.message = failure.message;
      s.disconnectError = failure.message;
    }
  }

  /** A message of any kind arrived from the peer. */
  contact(id: string): void {
    this.#entry(id).lastContact = this.#now();
  }

  /**
   * Milliseconds since the peer last said anything (a heartbeat counts); before its first message, since this
   * process started tracking the peering's stream, or since this tracker was created (process start) when it
   * never did. While the stream is healthy this stays below the heartbeat interval; it grows
   * without bound while the peer is unreachable, so readers of imported data can tell it is stale.
   */
  lastContactMs(id: string): number {
    const s = this.#byId.get(id);
    const since = s?.lastContact ?? s?.trackedSince ?? this.#created;
    return Math.max(0, this.#now().getTime() - since.getTime());
  }

  ack(id: string): void {
    this.#entry(id).lastAck = this.#now();
  }

  nack(id: string, message: string): void {
    const s = this.#entry(id);
    s.lastNack = this.#now();
    s.lastNackMessage = message;
  }

  sendOk(id: string): void {
    this.#entry(id).lastSendSuccess = this.#now();
  }

  sendError(id: string, message: string): void {
    const s = this.#entry(id);
    s.lastSendError = this.#now();
    s.lastSendErrorMessage = message;
  }

  heartbeat(id: string): void {
    this.#entry(id).lastRecvHeartbeat = this.#now();
  }

  received(id: string): void {
    this.#entry(id).lastRecvResourceSuccess = this.#now();
  }

  recvError(id: string, message: string): void {
    const s = this.#entry(id);
    s.lastRecvError = this.#now();
    s.lastRecvErrorMessage = message;
  }

  setImported(id: string, names: string[]): void {
    this.#entry(id).importedServices = [...names].sort();
  }

  setExported(id: string, names: string[]): void {
    this.#entry(id).exportedServices = [...names].sort();
  }

  /** Records one replication lag sample (change committed → peer ACKed), in ms. */
  lag(id: string, ms: number): void {
    const l = this.#entry(id).lag;
    l.lastMs = ms;
    if (l.samples.length < LAG_SAMPLES) l.samples.push(ms);
    else l.samples[l.next] = ms;
    l.next = (l.next + 1) % LAG_SAMPLES;
  }

  /** A partly received chunked service was dropped by age (see ChunkAssembler). */
  chunkAssemblyEvicted(id: string): void {
    this.#entry(id).chunkAssembliesEvicted++;
  }

  /** A service update was refused by an import cap (`cap`), answered with a NACK carrying `message`. */
  importRefused(id: string, cap: ImportCapKind, message: string): void {
    const s = this.#entry(id);
    s.importsRefused[cap]++;
    s.lastImportRefused = this.#now();
    s.lastImportRefusedMessage = message;
  }

  /**
   * Publishes the running stream's import figures; with undefined (the stream ended), keeps their last values (a copy:
   * the stream's ledger is not retained).
   */
  importsView(id: string, view: (() => ImportUsage) | undefined): void {
    const s = this.#entry(id);
    if (view) {
      s.imports = view;
      return;
    }
    const last = s.imports?.();
    s.imports = last ? () => last : undefined;
  }

  /** Publishes (or, with undefined, withdraws) the running stream's send-path sizes. */
  senderView(id: string, view: (() => StreamSenderStats) | undefined): void {
    this.#entry(id).sender = view;
  }

  /** Forgets a peering (deleted). */
  delete(id: string): void {
    this.#byId.delete(id);
  }
}

/** p99 of the kept samples, or undefined without samples. */
export function p99(samples: readonly number[]): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}
