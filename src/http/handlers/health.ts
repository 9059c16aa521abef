import { badRequest } from '../../errors/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { applyFilter } from '../filter.js';
import type { HealthCheck, Node, NodeService } from '../../types/index.js';
import { healthRowJson, joinRows, renderCheck, renderNode, renderNodeService } from '../render.js';
import type { Reply } from '../reply.js';
import { connectInstances } from './catalog.js';
import { block, cachedJson, nodeMetaFilter, tagFilter } from './common.js';

/** GET /v1/health/node/:node */
export async function healthNode(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  if (ctx.rest === '') throw badRequest('Missing node name');
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.nodeChecks(ws, q.peer, ctx.rest));
  return cachedJson(deps, ctx, r.index, () => applyFilter(r.value.map(renderCheck), q.filter, 'healthCheck'));
}

/** GET /v1/health/checks/:service */
export async function healthChecks(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  if (ctx.rest === '') throw badRequest('Missing service name');
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) =>
    deps.store.serviceChecks(ws, q.peer, ctx.rest),
  );
  return cachedJson(deps, ctx, r.index, () => applyFilter(r.value.map(renderCheck), q.filter, 'healthCheck'));
}

const STATES = ['any', 'passing', 'warning', 'critical'];

/** GET /v1/health/state/:state */
export async function healthState(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  if (ctx.rest === '') throw badRequest('Missing check state');
  if (!STATES.includes(ctx.rest)) throw badRequest(`Invalid check state: "${ctx.rest}"`);
  const meta = nodeMetaFilter(ctx);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) =>
    deps.store.checksInState(ws, q.peer, ctx.rest),
  );
  const nodeMeta = (name: string): Record<string, string> =>
    deps.store.node(undefined, q.peer, name).value?.Meta ?? {};
  return cachedJson(deps, ctx, r.index, () =>
    applyFilter(r.value.filter((c) => meta(nodeMeta(c.Node))).map(renderCheck), q.filter, 'healthCheck'),
  );
}

interface SelectedInstance {
  node: Node;
  service: NodeService;
  checks: HealthCheck[];
}

/** The instances a health read answers: tag, node-meta and `?passing` filters applied, each with its checks. */
function selectInstances(
  deps: HttpDeps,
  instances: readonly { node: Node; service: NodeService }[],
  tags: (tags: readonly string[]) => boolean,
  meta: (meta: Readonly<Record<string, string>>) => boolean,
  passing: boolean,
): SelectedInstance[] {
  const out: SelectedInstance[] = [];
  for (const { node, service } of instances) {
    if (!tags(service.Tags) || !meta(node.Meta)) continue;
    const checks = deps.store.instanceChecks(node, service.ID);
    // ?passing drops an instance when any of its checks, node-level included, is not passing.
    if (passing && checks.some((c) => c.Status !== 'passing')) continue;
    out.push({ node, service, checks });
  }
  return out;
}

/** GET /v1/health/service/:service and /v1/health/connect/:service */
export function healthService(connect: boolean) {
  return async (deps: HttpDeps, ctx: RequestContext): Promise<Reply> => {
    const q = parseQueryOptions(ctx, deps.info.datacenter);
    const name = ctx.rest;
    if (name === '') throw badRequest('Missing service name');
    const passing = ctx.boolQuery('passing', 'Invalid value for ?passing') ?? false;
    const tags = tagFilter(ctx);
    const meta = nodeMetaFilter(ctx);
    const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) =>
      connect ? connectInstances(deps, ws, q.peer, name) : deps.store.serviceInstances(ws, q.peer, name),
    );
    // The builders below run only when the answer is not in the response cache (or with ?node-meta).
    return cachedJson(
      deps,
      ctx,
      r.index,
      () =>
        applyFilter(
          selectInstances(deps, r.value, tags, meta, passing).map((i) => ({
            Node: renderNode(i.node),
            Service: renderNodeService(i.service),
            Checks: i.checks.map(renderCheck),
          })),
          q.filter,
          'checkServiceNode',
        ),
      q.filter === ''
        ? (pretty) =>
            joinRows(
              selectInstances(deps, r.value, tags, meta, passing).map((i) =>
                healthRowJson(i.node, i.service, i.checks, pretty),
              ),
              pretty,
            )
        : undefined,
    );
  };
}
