import { renderCARoots, renderCARootsPem, trustDomain } from '../../connect/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { block } from './common.js';

/** GET /v1/connect/ca/roots and /v1/agent/connect/ca/roots (`?pem=true` for the PEM chain). */
export async function connectCARoots(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.caRoots(ws));
  if (ctx.query('pem') === 'true') {
    return {
      raw: renderCARootsPem(r.value),
      contentType: 'application/pem-certificate-chain',
      index: r.index,
    };
  }
  return json(renderCARoots(r.value, trustDomain(deps.store.clusterId)), r.index);
}
