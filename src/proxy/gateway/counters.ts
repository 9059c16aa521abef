/** Why the gateway closed a connection without forwarding it. */
export const REFUSAL_REASONS = [
  /** The connection cap was reached. */
  'over-capacity',
  /** Not a TLS ClientHello, malformed, too large or too slow (a client that just closes, as a TCP check does, is not counted). */
  'bad-client-hello',
  /** No SNI, or one under neither the local trust domain nor a peer's. */
  'unknown-sni',
  /** A form Entente does not route (subsets, partitions, namespaces, other datacenters). */
  'unsupported-sni',
  /** A peered SNI for a service not exported to that peer. */
  'not-exported',
  /** The service has no healthy endpoint (or the peer's gateways do not list this SNI). */
  'no-endpoints',
  /** Every endpoint tried failed to connect in time. */
  'upstream-connect-failed',
  /** The endpoint-watch cap was reached. */
  'watch-limit',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** The gateway's counters: monotonic totals plus the connections open now. */
export interface GatewayCounterValues {
  readonly connectionsAccepted: number;
  readonly connectionsActive: number;
  readonly connectionsForwarded: number;
  readonly bytesUp: number;
  readonly bytesDown: number;
  readonly idleTimeouts: number;
  readonly refused: Readonly<Record<RefusalReason, number>>;
}

export class GatewayCounters {
  connectionsAccepted = 0;
  connectionsActive = 0;
  connectionsForwarded = 0;
  idleTimeouts = 0;
  /** Shared with every pump as its byte sink. */
  readonly bytes = { up: 0, down: 0 };
  readonly #refused = Object.fromEntries(REFUSAL_REASONS.map((r) => [r, 0])) as Record<RefusalReason, number>;

  refuse(reason: RefusalReason): number {
    this.#refused[reason] += 1;
    return this.#refused[reason];
  }

  snapshot(): GatewayCounterValues {
    return {
      connectionsAccepted: this.connectionsAccepted,
      connectionsActive: this.connectionsActive,
      connectionsForwarded: this.connectionsForwarded,
      bytesUp: this.bytes.up,
      bytesDown: this.bytes.down,
      idleTimeouts: this.idleTimeouts,
      refused: { ...this.#refused },
    };
  }
}
