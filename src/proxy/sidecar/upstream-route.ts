/**
 * The live view of one upstream: its target (endpoints, SNI, expected SANs), kept current by blocking queries on
 * `/v1/health/connect/<svc>?passing` (with `?peer=` for a `DestinationPeer` upstream) and, for a peer, on that
 * peer's trust bundle (`/v1/internal/peering/trust-bundle/<peer>`, into {@link TlsMaterial}).
 */
import type { ApiClient, ServiceEntry } from '../../api/index.js';
import type { Logger } from '../../logging/index.js';
import { EndpointPicker } from './endpoint-picker.js';
import type { TlsMaterial } from './tls-material.js';
import { localTarget, peerTarget, type UpstreamTarget } from './upstream-target.js';
import { watchLoop } from './watch-loop.js';

/** Longest wait of one blocking query (the agent caps it at 10 min; shorter keeps a stuck agent visible). */
export const WATCH_WAIT_MS = 5 * 60_000;

export interface UpstreamRouteOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  readonly material: TlsMaterial;
  readonly service: string;
  readonly peer: string;
  /** The agent's datacenter (local targets' SAN and SNI). */
  readonly datacenter: string;
  readonly signal: AbortSignal;
}

export class UpstreamRoute {
  readonly picker = new EndpointPicker();
  readonly #o: UpstreamRouteOptions;
  #entries: readonly ServiceEntry[] = [];
  #target: UpstreamTarget | undefined;

  constructor(opts: UpstreamRouteOptions) {
    this.#o = opts;
    opts.material.onChange(() => {
      this.#rebuild();
    });
  }

  /** The current target; undefined until the first answer (or while a peer service has no gateway). */
  get target(): UpstreamTarget | undefined {
    return this.#target;
  }

  /** Starts the watches; they end when the signal aborts. */
  start(): void {
    const { client, logger, service, peer, signal } = this.#o;
    void watchLoop({
      name: `upstream ${service}${peer === '' ? '' : `?peer=${peer}`}`,
      signal,
      logger,
      initial: 0,
      fetch: async (index, s) => {
        const r = await client.health.connect(
          service,
          { passing: true },
          { index, waitMs: WATCH_WAIT_MS, signal: s, ...(peer === '' ? {} : { peer }) },
        );
        return { value: r.value, cursor: r.meta.lastIndex };
      },
      onValue: (entries) => {
        this.#entries = entries;
        this.#rebuild();
        logger.debug(
          { upstream: service, peer, endpoints: this.#target?.endpoints.length ?? 0 },
          'upstream endpoints',
        );
      },
    });
    if (peer !== '') {
      void watchLoop({
        name: `trust bundle of peer ${peer}`,
        signal,
        logger,
        initial: 0,
        fetch: async (index, s) => {
          const r = await client.peerings.trustBundle(peer, { index, waitMs: WATCH_WAIT_MS, signal: s });
          return { value: r.value, cursor: r.meta.lastIndex };
        },
        onValue: (bundle) => {
          this.#o.material.setPeerBundle(peer, bundle);
        },
      });
    }
  }

  #rebuild(): void {
    const { service, peer, material, datacenter } = this.#o;
    this.#target =
      peer === ''
        ? material.trustDomain === ''
          ? undefined
          : localTarget(service, this.#entries, material.trustDomain, datacenter)
        : peerTarget(peer, this.#entries);
    this.picker.update(this.#target?.endpoints ?? []);
  }
}
