import { badRequest } from '../../errors/index.js';
import { renderPeering } from '../../peering/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import { Fields } from '../decode.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { block } from './common.js';

const DECODE = 'Body decoding failed';

async function body(ctx: RequestContext): Promise<Fields> {
  const raw = await ctx.json(DECODE);
  if (raw === undefined) throw badRequest('The peering arguments must be provided in the body');
  return new Fields(raw, 'PeeringRequest', DECODE);
}

/** POST /v1/peering/token */
export async function peeringGenerateToken(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const f = await body(ctx);
  const name = f.string('PeerName');
  if (name === '')
    throw badRequest('PeerName is required in the payload when generating a new peering token.');
  const token = await deps.peering.service.generateToken({
    PeerName: name,
    Meta: f.stringMap('Meta'),
    ServerExternalAddresses: f.stringList('ServerExternalAddresses'),
  });
  return json({ PeeringToken: token });
}

/** POST /v1/peering/establish */
export async function peeringEstablish(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const f = await body(ctx);
  const name = f.string('PeerName');
  if (name === '') throw badRequest('PeerName is required in the payload when establishing a peering.');
  const token = f.string('PeeringToken');
  if (token === '') throw badRequest('PeeringToken is required in the payload when establishing a peering.');
  await deps.peering.service.establish(
    { PeerName: name, PeeringToken: token, Meta: f.stringMap('Meta') },
    ctx.signal,
  );
  return json({});
}

/** GET /v1/peering/:name */
export async function peeringRead(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  if (ctx.rest === '') throw badRequest('Must specify a name to fetch.');
  deps.peering.service.assertEnabled();
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.peering(ws, ctx.rest));
  if (!r.value) return { status: 404, raw: `Peering not found for "${ctx.rest}"`, index: r.index };
  return json(renderPeering(r.value, deps.peering.tracker), r.index);
}

/** DELETE /v1/peering/:name: 200 with an empty body. */
export async function peeringDelete(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  if (ctx.rest === '') throw badRequest('Must specify a name to delete.');
  await deps.peering.service.delete(ctx.rest);
  return {};
}

/** GET /v1/peerings */
export async function peeringList(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  deps.peering.service.assertEnabled();
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.peerings(ws));
  return json(
    r.value.map((p) => renderPeering(p, deps.peering.tracker)),
    r.index,
  );
}
