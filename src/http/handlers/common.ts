import { blockingQuery } from '../../blocking/index.js';
import { AppError } from '../../errors/index.js';
import type { Command, WatchSet } from '../../state/index.js';
import type { RequestContext } from '../context.js';
import { cacheKey } from '../response-cache.js';
import { json, serializeJson, type Reply } from '../reply.js';
import type { HttpDeps } from '../deps.js';

/** Commits a command; an error answered by the state machine keeps its code (the HTTP edge maps it). */
export async function commit(deps: HttpDeps, cmd: Command): Promise<{ index: number; value: unknown }> {
  const { index, result } = await deps.write(cmd);
  if (!result.ok) throw new AppError(result.code, result.error);
  return { index, value: result.value };
}

/** `?tag=` (repeatable): an instance must carry every tag. */
export function tagFilter(ctx: RequestContext): (tags: readonly string[]) => boolean {
  const want = ctx.queryAll('tag');
  if (want.length === 0) return acceptAll;
  return (tags) => want.every((t) => tags.includes(t));
}

/** `?node-meta=k:v` (repeatable): a node must match every pair. */
export function nodeMetaFilter(ctx: RequestContext): (meta: Readonly<Record<string, string>>) => boolean {
  const pairs = ctx.queryAll('node-meta').map((p) => {
    const i = p.indexOf(':');
    return i < 0 ? ([p, ''] as const) : ([p.slice(0, i), p.slice(i + 1)] as const);
  });
  if (pairs.length === 0) return acceptAll;
  return (meta) => pairs.every(([k, v]) => meta[k] === v);
}

/** The filter of a request without the parameter: one function for all of them, not a closure per request. */
function acceptAll(): boolean {
  return true;
}

/**
 * A JSON answer built by `build`, reused from the response cache while `index` holds. Requests whose output
 * depends on more than the index (node-meta filters read node records outside the index they report) are
 * built every time.
 */
export function cachedJson(
  deps: HttpDeps,
  ctx: RequestContext,
  index: number,
  build: () => unknown,
  /** A faster way to the same JSON text (compact or pretty), when the handler has one. */
  buildText?: (pretty: boolean) => string,
): Reply {
  if (ctx.flag('node-meta')) {
    const headers = readMeta(deps, ctx, false, 0);
    return { ...json(build(), index), ...(headers ? { headers } : {}) };
  }
  const key = `${cacheKey(ctx.target)}${ctx.pretty ? '#pretty' : ''}`;
  const r = deps.cache.lookup(key, index, () =>
    buildText ? buildText(ctx.pretty) : serializeJson(build(), ctx.pretty),
  );
  const headers = readMeta(deps, ctx, r.hit, r.ageMs);
  return { raw: r.body, contentType: 'application/json', index, ...(headers ? { headers } : {}) };
}

/** The per-request headers of a cached read: peer staleness and agent-cache meta, or nothing. */
function readMeta(
  deps: HttpDeps,
  ctx: RequestContext,
  hit: boolean,
  ageMs: number,
): Record<string, string> | undefined {
  const contact = peerContactMs(deps, ctx);
  const cache = cacheMeta(ctx, hit, ageMs);
  if (contact === undefined) return cache;
  return { ...cache, 'X-Consul-LastContact': String(contact) };
}

/**
 * On a `?peer=` read, `X-Consul-LastContact` is the time (ms) since that peer last sent anything (heartbeats
 * count), instead of 0: data imported from a peer that is unreachable is visibly stale, not served as fresh.
 * While the peering is healthy the value stays below the heartbeat interval.
 */
function peerContactMs(deps: HttpDeps, ctx: RequestContext): number | undefined {
  const name = ctx.query('peer');
  if (name === undefined || name === '') return undefined;
  const p = deps.store.peering(undefined, name).value;
  if (!p) return undefined;
  return Math.round(deps.peering.tracker.lastContactMs(p.ID));
}

/** The endpoints Consul serves from its agent cache with `?cached` (the others ignore the parameter). */
const AGENT_CACHE_PATHS = [
  '/v1/catalog/services',
  '/v1/catalog/service/',
  '/v1/catalog/connect/',
  '/v1/health/service/',
  '/v1/health/connect/',
];

/**
 * Consul's `setCacheMeta` for `?cached` reads: `X-Cache: HIT` with `Age` (seconds, rounded) when the answer was
 * reused, `X-Cache: MISS` when it was built for this request. Here a hit is the rendered-response cache reusing an
 * answer whose index has not moved, so it is never stale: `Age` says how long that same answer has been served.
 */
function cacheMeta(ctx: RequestContext, hit: boolean, ageMs: number): Record<string, string> | undefined {
  if (!ctx.flag('cached')) return undefined;
  const path = ctx.pathname;
  if (!AGENT_CACHE_PATHS.some((p) => (p.endsWith('/') ? path.startsWith(p) : path === p))) return undefined;
  return hit ? { 'X-Cache': 'HIT', Age: String(Math.round(ageMs / 1000)) } : { 'X-Cache': 'MISS' };
}

/** Runs a read as a blocking query with the request's `?index`/`?wait` and its abort signal. */
export function block<T>(
  deps: HttpDeps,
  ctx: RequestContext,
  minIndex: number,
  waitMs: number | undefined,
  query: (ws: WatchSet) => { index: number; value: T },
): Promise<{ index: number; value: T }> {
  return blockingQuery(
    deps.store,
    // A plain read (no ?index) never waits, so it needs no abort signal.
    minIndex > 0
      ? { minIndex, signal: ctx.signal, ...(waitMs === undefined ? {} : { waitMs }) }
      : { minIndex },
    query,
  );
}
