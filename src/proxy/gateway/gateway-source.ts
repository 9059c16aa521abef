import type { ApiClient, ConfigEntry, PeeringTrustBundle, ServiceEntry } from '../../api/index.js';
import { FOLLOW_WAIT_MS, type FollowRead } from './follow.js';

/**
 * What the mesh gateway reads from its local agent, as blocking reads (the consumer-declared interface; the CLI
 * passes {@link apiGatewaySource}, tests a fake).
 */
export interface GatewaySource {
  /** The local trust domain (`/v1/agent/connect/ca/roots`). */
  readonly trustDomain: FollowRead<string>;
  /** The `exported-services` entry `default` (null when there is none). */
  readonly exports: FollowRead<ConfigEntry | null>;
  /** The names of the peerings. */
  readonly peers: FollowRead<string[]>;
  /** A peer's trust bundle (null until it sent one). */
  trustBundle(peer: string): FollowRead<PeeringTrustBundle | null>;
  /** Healthy mesh instances of a service: local sidecars, or a peer's exported `<svc>-sidecar-proxy`. */
  healthyConnect(service: string, peer: string | undefined): FollowRead<ServiceEntry[]>;
}

/** {@link GatewaySource} over the agent's HTTP API. */
export function apiGatewaySource(client: ApiClient): GatewaySource {
  const opts = (index: number, signal: AbortSignal) => ({ index, waitMs: FOLLOW_WAIT_MS, signal });
  return {
    trustDomain: async (index, signal) => {
      const r = await client.agent.connectCARoots(opts(index, signal));
      return { value: r.value.TrustDomain, index: r.meta.lastIndex };
    },
    exports: async (index, signal) => {
      // The list blocks and carries an index even when there is no entry (a missing entry's 404 does not).
      const r = await client.configEntries.list('exported-services', opts(index, signal));
      return { value: r.value.find((e) => e.Name === 'default') ?? null, index: r.meta.lastIndex };
    },
    peers: async (index, signal) => {
      const r = await client.peerings.list(opts(index, signal));
      return { value: r.value.map((p) => p.Name), index: r.meta.lastIndex };
    },
    trustBundle: (peer) => async (index, signal) => {
      const r = await client.peerings.trustBundle(peer, opts(index, signal));
      return { value: r.value, index: r.meta.lastIndex };
    },
    healthyConnect: (service, peer) => async (index, signal) => {
      const r = await client.health.connect(
        service,
        { passing: true },
        {
          ...opts(index, signal),
          ...(peer === undefined ? {} : { peer }),
        },
      );
      return { value: r.value, index: r.meta.lastIndex };
    },
  };
}
