/**
 * Round-robin over an upstream's healthy endpoints with ejection: an endpoint that fails to connect (refused,
 * timed out, TLS or identity failure) is skipped for `ejectMs` (default 10 s), doubled for each further
 * consecutive failure up to 8×, and takes traffic again once that passes or a catalog update brings it back
 * fresh. Like Consul's peer clusters (outlier detection, `MaxEjectionPercent = 100`, healthy panic threshold 0),
 * every endpoint may be ejected: a dial then finds none rather than retrying a known-bad address.
 *
 * Bounded by the catalog answer: one record per endpoint the agent listed.
 */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

interface State {
  readonly endpoint: Endpoint;
  failures: number;
  ejectedUntil: number;
}

export const DEFAULT_EJECT_MS = 10_000;
const MAX_EJECT_FACTOR = 8;

const keyOf = (e: Endpoint): string => `${e.host}:${e.port}`;

export class EndpointPicker {
  readonly #ejectMs: number;
  readonly #now: () => number;
  #states: State[] = [];
  #next = 0;

  constructor(opts: { ejectMs?: number; now?: () => number } = {}) {
    this.#ejectMs = opts.ejectMs ?? DEFAULT_EJECT_MS;
    this.#now = opts.now ?? Date.now;
  }

  /** Replaces the endpoint set; endpoints still listed keep their ejection state. */
  update(endpoints: readonly Endpoint[]): void {
    const old = new Map(this.#states.map((s) => [keyOf(s.endpoint), s]));
    this.#states = endpoints.map((e) => old.get(keyOf(e)) ?? { endpoint: e, failures: 0, ejectedUntil: 0 });
    if (this.#next >= this.#states.length) this.#next = 0;
  }

  get size(): number {
    return this.#states.length;
  }

  /** The next endpoint not ejected, round robin; undefined when none is available. */
  pick(): Endpoint | undefined {
    const now = this.#now();
    const n = this.#states.length;
    for (let i = 0; i < n; i++) {
      const s = this.#states[(this.#next + i) % n];
      if (s !== undefined && s.ejectedUntil <= now) {
        this.#next = (this.#next + i + 1) % n;
        return s.endpoint;
      }
    }
    return undefined;
  }

  /** A dial to `e` failed: eject it. */
  failed(e: Endpoint): void {
    const s = this.#states.find((x) => keyOf(x.endpoint) === keyOf(e));
    if (s === undefined) return;
    s.failures += 1;
    s.ejectedUntil = this.#now() + this.#ejectMs * Math.min(MAX_EJECT_FACTOR, 2 ** (s.failures - 1));
  }

  /** A dial to `e` succeeded: its failure count starts over. */
  succeeded(e: Endpoint): void {
    const s = this.#states.find((x) => keyOf(x.endpoint) === keyOf(e));
    if (s !== undefined) {
      s.failures = 0;
      s.ejectedUntil = 0;
    }
  }
}
