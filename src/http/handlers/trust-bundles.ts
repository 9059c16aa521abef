/**
 * Peers' trust bundles for proxies. Consul serves these only over its internal gRPC API
 * (`hashicorp.consul.internal.peering.PeeringService/TrustBundleRead` and `TrustBundleListByService`), which
 * Entente has no port for (its gRPC TLS port is the peering port, where that service is refused to peers, as
 * Consul's is). The same answers are served over HTTP here, with the proto's field names and blocking queries:
 *
 * - `GET /v1/internal/peering/trust-bundle/:peer` → `{Index, Bundle}` (`TrustBundleReadResponse`; `Bundle` null
 *   while the peer has sent none);
 * - `GET /v1/internal/peering/trust-bundles?service=S` → `{Index, Bundles}` (`TrustBundleListByServiceResponse`):
 *   the bundles of every peer `S` is exported to (by name or `*`), sorted by peer name: what the inbound side of
 *   `S`'s sidecar must trust.
 *
 * @packageDocumentation
 */
import { badRequest } from '../../errors/index.js';
import { exportedServicesForPeer, type ExportedServicesEntry } from '../../config-entry/index.js';
import type { WatchSet } from '../../state/index.js';
import type { PeeringTrustBundle } from '../../types/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { block } from './common.js';

/** A stored bundle in `pbpeering.PeeringTrustBundle`'s JSON (CE: the partition is always `default`). */
function renderBundle(b: PeeringTrustBundle): Record<string, unknown> {
  return {
    TrustDomain: b.TrustDomain,
    PeerName: b.PeerName,
    Partition: 'default',
    RootPEMs: b.RootPEMs,
    ExportedPartition: b.ExportedPartition,
    CreateIndex: b.CreateIndex,
    ModifyIndex: b.ModifyIndex,
  };
}

/** `GET /v1/internal/peering/trust-bundle/:peer` */
export async function trustBundleRead(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  if (ctx.rest === '') throw badRequest('Must specify a peer name to read the trust bundle of.');
  deps.peering.service.assertEnabled();
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.trustBundle(ws, ctx.rest));
  return json({ Index: r.index, Bundle: r.value ? renderBundle(r.value) : null }, r.index);
}

/** `GET /v1/internal/peering/trust-bundles?service=S` */
export async function trustBundleListByService(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const service = ctx.query('service') ?? '';
  if (service === '') throw badRequest('Missing service name: ?service= is required');
  deps.peering.service.assertEnabled();
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => bundlesFor(deps, ws, service));
  return json({ Index: r.index, Bundles: r.value.map(renderBundle) }, r.index);
}

function bundlesFor(
  deps: HttpDeps,
  ws: WatchSet,
  service: string,
): { index: number; value: PeeringTrustBundle[] } {
  const entry = deps.store.configEntry(ws, 'exported-services', 'default');
  const peerings = deps.store.peerings(ws);
  let index = Math.max(entry.index, peerings.index);
  const exported = entry.value?.entry as unknown as ExportedServicesEntry | undefined;
  const out: PeeringTrustBundle[] = [];
  if (!exported) return { index, value: out };
  for (const p of [...peerings.value].sort((a, b) => a.Name.localeCompare(b.Name))) {
    const exp = exportedServicesForPeer(exported, p.Name);
    if (!exp.all && !exp.names.has(service)) continue;
    const b = deps.store.trustBundle(ws, p.Name);
    index = Math.max(index, b.index);
    if (b.value) out.push(b.value);
  }
  return { index, value: out };
}
