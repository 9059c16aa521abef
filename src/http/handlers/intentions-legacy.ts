/**
 * The deprecated intention-by-ID API that Consul still serves (agent/intentions_endpoint.go `IntentionCreate`,
 * `IntentionSpecific*`; agent/consul/intention_endpoint.go `computeApplyChangesLegacy*`; state
 * `intentionMutationLegacy*`):
 *
 * - `POST /v1/connect/intentions` → `{"ID": "<uuid>"}`: appends a source with `LegacyID`, `LegacyMeta` and the
 *   legacy timestamps to the destination's `service-intentions` entry (created if missing);
 * - `GET /v1/connect/intentions/:id` → the intention, 404 `Intention not found`, 400 for a malformed UUID;
 * - `PUT /v1/connect/intentions/:id` (replace the source, same destination) and `DELETE …/:id` → empty 200.
 *
 * Only entries whose every source was written this way may be edited by ID: once an entry was written as a config
 * entry (which clears every `LegacyID`), Consul refuses with `cannot use legacy intention API to edit intentions
 * with a destination of "<dest>" after editing them via a service-intentions config entry`. A body `SourcePeer`
 * is refused first on every write, with Consul's `SourcePeer field is not supported on this endpoint. Use config
 * entries instead` (peer intentions exist only as config entries). Errors are plain RPC errors there: HTTP 500.
 */
import { randomUUID } from 'node:crypto';
import { formatMultiError } from '../../config-entry/index.js';
import { WILDCARD } from '../../intentions/index.js';
import { parseQueryOptions, type RequestContext } from '../context.js';
import { Fields } from '../decode.js';
import type { HttpDeps } from '../deps.js';
import { json, type Reply } from '../reply.js';
import { block } from './common.js';
import { DECODE, editEntry, intentionView, plain, type Sources } from './intentions.js';
import { badRequest } from '../../errors/index.js';
import { goQuote } from '../../lib/go/strconv.js';

/** Consul's `metaValueMaxLength`, `metaMaxKeyPairs`, `metaKeyMaxLength` (structs). */
const META_VALUE_MAX = 512;
const META_MAX_PAIRS = 64;
const META_KEY_MAX = 128;

/** A body `structs.Intention`, as the legacy endpoints read it. */
interface LegacyIntentionBody {
  readonly id: string;
  readonly description: string;
  readonly sourceNS: string;
  readonly sourceName: string;
  readonly destinationNS: string;
  readonly destinationName: string;
  readonly sourcePartition: string;
  readonly destinationPartition: string;
  readonly sourceType: string;
  readonly action: string;
  readonly permissions: unknown;
  readonly meta: Record<string, string>;
}

function decodeBody(raw: unknown): LegacyIntentionBody {
  const f = new Fields(raw ?? {}, 'structs.Intention', DECODE);
  if (f.string('SourcePeer') !== '') {
    throw plain('SourcePeer field is not supported on this endpoint. Use config entries instead');
  }
  return {
    id: f.string('ID'),
    description: f.string('Description'),
    sourceNS: f.string('SourceNS') || 'default',
    sourceName: f.string('SourceName'),
    destinationNS: f.string('DestinationNS') || 'default',
    destinationName: f.string('DestinationName'),
    sourcePartition: f.string('SourcePartition'),
    destinationPartition: f.string('DestinationPartition'),
    sourceType: f.string('SourceType') || 'consul',
    action: f.string('Action'),
    permissions: f.raw('Permissions'),
    meta: f.has('Meta') ? f.stringMap('Meta') : {},
  };
}

/** CE's `validateEnterpriseIntention`: partitions and namespaces other than `default` are Enterprise. */
function enterpriseError(b: LegacyIntentionBody): string | undefined {
  const part = (which: string, v: string): string | undefined =>
    v === '' || v.toLowerCase() === 'default'
      ? undefined
      : `Invalid ${which} partition ${goQuote(v)}: Partitions is a Consul Enterprise feature`;
  const ns = (which: string, v: string): string | undefined =>
    v === '' || v.toLowerCase() === 'default'
      ? undefined
      : `Invalid ${which} namespace ${goQuote(v)}: Namespaces is a Consul Enterprise feature`;
  return (
    part('source', b.sourcePartition) ??
    part('destination', b.destinationPartition) ??
    ns('source', b.sourceNS) ??
    ns('destination', b.destinationNS)
  );
}

function wildcardErrors(field: string, value: string): string[] {
  return value !== WILDCARD && value.includes(WILDCARD)
    ? [`${field}: wildcard character '*' cannot be used with partial values`]
    : [];
}

/** The legacy `Intention.Validate()`: every problem at once, as a go-multierror. */
function validationError(b: LegacyIntentionBody): string | undefined {
  const errs: string[] = [];
  if (b.sourceName === '') errs.push('SourceName must be set');
  if (b.destinationName === '') errs.push('DestinationName must be set');
  errs.push(...wildcardErrors('SourceName', b.sourceName));
  errs.push(...wildcardErrors('DestinationName', b.destinationName));
  if (Buffer.byteLength(b.description) > META_VALUE_MAX)
    errs.push(`Description exceeds maximum length ${META_VALUE_MAX}`);
  const keys = Object.keys(b.meta).sort();
  if (keys.length > META_MAX_PAIRS) errs.push(`Meta exceeds maximum element count ${META_MAX_PAIRS}`);
  for (const k of keys) {
    if (Buffer.byteLength(k) > META_KEY_MAX)
      errs.push(`Meta key ${goQuote(k)} exceeds maximum length ${META_KEY_MAX}`);
    if (Buffer.byteLength(b.meta[k] ?? '') > META_VALUE_MAX)
      errs.push(`Meta value for key ${goQuote(k)} exceeds maximum length ${META_VALUE_MAX}`);
  }
  if (b.action !== 'allow' && b.action !== 'deny') errs.push("Action must be set to 'allow' or 'deny'");
  if (b.sourceType !== 'consul') errs.push("SourceType must be set to 'consul'");
  return errs.length === 0 ? undefined : formatMultiError(errs);
}

function checkBody(b: LegacyIntentionBody): void {
  const msg = enterpriseError(b) ?? validationError(b);
  if (msg !== undefined) throw plain(msg);
}

/** Go's `time.Time` JSON (RFC 3339 with nanoseconds, trailing zeros dropped) for a JS date. */
function goTime(d: Date): string {
  return d.toISOString().replace(/\.?0+Z$/, 'Z');
}

/** `ToSourceIntention(true)` with fresh legacy timestamps. */
function legacySource(b: LegacyIntentionBody, id: string, now: string): Record<string, unknown> {
  const src: Record<string, unknown> = { Name: b.sourceName, LegacyID: id, Type: b.sourceType };
  if (b.action !== '') src['Action'] = b.action;
  if (b.permissions !== undefined && b.permissions !== null) src['Permissions'] = b.permissions;
  if (b.description !== '') src['Description'] = b.description;
  src['LegacyMeta'] = b.meta;
  src['LegacyCreateTime'] = now;
  src['LegacyUpdateTime'] = now;
  return src;
}

/** `checkLegacyIntentionApplyAllowed`: every source of the entry must have been written by the legacy API. */
function assertLegacyEditable(entry: Record<string, unknown>): void {
  const sources = (entry['Sources'] ?? []) as Sources;
  if (sources.every((s) => typeof s['LegacyID'] === 'string' && s['LegacyID'] !== '')) return;
  throw plain(
    `cannot use legacy intention API to edit intentions with a destination of ${goQuote(String(entry['Name']))} after editing them via a service-intentions config entry`,
  );
}

/**
 * go-memdb's UUID index argument check (`UUIDFieldIndex.parseString` with the length enforced): the error an ID
 * lookup fails with, or undefined for a well-formed UUID.
 */
export function uuidLookupError(id: string): string | undefined {
  if (id.length !== 36) return 'UUID must be 36 characters';
  const hyphens = id.split('-').length - 1;
  if (hyphens > 4) return `UUID should have maximum of 4 "-"; got ${hyphens}`;
  const hex = id.replaceAll('-', '');
  if (hex.length % 2 !== 0) return 'Input (without hyphens) must be even length';
  const bad = /[^0-9a-fA-F]/.exec(hex);
  if (bad !== null) {
    const ch = bad[0];
    const cp = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    return `Invalid UUID: encoding/hex: invalid byte: U+${cp} '${ch}'`;
  }
  return undefined;
}

/** The ID from the path; an empty one is not an ID route (`/v1/connect/intentions/`). */
function pathId(ctx: RequestContext): string {
  return ctx.rest;
}

/** The stored intention with this ID for a write, or Consul's error for the operation. */
function existingForWrite(deps: HttpDeps, id: string, verb: 'modify' | 'delete'): { destination: string } {
  const err = uuidLookupError(id);
  if (err !== undefined) throw plain(`Intention lookup failed: ${err}`);
  const ixn = intentionView(deps.store).current().byId(id);
  if (ixn === undefined) throw plain(`Cannot ${verb} non-existent intention: '${id}'`);
  return { destination: ixn.DestinationName };
}

/** `POST /v1/connect/intentions` (deprecated create) → `{"ID": …}`. */
export async function intentionCreate(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const body = decodeBody(await ctx.json(DECODE));
  if (body.id !== '') throw plain('ID must be empty when creating a new intention');
  checkBody(body);
  const id = randomUUID();
  const source = legacySource(body, id, goTime(new Date()));
  await editEntry(
    deps,
    body.destinationName,
    (prev) => {
      if (prev === null) return { sources: [source] };
      assertLegacyEditable(prev);
      return { sources: [...((prev['Sources'] ?? []) as Sources), source], meta: prev['Meta'] };
    },
    true,
  );
  return json({ ID: id });
}

/** `GET /v1/connect/intentions/:id` (blocking). */
export async function intentionGetById(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  const q = parseQueryOptions(ctx, deps.info.datacenter);
  const id = pathId(ctx);
  const err = uuidLookupError(id);
  // Consul answers 400 for errors mentioning "UUID" (the index's argument check).
  if (err !== undefined) throw badRequest(err);
  const view = intentionView(deps.store);
  const r = await block(deps, ctx, q.minIndex, q.waitMs, (ws) => {
    const index = Math.max(1, deps.store.configEntries(ws, 'service-intentions').index);
    return { index, value: view.current().byId(id) ?? null };
  });
  if (r.value === null) return { status: 404, raw: 'Intention not found', index: r.index };
  return json(r.value, r.index);
}

/** `PUT /v1/connect/intentions/:id`: replaces that source; the destination cannot change. Empty 200. */
export async function intentionUpdateById(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const id = pathId(ctx);
  const body = decodeBody(await ctx.json(DECODE));
  const { destination } = existingForWrite(deps, id, 'modify');
  // CE service names carry no namespace or partition: only the name is compared.
  if (body.destinationName !== destination) {
    throw plain('Cannot modify Destination partition/namespace/name for an intention once it exists.');
  }
  checkBody(body);
  const now = goTime(new Date());
  await editEntry(
    deps,
    destination,
    (prev) => {
      if (prev === null) throw plain(`Cannot modify non-existent intention: '${id}'`);
      assertLegacyEditable(prev);
      const sources = [...((prev['Sources'] ?? []) as Sources)];
      const i = sources.findIndex((s) => String(s['LegacyID']).toLowerCase() === id.toLowerCase());
      const old = sources[i];
      if (old === undefined) throw plain(`Cannot modify non-existent intention: '${id}'`);
      // `UpdateOver`: the ID and the creation time carry over.
      const next = legacySource(body, String(old['LegacyID']), now);
      if (old['LegacyCreateTime'] !== undefined) next['LegacyCreateTime'] = old['LegacyCreateTime'];
      sources[i] = next;
      return { sources, meta: prev['Meta'] };
    },
    true,
  );
  return { status: 200 };
}

/** `DELETE /v1/connect/intentions/:id`: removes that source (the entry goes with its last one). Empty 200. */
export async function intentionDeleteById(deps: HttpDeps, ctx: RequestContext): Promise<Reply> {
  parseQueryOptions(ctx, deps.info.datacenter);
  const id = pathId(ctx);
  const { destination } = existingForWrite(deps, id, 'delete');
  await editEntry(
    deps,
    destination,
    (prev) => {
      if (prev === null) throw plain(`Cannot delete non-existent intention: '${id}'`);
      assertLegacyEditable(prev);
      const sources = (prev['Sources'] ?? []) as Sources;
      const kept = sources.filter((s) => String(s['LegacyID']).toLowerCase() !== id.toLowerCase());
      if (kept.length === sources.length) throw plain(`Cannot delete non-existent intention: '${id}'`);
      return { sources: kept, meta: prev['Meta'] };
    },
    true,
  );
  return { status: 200 };
}
