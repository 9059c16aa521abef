/**
 * Renders a decoded Go-shaped value as Go's `encoding/json` would marshal the Consul struct: fields in struct
 * order, `omitempty` honoured (and ignored for non-pointer structs, as Go does), nil slices/maps/pointers as
 * `null`, map keys sorted, custom `MarshalJSON` quirks (resolver/route timeouts as duration strings first;
 * `Kind` prepended for mesh and exported-services).
 */
import { formatGoDuration } from './go/format.js';
import {
  isGoStruct,
  type FieldSchema,
  type FieldType,
  type GoStruct,
  type GoValue,
  type StructSchema,
} from './schema.js';

function sortKeys<T>(o: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Opaque values (`interface{}`) marshal with sorted map keys at every depth. */
function renderOpaque(v: GoValue): unknown {
  if (Array.isArray(v)) return v.map(renderOpaque);
  if (isGoStruct(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of sortKeys(v)) out[k] = renderOpaque(x);
    return out;
  }
  return v;
}

/**
 * Go marshals a float32 with the fewest digits that round-trip in float32 (33.33, not 33.33000183105469).
 */
export function shortestFloat32(v: number): number {
  const target = Math.fround(v);
  if (!Number.isFinite(target) || target === 0) return target;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(target.toPrecision(p));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}

/** Go's `isEmptyValue` for `omitempty`. */
function isEmpty(type: FieldType, v: GoValue): boolean {
  if (v === null) return true;
  switch (type.t) {
    case 'struct':
      return false; // non-pointer structs are never empty; nil pointers caught above
    case 'string':
    case 'time':
      return v === '';
    case 'bool':
      return v === false;
    case 'int':
    case 'duration':
      return type.ptr !== true && v === 0;
    case 'float32':
      return v === 0;
    case 'slice':
      return Array.isArray(v) && v.length === 0;
    case 'mapString':
    case 'mapAny':
    case 'mapStruct':
      return isGoStruct(v) && Object.keys(v).length === 0;
    case 'any':
      return false;
  }
}

function renderValue(type: FieldType, v: GoValue): unknown {
  if (v === null) return null;
  switch (type.t) {
    case 'float32':
      return typeof v === 'number' ? shortestFloat32(v) : v;
    case 'string':
    case 'bool':
    case 'int':
    case 'time':
      return v;
    case 'duration':
      return type.json === 'string' && typeof v === 'number' ? formatGoDuration(v) : v;
    case 'any':
      return renderOpaque(v);
    case 'mapString':
    case 'mapAny':
      return isGoStruct(v) ? renderOpaque(v) : null;
    case 'slice':
      return Array.isArray(v) ? v.map((x) => renderValue(type.of, x)) : null;
    case 'struct':
      return isGoStruct(v) ? renderStruct(type.s, v) : null;
    case 'mapStruct': {
      if (!isGoStruct(v)) return null;
      const out: Record<string, unknown> = {};
      for (const [k, x] of sortKeys(v)) out[k] = isGoStruct(x) ? renderStruct(type.s, x) : null;
      return out;
    }
  }
}

function renderField(out: Record<string, unknown>, field: FieldSchema, v: GoValue): void {
  if (field.omitempty === true && isEmpty(field.type, v)) return;
  out[field.name] = renderValue(field.type, v);
}

/** Marshals `value` per `schema`, the way Go's encoding/json marshals the matching Consul struct. */
export function renderStruct(schema: StructSchema, value: GoStruct): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (schema.prependKind !== undefined) out['Kind'] = schema.prependKind;
  const first = new Set(schema.jsonFirst ?? []);
  for (const name of schema.jsonFirst ?? []) {
    const field = schema.fields.find((x) => x.name === name);
    const v = value[name];
    // The custom marshallers emit these as strings and blank them when zero (omitempty).
    if (field !== undefined && typeof v === 'number' && v !== 0) out[name] = formatGoDuration(v);
  }
  for (const field of schema.fields) {
    if (field.hidden === true || field.ignored === true || first.has(field.name)) continue;
    renderField(out, field, value[field.name] ?? null);
  }
  return out;
}
