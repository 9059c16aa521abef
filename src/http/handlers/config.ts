import { AppError, badRequest } from '../../errors/index.js';
import {
  canonicalEntryName,
  decodeConfigEntry,
  renderConfigEntry,
  validateKindName,
  type ConfigEntry,
  type ConfigEntryKind,
} from '../../config-entry/index.js';
import type { ConfigEntryRecord } from '../../state/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { block, commit } from './common.js';

const DECODE = 'Request decoding failed';

function casParam(ctx: RequestContext): number | null {
  const v = ctx.query('cas');
  if (v === undefined) return null;
  if (!/^\d+$/.test(v)) throw badRequest(`Invalid cas index: "${v}"`);
  return Number(v);
}

/** PUT /v1/config (`?cas=`): answers bare `true`, or `false` when the CAS lost. */
export async function configApply(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const cas = casParam(ctx);
  const raw = await ctx.json(DECODE);
  if (raw === undefined) throw badRequest(`${DECODE}: missing config entry in request body`);
  const entry = decodeConfigEntry(raw);
  // The service-graph check runs when the command is applied (state/tables/config.ts), against the state it
  // is applied to; its refusal comes back as ENT_ERR_CONFIG_GRAPH_INVALID (500 with Consul's text).
  const { value } = await commit(deps, { Type: 'config-set', Entry: entry, Cas: cas });
  return json(value);
}

/** Stored entries were all written through decodeConfigEntry, so they are canonical ConfigEntry values. */
function render(rec: ConfigEntryRecord): Record<string, unknown> {
  return renderConfigEntry(rec.entry as unknown as ConfigEntry, rec.CreateIndex, rec.ModifyIndex);
}

function splitKindName(rest: string): [string, string] {
  const i = rest.indexOf('/');
  return i < 0 ? [rest, ''] : [rest.slice(0, i), rest.slice(i + 1)];
}

/** GET /v1/config/:kind and /v1/config/:kind/:name */
export async function configGet(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const [kind, name] = splitKindName(ctx.rest);
  if (kind === '')
    throw new AppError('ENT_ERR_NOT_FOUND', 'Must provide either a kind or both kind and name');
  validateKindName(kind, name === '' ? undefined : name);
  if (name === '') {
    const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.configEntries(ws, kind));
    return json(
      r.value.map((rec) => render(rec)),
      r.index,
    );
  }
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.configEntry(ws, kind, name));
  if (!r.value) {
    return { status: 404, raw: `Config entry not found for "${kind}" / "${name}"`, index: r.index };
  }
  return json(render(r.value), r.index);
}

/** DELETE /v1/config/:kind/:name (`?cas=`) */
export async function configDelete(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const [kind, name] = splitKindName(ctx.rest);
  if (kind === '' || name === '') throw badRequest('Must provide both a kind and name to delete');
  validateKindName(kind, name, 'delete');
  const cas = casParam(ctx);
  const canonical = canonicalEntryName(kind as ConfigEntryKind, name);
  const { value } = await commit(deps, { Type: 'config-delete', Kind: kind, Name: canonical, Cas: cas });
  return cas === null ? json({}) : json(value);
}
