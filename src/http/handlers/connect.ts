import { AppError } from '../../errors/index.js';
import { renderCARoots, renderCARootsPem, trustDomain } from '../../connect/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { block } from './common.js';

/** Consul's `ErrConnectNotEnabled` text, answered with a 500 as Consul does. */
export const CONNECT_DISABLED_MESSAGE = 'Connect must be enabled in order to use this endpoint';

/** Refuses a Connect endpoint when `connect { enabled = false }`, with Consul's status and text. */
export function assertConnectEnabled(deps: HttpDeps): void {
  if (!deps.info.connectEnabled) throw new AppError('ENT_ERR_CONNECT_DISABLED', CONNECT_DISABLED_MESSAGE);
}

/** GET /v1/connect/ca/roots and /v1/agent/connect/ca/roots (`?pem=true` for the PEM chain). */
export async function connectCARoots(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  assertConnectEnabled(deps);
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
