import { AppError, badRequest } from '../../errors/index.js';
import type { KVEntry } from '../../types/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { block, commit } from './common.js';

/** Consul's default kv_max_value_size (raft's suggested max data size): 512 KiB. */
export const KV_MAX_VALUE_BYTES = 512 * 1024;

function renderKv(e: KVEntry): Record<string, unknown> {
  return {
    LockIndex: e.LockIndex,
    Key: e.Key,
    Flags: e.Flags,
    Value: e.Value === null ? null : e.Value.toString('base64'),
    ...(e.Session ? { Session: e.Session } : {}),
    CreateIndex: e.CreateIndex,
    ModifyIndex: e.ModifyIndex,
  };
}

function uintParam(ctx: RequestContext, name: string, what: string): number | undefined {
  const v = ctx.query(name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw badRequest(`Invalid ${what}: "${v}"`);
  return Number(v);
}

/** GET /v1/kv/:key (`recurse`, `keys`, `separator`, `raw`) */
export async function kvGet(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const key = ctx.rest;
  if (ctx.flag('keys')) {
    const sep = ctx.query('separator') ?? '';
    const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.kvList(ws, key));
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const e of r.value) {
      let k = e.Key;
      if (sep !== '') {
        const at = k.indexOf(sep, key.length);
        if (at >= 0) k = k.slice(0, at + sep.length);
      }
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
    if (keys.length === 0) return { status: 404, index: r.index };
    return json(keys, r.index);
  }
  if (ctx.flag('recurse')) {
    const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.kvList(ws, key));
    if (r.value.length === 0) return { status: 404, index: r.index };
    return json(r.value.map(renderKv), r.index);
  }
  if (key === '') throw badRequest('Missing key name');
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => deps.store.kvGet(ws, key));
  if (!r.value) return { status: 404, index: r.index };
  if (ctx.flag('raw')) {
    return {
      raw: r.value.Value ?? Buffer.alloc(0),
      contentType: 'text/plain; charset=utf-8',
      headers: { 'X-Content-Type-Options': 'nosniff' },
      index: r.index,
    };
  }
  return json([renderKv(r.value)], r.index);
}

/** PUT /v1/kv/:key: the body is the raw value. Answers `true`, or `false` when a CAS lost. */
export async function kvPut(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const key = ctx.rest;
  if (key === '') throw badRequest('Missing key name');
  if (ctx.query('acquire') !== undefined || ctx.query('release') !== undefined) {
    throw badRequest('Sessions are not supported: ?acquire and ?release cannot be used');
  }
  const flags = uintParam(ctx, 'flags', 'flags') ?? 0;
  const cas = uintParam(ctx, 'cas', 'cas index');
  const declared = Number(ctx.req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > KV_MAX_VALUE_BYTES) throw tooLarge(declared);
  let body: Buffer;
  try {
    body = await ctx.rawBody(KV_MAX_VALUE_BYTES);
  } catch (err) {
    if (err instanceof AppError && err.code === 'ENT_ERR_BODY_TOO_LARGE')
      throw tooLarge(KV_MAX_VALUE_BYTES + 1);
    throw err;
  }
  const { value } = await commit(deps, {
    Type: 'kv',
    Verb: cas === undefined ? 'set' : 'cas',
    Key: key,
    Value: body.length === 0 ? null : body.toString('base64'),
    Flags: flags,
    Index: cas ?? 0,
  });
  return json(value);
}

function tooLarge(size: number): AppError {
  return new AppError(
    'ENT_ERR_BODY_TOO_LARGE',
    `Request body(${size} bytes) too large, max size: ${KV_MAX_VALUE_BYTES} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`,
  );
}

/** DELETE /v1/kv/:key (`recurse`, `cas`) */
export async function kvDelete(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const key = ctx.rest;
  const recurse = ctx.flag('recurse');
  if (key === '' && !recurse) throw badRequest('Missing key name');
  const cas = uintParam(ctx, 'cas', 'cas index');
  const { value } = await commit(deps, {
    Type: 'kv',
    Verb: recurse ? 'delete-tree' : cas === undefined ? 'delete' : 'delete-cas',
    Key: key,
    Value: null,
    Flags: 0,
    Index: cas ?? 0,
  });
  return json(value);
}
