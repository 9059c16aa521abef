/**
 * The live view of one upstream: its target (endpoints, SNI, expected SANs), kept current by blocking queries on
 * `/v1/health/connect/<svc>?passing` (with `?peer=` for a `DestinationPeer` upstream) and, for a peer, on that
 * peer's trust bundle (`/v1/internal/peering/trust-bundle/<peer>`, into {@link TlsMaterial}). A peer upstream in
 * mesh gateway mode `local` keeps the peer's SNI, SANs and trust but dials this cluster's own mesh gateways
 * ({@link LocalGateways}).
 */
import type { ApiClient, ServiceEntry } from '../../api/index.js';
import type { Logger } from '../../logging/index.js';
import type { PeerGatewayMode } from './config.js';
import { EndpointPicker } from './endpoint-picker.js';
import type { LocalGateways } from './local-gateways.js';
import type { TlsMaterial } from './tls-material.js';
import { localTarget, peerTarget, throughLocalGateways, type UpstreamTarget } from './upstream-target.js';
import { watchLoop } from './watch-loop.js';

/** Longest wait of one blocking query (the agent caps it at 10 min; shorter keeps a stuck agent visible). */
export const WATCH_WAIT_MS = 5 * 60_000;

export interface UpstreamRouteOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  readonly material: TlsMaterial;
  readonly service: string;
  readonly peer: string;
  /** For a peer: `remote` dials the peer's gateways, `local` this cluster's ({@link localGateways}). */
  readonly meshGatewayMode: PeerGatewayMode;
  /** This cluster's mesh gateways; required for a peer upstream in `local` mode. */
  readonly localGateways?: LocalGateways | undefined;
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
          {
            upstream: service,
            peer,
            via: this.#target?.via,
            endpoints: this.#target?.endpoints.length ?? 0,
          },
          'upstream endpoints',
        );
      },
    });
    const gateways = this.#viaLocalGateways();
    if (gateways !== undefined) {
      gateways.start();
      const off = gateways.onChange(() => {
        this.#rebuild();
      });
      signal.addEventListener('abort', off, { once: true });
    }
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

  /** The local gateways this upstream dials through, when it is a peer upstream in `local` mode. */
  #viaLocalGateways(): LocalGateways | undefined {
    const { peer, meshGatewayMode, localGateways } = this.#o;
    if (peer === '' || meshGatewayMode !== 'local') return undefined;
    if (localGateways === undefined) throw new Error('a local-mode peer upstream needs the local gateways');
    return localGateways;
  }

  #rebuild(): void {
    const { service, peer, material, datacenter } = this.#o;
    if (peer === '') {
      this.#target =
        material.trustDomain === ''
          ? undefined
          : localTarget(service, this.#entries, material.trustDomain, datacenter);
    } else {
      // The peer's answer carries the SNI and SANs (PeerMeta) in either mode: no PeerMeta yet, no target.
      const remote = peerTarget(peer, this.#entries);
      const gateways = this.#viaLocalGateways();
      this.#target =
        remote === undefined || gateways === undefined
          ? remote
          : throughLocalGateways(remote, gateways.endpoints);
    }
    this.picker.update(this.#target?.endpoints ?? []);
  }
}
