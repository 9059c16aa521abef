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
  if (want.length === 0) return () => true;
  return (tags) => want.every((t) => tags.includes(t));
}

/** `?node-meta=k:v` (repeatable): a node must match every pair. */
export function nodeMetaFilter(ctx: RequestContext): (meta: Readonly<Record<string, string>>) => boolean {
  const pairs = ctx.queryAll('node-meta').map((p) => {
    const i = p.indexOf(':');
    return i < 0 ? ([p, ''] as const) : ([p.slice(0, i), p.slice(i + 1)] as const);
  });
  if (pairs.length === 0) return () => true;
  return (meta) => pairs.every(([k, v]) => meta[k] === v);
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
  const headers = peerContactHeaders(deps, ctx);
  if (ctx.url.searchParams.has('node-meta')) return { ...json(build(), index), ...headers };
  const key = `${cacheKey(ctx.url)}${ctx.pretty ? '#pretty' : ''}`;
  const body = deps.cache.get(key, index, () =>
    buildText ? buildText(ctx.pretty) : serializeJson(build(), ctx.pretty),
  );
  return { raw: body, contentType: 'application/json', index, ...headers };
}

/**
 * On a `?peer=` read, `X-Consul-LastContact` is the time (ms) since that peer last sent anything (heartbeats
 * count), instead of 0: data imported from a peer that is unreachable is visibly stale, not served as fresh.
 * While the peering is healthy the value stays below the heartbeat interval.
 */
export function peerContactHeaders(
  deps: HttpDeps,
  ctx: RequestContext,
): { headers: Record<string, string> } | undefined {
  const name = ctx.url.searchParams.get('peer');
  if (name === null || name === '') return undefined;
  const p = deps.store.peering(undefined, name).value;
  if (!p) return undefined;
  return {
    headers: { 'X-Consul-LastContact': String(Math.round(deps.peering.tracker.lastContactMs(p.ID))) },
  };
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
