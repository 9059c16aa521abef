/**
 * The public operations: decode + normalize + validate a request body, check a `/v1/config/:kind/:name` path,
 * and render a stored entry for HTTP.
 */
import { AppError, badRequest } from '../errors/index.js';
import { decodeStruct } from './decode.js';
import { decodeFailed, invalidEntry } from './errors.js';
import { formatMapstructureError, formatMultiError, goQuote } from './go/format.js';
import { MESH_CONFIG_NAME } from './kinds/mesh.js';
import { PROXY_CONFIG_GLOBAL, proxyDefaultsNameError } from './kinds/proxy-defaults.js';
import { isConfigEntryKind, type ConfigEntryKind } from './kinds.js';
import { KIND_MODULES } from './registry.js';
import { legacyServiceIntentions } from './kinds/service-intentions.js';
import type { KindModule } from './kinds/shared.js';
import { renderStruct } from './render.js';
import type { ConfigEntry } from './types.js';

/** Name of a JSON value's type as Go's json package words it in "cannot unmarshal X into …". */
function jsonTypeWord(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/** Consul's `validateUnusedKeys` (CE), as multierror items. */
function unusedKeyErrors(unused: readonly string[]): string[] {
  const errs: string[] = [];
  for (const k of unused) {
    if (k === 'CreateIndex' || k === 'ModifyIndex' || k === 'kind' || k === 'Kind') continue;
    const lower = k.toLowerCase();
    if (lower.endsWith('namespace')) {
      errs.push(`invalid config key ${goQuote(k)}, namespaces are a consul enterprise feature`);
    } else if (lower.includes('jwt')) {
      errs.push(
        `invalid config key ${goQuote(k)}, api-gateway jwt validation is a consul enterprise feature`,
      );
    } else {
      errs.push(`invalid config key ${goQuote(k)}`);
    }
  }
  return errs;
}

/** `invalid config entry kind: <kind>` (Consul `MakeConfigEntry`). */
function invalidKindMessage(kind: string): string {
  return `invalid config entry kind: ${kind}`;
}

/**
 * Decodes a `PUT /v1/config` body (already `JSON.parse`d, or parsed from HCL) the way Consul does, then applies
 * Consul's `Normalize()` and `Validate()`.
 *
 * - Keys match struct fields exactly, then case-insensitively; snake_case aliases (`peer_name`, `mesh_gateway`,
 *   …) are translated; unknown keys are rejected (`invalid config key "X"`); scalars convert weakly.
 * - Decode failures throw a 400 {@link AppError}: `Request decoding failed: <detail>`.
 * - Normalize/Validate failures throw the bare message with HTTP 500, as Consul's RPC layer answers.
 *
 * @returns the canonical entry: Consul's JSON shape (field order, `omitempty`, defaults such as intention
 *   `Precedence`/`Type`, normalized split weights and upper-cased methods), without raft indexes. `mesh` entries
 *   additionally carry `Name: "mesh"` for addressing; {@link renderConfigEntry} drops it again.
 * @throws AppError
 */
export function decodeConfigEntry(raw: unknown): ConfigEntry {
  let body: Record<string, unknown>;
  if (raw === null || raw === undefined) {
    body = {};
  } else if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw decodeFailed(
      `json: cannot unmarshal ${jsonTypeWord(raw)} into Go value of type map[string]interface {}`,
    );
  } else {
    body = raw as Record<string, unknown>;
  }

  const hasKey = (k: string): boolean => Object.prototype.hasOwnProperty.call(body, k);
  if (!hasKey('Kind') && !hasKey('kind')) {
    throw decodeFailed('Payload does not contain a kind/Kind key at the top level');
  }
  const kindVal = hasKey('Kind') ? body['Kind'] : body['kind'];
  if (typeof kindVal !== 'string') throw decodeFailed('Kind value in payload is not a string');
  if (!isConfigEntryKind(kindVal)) throw decodeFailed(invalidKindMessage(kindVal));

  return decodeWith(KIND_MODULES[kindVal], kindVal, body);
}

/**
 * Decodes a `service-intentions` entry written through the legacy intention-by-ID API (`POST
 * /v1/connect/intentions`, `PUT|DELETE /v1/connect/intentions/:id`): Consul's `LegacyNormalize` and
 * `LegacyValidate`, which keep `LegacyID`, `LegacyMeta` and the legacy timestamps that a config-entry write drops,
 * and refuse entry `Meta` and peer sources. Same errors and statuses as {@link decodeConfigEntry}.
 *
 * @throws AppError
 */
export function decodeLegacyIntentionsEntry(raw: Record<string, unknown>): ConfigEntry {
  return decodeWith(legacyServiceIntentions, 'service-intentions', { ...raw, Kind: 'service-intentions' });
}

function decodeWith(mod: KindModule, kindVal: ConfigEntryKind, body: Record<string, unknown>): ConfigEntry {
  const decoded = decodeStruct(mod.schema, body);
  if (decoded.errors.length > 0) throw decodeFailed(formatMapstructureError(decoded.errors));
  const unused = unusedKeyErrors(decoded.unused);
  if (unused.length > 0) throw decodeFailed(formatMultiError(unused));

  const entry = decoded.value;
  const normErr = mod.normalize(entry);
  if (normErr !== undefined) throw invalidEntry(normErr);
  const validErr = mod.validate(entry);
  if (validErr !== undefined) throw invalidEntry(validErr);

  const rendered = renderStruct(mod.schema, entry);
  if (kindVal === 'mesh') return { Kind: 'mesh', Name: MESH_CONFIG_NAME, ...withoutKind(rendered) };
  return rendered as ConfigEntry;
}

function withoutKind(o: Record<string, unknown>): Record<string, unknown> {
  const { Kind: _kind, ...rest } = o;
  return rest;
}

/** Which HTTP operation a path check is for: Consul answers an unknown kind differently per route. */
export type ConfigPathOperation = 'read' | 'delete';

/**
 * Checks the `:kind` (and, for deletes, `:name`) of `GET|DELETE /v1/config/:kind[/:name]` as Consul does.
 *
 * - Unknown kind on DELETE: 400 `invalid config entry kind: <kind>` (agent/config_endpoint.go answers it itself).
 * - Unknown kind on GET (read or list): the same text with 500 (it comes back from the `ConfigEntry.Get`/`List`
 *   RPC as a plain error).
 * - DELETE of `proxy-defaults/<not global>`: 500 `invalid name ("x"), only "global" is supported` (Normalize).
 *
 * @throws AppError
 */
export function validateKindName(kind: string, name?: string, operation: ConfigPathOperation = 'read'): void {
  if (!isConfigEntryKind(kind)) {
    if (operation === 'delete') throw badRequest(invalidKindMessage(kind));
    throw invalidEntry(invalidKindMessage(kind));
  }
  if (
    operation === 'delete' &&
    kind === 'proxy-defaults' &&
    name !== undefined &&
    name !== '' &&
    name !== PROXY_CONFIG_GLOBAL
  ) {
    throw invalidEntry(proxyDefaultsNameError(name));
  }
}

/**
 * The name under which an entry of `kind` named `name` is stored: `mesh` entries are always `mesh` and
 * proxy-defaults always `global` (Consul's `GetName()` / `Normalize()`).
 */
export function canonicalEntryName(kind: ConfigEntryKind, name: string): string {
  if (kind === 'mesh') return MESH_CONFIG_NAME;
  if (kind === 'proxy-defaults' && name === '') return PROXY_CONFIG_GLOBAL;
  return name;
}

/**
 * Renders a stored entry for an HTTP response, with Consul's JSON shape: field order, `omitempty`, `Kind` first
 * for mesh/exported-services, resolver timeouts first, no `Name` for mesh, then `CreateIndex` and `ModifyIndex`.
 */
export function renderConfigEntry(
  entry: ConfigEntry,
  createIndex: number,
  modifyIndex: number,
): Record<string, unknown> {
  const mod = KIND_MODULES[entry.Kind];
  const decoded = decodeStruct(mod.schema, entry);
  if (decoded.errors.length > 0) {
    throw new AppError('ENT_ERR_INTERNAL', 'stored config entry does not match its schema', {
      details: { kind: entry.Kind, name: entry.Name, errors: decoded.errors },
    });
  }
  return { ...renderStruct(mod.schema, decoded.value), CreateIndex: createIndex, ModifyIndex: modifyIndex };
}
