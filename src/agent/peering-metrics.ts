import {
  PEERING_EXPORTED_SERVICES,
  PEERING_HEALTHY,
  PEERING_LAST_CONTACT_AGE,
  PEERING_REPLICATION_LAG,
  PEERING_REPLICATION_LAG_P99,
  PEERING_SEND_MAP_DEPTH,
  PEERING_UNACKED_RESPONSES,
  type GaugeSource,
  type GaugeValue,
} from '../metrics/index.js';
import {
  StreamTracker,
  effectiveState,
  p99,
  type ImportCapKind,
  type PeeringReason,
} from '../peering/index.js';
import type { Peering } from '../types/index.js';

/** What the peering gauges read of the store. */
export interface PeeringList {
  peerings(ws: undefined): { value: readonly Peering[] };
}

/**
 * The per-peering gauges, read from the store's peerings and the stream tracker when metrics are shown:
 * Consul's `peering.healthy` (1 while ACTIVE) and `peering.exported_services`, and Entente's replication lag
 * (latest and p99), last-contact age, and the live stream's send-map depth and unacked responses. A gauge with nothing to report (no stream, no lag sample yet) is left
 * out rather than shown as 0.
 */
export function peeringGauges(store: PeeringList, tracker: StreamTracker): GaugeSource {
  return () => {
    const out: GaugeValue[] = [];
    for (const p of store.peerings(undefined).value) {
      const labels = { peer_name: p.Name, peer_id: p.ID };
      const status = tracker.get(p.ID);
      out.push({ def: PEERING_HEALTHY, labels, value: effectiveState(p, status) === 'ACTIVE' ? 1 : 0 });
      // As X-Consul-LastContact on ?peer= reads: since the peer's last message, or since tracking began.
      out.push({ def: PEERING_LAST_CONTACT_AGE, labels, value: tracker.lastContactMs(p.ID) });
      if (!status) continue;
      out.push({ def: PEERING_EXPORTED_SERVICES, labels, value: status.exportedServices.length });
      if (status.lag.lastMs !== undefined) {
        out.push({ def: PEERING_REPLICATION_LAG, labels, value: status.lag.lastMs });
      }
      const sender = status.sender?.();
      if (sender) {
        out.push({ def: PEERING_SEND_MAP_DEPTH, labels, value: sender.dirty });
        out.push({ def: PEERING_UNACKED_RESPONSES, labels, value: sender.unacked });
      }
      const lagP99 = p99(status.lag.samples);
      if (lagP99 !== undefined) out.push({ def: PEERING_REPLICATION_LAG_P99, labels, value: lagP99 });
    }
    return out;
  };
}

/**
 * The stream tracker, also reporting each stream that ends with a reason (a reset: error, timeout, the peer
 * terminating) to `onReset`, each chunked service dropped by age to `onChunkEvicted`, and each update refused by an
 * import cap to `onImportRefused`. Clean local closes (no reason) are not resets.
 */
export class MeteredStreamTracker extends StreamTracker {
  readonly #onReset: (peeringId: string, reason: PeeringReason) => void;
  readonly #onChunkEvicted: (peeringId: string) => void;
  readonly #onImportRefused: (peeringId: string, cap: ImportCapKind) => void;

  constructor(
    onReset: (peeringId: string, reason: PeeringReason) => void,
    onChunkEvicted: (peeringId: string) => void = () => undefined,
    onImportRefused: (peeringId: string, cap: ImportCapKind) => void = () => undefined,
  ) {
    super();
    this.#onReset = onReset;
    this.#onChunkEvicted = onChunkEvicted;
    this.#onImportRefused = onImportRefused;
  }

  override importRefused(id: string, cap: ImportCapKind, message: string): void {
    super.importRefused(id, cap, message);
    this.#onImportRefused(id, cap);
  }

  override disconnected(id: string, reason: PeeringReason | undefined, message: string): void {
    super.disconnected(id, reason, message);
    if (reason !== undefined) this.#onReset(id, reason);
  }

  override chunkAssemblyEvicted(id: string): void {
    super.chunkAssemblyEvicted(id);
    this.#onChunkEvicted(id);
  }
}
