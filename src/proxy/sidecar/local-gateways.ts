/**
 * This cluster's mesh gateways, for `DestinationPeer` upstreams in mesh gateway mode `local`. Consul's proxycfg
 * finds them with an internal service dump of the local datacenter by kind `mesh-gateway`; over the agent's HTTP
 * API (all a separate proxy process has) that is `GET /v1/catalog/services?filter=ServiceKind == "mesh-gateway"`
 * for the gateway service names, then `GET /v1/health/service/<name>?passing` for each, all blocking queries.
 * One instance per proxy, shared by its local-mode upstreams, started on first use.
 *
 * Bounds and overflow: at most {@link MAX_GATEWAY_SERVICES} gateway service names are followed (one watch each);
 * further names are ignored and logged at WARN (the first names in sorted order are kept). The endpoints are
 * as many as the agent lists.
 */
import type { ApiClient, ServiceEntry } from '../../api/index.js';
import type { Logger } from '../../logging/index.js';
import type { Endpoint } from './endpoint-picker.js';
import { localGatewayEndpoints } from './upstream-target.js';
import { watchLoop, type BlockingFetch } from './watch-loop.js';

/** At most this many mesh-gateway service names are followed. */
export const MAX_GATEWAY_SERVICES = 16;

/** The go-bexpr filter selecting the catalog's mesh gateways. */
export const MESH_GATEWAY_FILTER = 'ServiceKind == "mesh-gateway"';

/** What the local gateways are read from (the consumer-declared interface; tests pass a fake). */
export interface LocalGatewaySource {
  /** Names of the local services of kind `mesh-gateway`. */
  readonly gatewayServices: BlockingFetch<string[], number>;
  /** Healthy (`?passing`) instances of one such service. */
  healthyInstances(service: string): BlockingFetch<ServiceEntry[], number>;
}

/** Longest wait of one blocking read (the agent caps it at 10 min). */
const WAIT_MS = 5 * 60_000;

/** {@link LocalGatewaySource} over the agent's HTTP API. */
export function apiLocalGatewaySource(client: ApiClient): LocalGatewaySource {
  return {
    gatewayServices: async (index, signal) => {
      const r = await client.catalog.services({
        index,
        waitMs: WAIT_MS,
        signal,
        filter: MESH_GATEWAY_FILTER,
      });
      return { value: Object.keys(r.value).sort(), cursor: r.meta.lastIndex };
    },
    healthyInstances: (service) => async (index, signal) => {
      const r = await client.health.service(service, { passing: true }, { index, waitMs: WAIT_MS, signal });
      return { value: r.value, cursor: r.meta.lastIndex };
    },
  };
}

export interface LocalGatewaysOptions {
  readonly source: LocalGatewaySource;
  readonly logger: Logger;
  /** Stops every watch. */
  readonly signal: AbortSignal;
  /** Default {@link MAX_GATEWAY_SERVICES}. */
  readonly maxServices?: number;
}

interface ServiceWatch {
  readonly abort: AbortController;
  endpoints: readonly Endpoint[];
}

export class LocalGateways {
  readonly #o: LocalGatewaysOptions;
  readonly #services = new Map<string, ServiceWatch>();
  readonly #listeners = new Set<() => void>();
  #endpoints: readonly Endpoint[] = [];
  #started = false;

  constructor(opts: LocalGatewaysOptions) {
    this.#o = opts;
  }

  /** The healthy local mesh gateways (LAN addresses), across every gateway service. */
  get endpoints(): readonly Endpoint[] {
    return this.#endpoints;
  }

  /** Calls `fn` whenever {@link endpoints} may have changed; returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => {
      this.#listeners.delete(fn);
    };
  }

  /** Starts following the gateways (idempotent). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const { source, logger, signal } = this.#o;
    void watchLoop({
      name: 'local mesh gateways',
      signal,
      logger,
      initial: 0,
      fetch: source.gatewayServices,
      onValue: (names) => {
        this.#follow(names);
      },
    });
  }

  #follow(names: readonly string[]): void {
    const max = this.#o.maxServices ?? MAX_GATEWAY_SERVICES;
    if (names.length > max)
      this.#o.logger.warn({ services: names.length, max }, 'following only the first mesh-gateway services');
    const wanted = new Set(names.slice(0, max));
    for (const [name, w] of this.#services) {
      if (wanted.has(name)) continue;
      w.abort.abort();
      this.#services.delete(name);
    }
    for (const name of wanted) {
      if (this.#services.has(name)) continue;
      const w: ServiceWatch = { abort: new AbortController(), endpoints: [] };
      this.#services.set(name, w);
      void watchLoop({
        name: `local mesh gateway ${name}`,
        signal: AbortSignal.any([this.#o.signal, w.abort.signal]),
        logger: this.#o.logger,
        initial: 0,
        fetch: this.#o.source.healthyInstances(name),
        onValue: (entries) => {
          w.endpoints = localGatewayEndpoints(entries);
          this.#changed();
        },
      });
    }
    this.#changed();
  }

  #changed(): void {
    this.#endpoints = [...this.#services.values()].flatMap((w) => w.endpoints);
    this.#o.logger.debug({ gateways: this.#endpoints.length }, 'local mesh gateways');
    for (const fn of this.#listeners) fn();
  }
}
