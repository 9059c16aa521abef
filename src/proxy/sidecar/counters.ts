/**
 * Per-proxy counters: what the sidecar did since it started. Plain numbers, read by tests through
 * {@link ProxyCounters.snapshot} and written to the log (`proxy counters`, at most once a second while they move).
 *
 * Not yet in the agent's `/v1/agent/metrics`: the proxy is a separate process; pushing them there needs an agent
 * endpoint (or a metrics sink) that does not exist yet.
 */
export interface CounterValues {
  /** Inbound connections accepted on the public listener (after the TLS handshake). */
  inbound_connections: number;
  /** Connections accepted on upstream listeners. */
  upstream_connections: number;
  /** Connections open right now, both kinds. */
  active_connections: number;
  /** Bytes received from clients (inbound callers and local applications on upstream listeners). */
  bytes_in: number;
  /** Bytes sent back to them. */
  bytes_out: number;
  /** Inbound connections (L4) or requests (L7) refused by intentions. */
  intention_denials: number;
  /** L7 requests allowed and forwarded. */
  http_requests: number;
  /** Inbound handshakes that failed (bad, untrusted or missing client certificate, not TLS). */
  handshake_failures: number;
  /** Inbound connections that did not finish a handshake in `handshake_timeout_ms` (e.g. TCP health checks). */
  handshake_timeouts: number;
  /** Upstream dials that failed: no healthy endpoint, refused, timed out, TLS or identity mismatch. */
  upstream_connect_errors: number;
  /** Local application dials (public listener → local service) that failed. */
  local_connect_errors: number;
  /** Connections closed at once because their listener was at its cap. */
  rejected_over_cap: number;
  /** Connections closed by the idle timeout. */
  idle_timeouts: number;
}

export type CounterName = keyof CounterValues;

export class ProxyCounters {
  readonly #v: CounterValues = {
    inbound_connections: 0,
    upstream_connections: 0,
    active_connections: 0,
    bytes_in: 0,
    bytes_out: 0,
    intention_denials: 0,
    http_requests: 0,
    handshake_failures: 0,
    handshake_timeouts: 0,
    upstream_connect_errors: 0,
    local_connect_errors: 0,
    rejected_over_cap: 0,
    idle_timeouts: 0,
  };
  readonly #onChange: () => void;

  constructor(onChange: () => void = () => undefined) {
    this.#onChange = onChange;
  }

  add(name: CounterName, n = 1): void {
    this.#v[name] += n;
    this.#onChange();
  }

  /** A copy of the current values. */
  snapshot(): CounterValues {
    return { ...this.#v };
  }
}
