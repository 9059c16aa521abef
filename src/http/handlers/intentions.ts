/**
 * `/v1/connect/intentions*`: Consul's intention API over `service-intentions` config entries (agent/
 * intentions_endpoint.go, agent/consul/intention_endpoint.go). Reads come from the compiled {@link IntentionSet};
 * writes edit the destination's entry and go through the config-entry write path (decode, normalize, validate,
 * `config-set` with CAS), as Consul ≥ 1.9 does.
 *
 * Status codes follow Consul: most argument errors are plain RPC/handler errors there, which its HTTP layer
 * answers with **500** and the bare text; body decode errors are 400; a missing exact intention is 404.
 *
 * Peers: only `GET …/exact` accepts a `peer:<peer>/<name>` source; every other endpoint refuses it with Consul's
 * `cannot specify a peer here`, and a body `SourcePeer` is refused on writes (peer intentions are written as
 * `service-intentions` config entries with `Sources[].Peer`). Entente's `?explain` on `…/check` also accepts peer
 * sources, since explaining peer decisions is its purpose.
 */
import { AppError } from '../../errors/index.js';
import {
  decodeConfigEntry,
  decodeLegacyIntentionsEntry,
  type ConfigEntry,
} from '../../config-entry/index.js';
import {
  explainDecision,
  IntentionView,
  type Intention,
  type IntentionEntryRecord,
  type IntentionSource,
} from '../../intentions/index.js';
import { IDX } from '../../state/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import { Fields } from '../decode.js';
import type { HttpDeps, HttpStore } from '../deps.js';
import { applyFilter } from '../filter.js';
import { json, type Reply } from '../reply.js';
import { block, commit } from './common.js';

const KIND = 'service-intentions';
export const DECODE = 'Request decode failed';
/** Attempts of a read-modify-write of the destination's entry before giving up with Consul's CAS error. */
const MAX_CAS_ATTEMPTS = 5;

/**
 * Consul's `IntentionDefaultAllow`: allow while ACLs are disabled, otherwise the ACL default policy. Entente has
 * no ACLs yet, so the default is allow. TODO(acl): take it from `acl.default_policy` once ACLs exist.
 */
export const INTENTION_DEFAULT_ALLOW = true;

/** One view per store: rebuilt only when the `service-intentions` index moves (see intentions/README.md). */
const views = new WeakMap<HttpStore, IntentionView>();

/** The current intentions of a store. Exported for the authorize endpoint to share the same compiled view. */
export function intentionView(store: HttpStore): IntentionView {
  let view = views.get(store);
  if (view === undefined) {
    view = new IntentionView({
      intentionsIndex: () => store.maxIndex(undefined, IDX.configKind(KIND)),
      intentionEntries: () =>
        store.configEntries(undefined, KIND).value as unknown as readonly IntentionEntryRecord[],
    });
    views.set(store, view);
  }
  return view;
}

/** A plain error as Consul's HTTP layer answers it: 500 with the bare text. */
export function plain(message: string): AppError {
  return new AppError('ENT_ERR_BAD_REQUEST', message, { http: 500 });
}

interface ParsedTarget {
  readonly peer: string;
  readonly name: string;
}

/** `parseIntentionStringComponent`: `name`, `ns/name`, `partition/ns/name`, `peer:p/name`, `peer:p/ns/name`. */
export function parseIntentionTarget(input: string, allowPeer: boolean): ParsedTarget {
  if (input.startsWith('peer:') && !allowPeer) throw new Error('cannot specify a peer here');
  const parts = input.split('/');
  let peer = '';
  let ns = '';
  let partition = '';
  let name: string;
  const first = parts[0] ?? '';
  if (parts.length === 1) {
    if (first.startsWith('peer:')) throw new Error('need to specify the service name as well');
    name = first;
  } else if (parts.length === 2) {
    if (first.startsWith('peer:')) peer = first.slice('peer:'.length);
    else ns = first;
    name = parts[1] ?? '';
  } else if (parts.length === 3) {
    if (first.startsWith('peer:')) peer = first.slice('peer:'.length);
    else partition = first;
    ns = parts[1] ?? '';
    name = parts[2] ?? '';
  } else {
    throw new Error("input can contain at most two '/'");
  }
  // CE: the only namespace and partition are `default`.
  if (ns !== '' && ns.toLowerCase() !== 'default')
    throw new Error('Namespaces is a Consul Enterprise feature');
  if (partition !== '' && partition !== 'default')
    throw new Error('Partitions is a Consul Enterprise feature');
  return { peer, name };
}

function param(ctx: RequestContext, name: string, nonEmpty = false): string {
  const all = ctx.queryAll(name);
  if (all.length !== 1 || (nonEmpty && all[0] === '')) {
    throw plain(`required query parameter '${name}' not set`);
  }
  return all[0] ?? '';
}

function target(which: 'source' | 'destination', value: string, allowPeer: boolean): ParsedTarget {
  try {
    return parseIntentionTarget(value, allowPeer);
  } catch (err) {
    throw plain(`${which} ${JSON.stringify(value)} is invalid: ${err instanceof Error ? err.message : ''}`);
  }
}

/** `GET /v1/connect/intentions` (blocking, `?filter=`): every intention in evaluation order. */
export async function intentionList(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const view = intentionView(deps.store);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => {
    const index = deps.store.configEntries(ws, KIND).index;
    return { index, value: view.current().all };
  });
  return json(filterIntentions(r.value, q.filter), r.index);
}

/** `?filter=` over intentions; missing optional keys read as zero values, as Go's structs have them. */
function filterIntentions(all: readonly Intention[], expression: string): Intention[] {
  if (expression === '') return [...all];
  return applyFilter([...all], expression, 'intention');
}

/** `GET /v1/connect/intentions/match?by=source|destination&name=…` (repeatable `name`, blocking). */
export async function intentionMatch(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const byAll = ctx.queryAll('by');
  if (byAll.length !== 1) throw plain("required query parameter 'by' not set");
  const by = byAll[0];
  if (by !== 'source' && by !== 'destination')
    throw plain("'by' parameter must be one of 'source' or 'destination'");
  const names = ctx.queryAll('name');
  if (names.length === 0) throw plain("required query parameter 'name' not set");
  const parsed = names.map((n) => {
    try {
      return parseIntentionTarget(n, false).name;
    } catch (err) {
      throw plain(`name ${JSON.stringify(n)} is invalid: ${err instanceof Error ? err.message : ''}`);
    }
  });
  const view = intentionView(deps.store);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => {
    const index = deps.store.configEntries(ws, KIND).index;
    const set = view.current();
    const out: Record<string, Intention[]> = {};
    parsed.forEach((name, i) => {
      out[names[i] ?? name] = by === 'source' ? set.matchSource(name) : set.matchDestination(name);
    });
    return { index, value: out };
  });
  return json(r.value, r.index);
}

/**
 * `GET /v1/connect/intentions/check?source=&destination=` → `{"Allowed": bool}` (Consul `Intention.Check`: the
 * highest-precedence matching intention decides, an L7 one as deny; no match → the default).
 *
 * Entente's `?explain` adds `"Explanation"` (see intentions/explain.ts) and accepts `peer:<peer>/<name>` sources.
 */
export function intentionCheck(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const explain = ctx.flag('explain');
  const sourceType = ctx.query('source-type') ?? 'consul';
  const sourceRaw = param(ctx, 'source');
  const destRaw = param(ctx, 'destination');
  if (sourceType !== 'consul') throw plain(`unsupported SourceType: ${JSON.stringify(sourceType)}`);
  const src = target('source', sourceRaw, explain);
  const dst = target('destination', destRaw, false);
  const set = intentionView(deps.store).current();
  const source: IntentionSource = { name: src.name, peer: src.peer };
  if (!explain) {
    return Promise.resolve(json({ Allowed: set.decide(source, dst.name, INTENTION_DEFAULT_ALLOW).allowed }));
  }
  const explanation = explainDecision(set, source, dst.name, INTENTION_DEFAULT_ALLOW);
  return Promise.resolve(json({ Allowed: explanation.Allowed, Explanation: explanation }));
}

/** `GET /v1/connect/intentions/exact?source=&destination=` (blocking): one intention or 404. */
export async function intentionGetExact(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const src = target('source', param(ctx, 'source'), true);
  const dst = target('destination', param(ctx, 'destination'), false);
  const view = intentionView(deps.store);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => {
    const index = deps.store.configEntry(ws, KIND, dst.name).index;
    return { index, value: view.current().exact({ name: src.name, peer: src.peer }, dst.name) ?? null };
  });
  if (r.value === null) return { status: 404, raw: 'Intention not found', index: r.index };
  return json(r.value, r.index);
}

/** What a PUT body may set on the source (`ToSourceIntention(false)`). */
interface SourceBody {
  readonly source: Record<string, unknown>;
  readonly meta: Record<string, string> | undefined;
}

function decodeSourceBody(raw: unknown, srcName: string): SourceBody {
  const f = new Fields(raw, 'structs.Intention', DECODE);
  if (f.string('ID') !== '') throw plain('ID must not be specified');
  if (f.string('SourcePeer') !== '') {
    // Consul's Intention.Apply refuses it before anything else, for every operation.
    throw plain('SourcePeer field is not supported on this endpoint. Use config entries instead');
  }
  if (f.string('SourceSamenessGroup') !== '')
    throw plain('Sources[0].SamenessGroup cannot be set by legacy intentions');
  const source: Record<string, unknown> = { Name: srcName };
  const action = f.string('Action');
  if (action !== '') source['Action'] = action;
  const permissions = f.raw('Permissions');
  if (permissions !== undefined) source['Permissions'] = permissions;
  source['Type'] = f.string('SourceType');
  const description = f.string('Description');
  if (description !== '') source['Description'] = description;
  const meta = f.has('Meta') ? f.stringMap('Meta') : undefined;
  return { source, meta: meta !== undefined && Object.keys(meta).length > 0 ? meta : undefined };
}

function sameMeta(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {});
  return ak.length === Object.keys(b).length && ak.every((k) => a?.[k] === b[k]);
}

export type Sources = Record<string, unknown>[];

function isLocalSource(src: Record<string, unknown>, name: string): boolean {
  return src['Name'] === name && (src['Peer'] === undefined || src['Peer'] === '');
}

/**
 * Read-modify-write of the destination's entry with CAS (`legacy`: Consul's LegacyNormalize/LegacyValidate), retried when another write won; the entry is
 * re-validated by the config-entry write path every time (the service-graph check runs in the apply). `edit` answers the new sources, or null for no change.
 */
export async function editEntry(
  deps: HttpDeps,
  destination: string,
  edit: (prev: Record<string, unknown> | null) => { sources: Sources; meta?: unknown } | null,
  legacy = false,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const prev = deps.store.configEntry(undefined, KIND, destination).value;
    const change = edit(prev?.entry ?? null);
    if (change === null) return;
    const cas = prev?.ModifyIndex ?? 0;
    let applied: unknown;
    if (change.sources.length === 0) {
      ({ value: applied } = await commit(deps, {
        Type: 'config-delete',
        Kind: KIND,
        Name: destination,
        Cas: cas,
      }));
    } else {
      const raw: Record<string, unknown> = { Kind: KIND, Name: destination, Sources: change.sources };
      if (change.meta !== undefined) raw['Meta'] = change.meta;
      const entry: ConfigEntry = legacy ? decodeLegacyIntentionsEntry(raw) : decodeConfigEntry(raw);
      ({ value: applied } = await commit(deps, { Type: 'config-set', Entry: entry, Cas: cas }));
    }
    if (applied === true) return;
  }
  throw plain(
    `config entry failed to persist due to CAS failure: kind=${JSON.stringify(KIND)}, name=${JSON.stringify(destination)}`,
  );
}

function exactTargets(ctx: RequestContext): { src: ParsedTarget; dst: ParsedTarget } {
  const src = target('source', param(ctx, 'source', true), false);
  const dst = target('destination', param(ctx, 'destination', true), false);
  return { src, dst };
}

/**
 * `PUT /v1/connect/intentions/exact?source=&destination=` with an Intention body → `true` (Consul's upsert: the
 * source is replaced or appended in the destination's entry, `Meta` only as the entry already has it).
 */
export async function intentionPutExact(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const { src, dst } = exactTargets(ctx);
  const raw = await ctx.json(DECODE);
  const body = decodeSourceBody(raw ?? {}, src.name);
  await editEntry(deps, dst.name, (prev) => {
    if (prev === null) {
      if (body.meta !== undefined) throw plain('Meta must not be specified');
      return { sources: [body.source] };
    }
    const entryMeta = (prev['Meta'] ?? {}) as Record<string, string>;
    if (body.meta !== undefined && !sameMeta(body.meta, entryMeta)) {
      throw plain('Meta must not be specified, or should be unchanged during an update.');
    }
    const sources = [...((prev['Sources'] ?? []) as Sources)];
    const i = sources.findIndex((s) => isLocalSource(s, src.name));
    if (i >= 0) sources[i] = body.source;
    else sources.push(body.source);
    return { sources, meta: prev['Meta'] };
  });
  return json(true);
}

/** `DELETE /v1/connect/intentions/exact?source=&destination=` → `true`, also when there was nothing to delete. */
export async function intentionDeleteExact(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const { src, dst } = exactTargets(ctx);
  await editEntry(deps, dst.name, (prev) => {
    if (prev === null) return null;
    const sources = (prev['Sources'] ?? []) as Sources;
    const kept = sources.filter((s) => !isLocalSource(s, src.name));
    if (kept.length === sources.length) return null;
    return { sources: kept, meta: prev['Meta'] };
  });
  return json(true);
}
