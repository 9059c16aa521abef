/**
 * A tiny description language for the Go structs behind each config entry kind. One schema drives decoding
 * (mapstructure emulation, {@link ./decode.ts}) and rendering (encoding/json emulation, {@link ./render.ts}), so
 * field order, aliases and `omitempty` live in exactly one place per field.
 */

/** A value as Go holds it after decoding: zero values are explicit (`''`, `0`, `false`, `null`). */
export type GoValue = string | number | boolean | null | GoValue[] | GoStruct;
/** A decoded struct or map: PascalCase field names for structs, user keys for maps. */
export interface GoStruct {
  [field: string]: GoValue;
}

/** Go integer types that occur in config entries. */
export type GoIntKind = 'int' | 'uint32' | 'uint64';

export type FieldType =
  /** `go` names a named string type (`structs.ProxyMode`) for mapstructure messages. */
  | { readonly t: 'string'; readonly go?: string }
  | { readonly t: 'bool' }
  /** `ptr`: a `*int`-style pointer, where nil and 0 differ (nil is omitted, 0 is rendered). */
  | { readonly t: 'int'; readonly go: GoIntKind; readonly ptr?: boolean }
  | { readonly t: 'float32' }
  /** `time.Duration`; `json` says how Go marshals it: plain nanoseconds, or a custom `Duration.String()`. */
  | { readonly t: 'duration'; readonly json: 'ns' | 'string'; readonly ptr?: boolean }
  /** `*time.Time`, RFC 3339. */
  | { readonly t: 'time' }
  | { readonly t: 'mapString' }
  /** `map[string]interface{}`: opaque values. */
  | { readonly t: 'mapAny' }
  | { readonly t: 'slice'; readonly of: FieldType }
  | { readonly t: 'struct'; readonly s: StructSchema; readonly ptr: boolean }
  | { readonly t: 'mapStruct'; readonly s: StructSchema }
  /** `interface{}`. */
  | { readonly t: 'any' };

export interface FieldSchema {
  /** Go field name, which is also the JSON key. */
  readonly name: string;
  readonly type: FieldType;
  /** `alias:"…"` tag values (lower case snake_case keys HookTranslateKeys accepts). */
  readonly aliases?: readonly string[];
  /** `json:",omitempty"`. Has no effect on non-pointer structs, as in Go. */
  readonly omitempty?: boolean;
  /** `json:"-"`: decoded but never rendered. */
  readonly hidden?: boolean;
  /** Accepted on input but neither kept nor rendered (`RaftIndex`, `Hash`). */
  readonly ignored?: boolean;
}

export interface StructSchema {
  /** Go type name, for "expected type" messages and docs. */
  readonly goName: string;
  readonly fields: readonly FieldSchema[];
  /**
   * Fields a custom `MarshalJSON` emits before the struct's own (resolver timeouts): they render first, as
   * strings, omitted when zero.
   */
  readonly jsonFirst?: readonly string[];
  /** A custom `MarshalJSON` adds `Kind` first although the struct has no such field (mesh, exported-services). */
  readonly prependKind?: string;
}

// ---- Schema builders (terse on purpose: schemas read like the Go structs) ----

export const str: FieldType = { t: 'string' };
/** A named Go string type, e.g. `structs.IntentionAction`. */
export const named = (go: string): FieldType => ({ t: 'string', go });
export const bool: FieldType = { t: 'bool' };
export const int: FieldType = { t: 'int', go: 'int' };
export const uint32: FieldType = { t: 'int', go: 'uint32' };
export const uint64: FieldType = { t: 'int', go: 'uint64' };
export const intPtr: FieldType = { t: 'int', go: 'int', ptr: true };
export const uint32Ptr: FieldType = { t: 'int', go: 'uint32', ptr: true };
export const float32: FieldType = { t: 'float32' };
export const durationNs: FieldType = { t: 'duration', json: 'ns' };
export const durationNsPtr: FieldType = { t: 'duration', json: 'ns', ptr: true };
export const durationStr: FieldType = { t: 'duration', json: 'string' };
export const time: FieldType = { t: 'time' };
export const mapString: FieldType = { t: 'mapString' };
export const mapAny: FieldType = { t: 'mapAny' };
export const anyValue: FieldType = { t: 'any' };
export const sliceOf = (of: FieldType): FieldType => ({ t: 'slice', of });
export const structOf = (s: StructSchema): FieldType => ({ t: 'struct', s, ptr: false });
export const ptrTo = (s: StructSchema): FieldType => ({ t: 'struct', s, ptr: true });
export const mapOf = (s: StructSchema): FieldType => ({ t: 'mapStruct', s });

/** Field with `json:",omitempty"` and optional aliases. */
export function oe(name: string, type: FieldType, ...aliases: string[]): FieldSchema {
  return { name, type, omitempty: true, aliases };
}
/** Field without `omitempty`, with optional aliases. */
export function f(name: string, type: FieldType, ...aliases: string[]): FieldSchema {
  return { name, type, aliases };
}

/** `RaftIndex` (embedded, not squashed) and `Hash` (1.15+): accepted, dropped. */
export const RAFT_INDEX_FIELDS: readonly FieldSchema[] = [
  {
    name: 'RaftIndex',
    type: ptrTo({
      goName: 'structs.RaftIndex',
      fields: [f('CreateIndex', uint64), f('ModifyIndex', uint64)],
    }),
    ignored: true,
  },
];
export const HASH_FIELD: FieldSchema = { name: 'Hash', type: uint64, ignored: true };

/** The Go zero value for a field type. */
export function zeroValue(type: FieldType): GoValue {
  switch (type.t) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
      return type.ptr === true ? null : 0;
    case 'float32':
      return 0;
    case 'duration':
      return type.ptr === true ? null : 0;
    case 'struct':
      return type.ptr ? null : zeroStruct(type.s);
    case 'time':
    case 'mapString':
    case 'mapAny':
    case 'slice':
    case 'mapStruct':
    case 'any':
      return null;
  }
}

export function zeroStruct(s: StructSchema): GoStruct {
  const out: GoStruct = {};
  for (const field of s.fields) {
    if (field.ignored === true) continue;
    out[field.name] = zeroValue(field.type);
  }
  return out;
}

/** Go's Type.String() for a field type, for mapstructure messages. */
export function goTypeName(type: FieldType): string {
  switch (type.t) {
    case 'string':
      return type.go ?? 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return type.go; // mapstructure reports the pointee type
    case 'float32':
      return 'float32';
    case 'duration':
      return 'time.Duration';
    case 'time':
      return 'time.Time';
    case 'mapString':
      return 'map[string]string';
    case 'mapAny':
      return 'map[string]interface {}';
    case 'slice':
      return `[]${goTypeName(type.of)}`;
    case 'struct':
      return type.s.goName;
    case 'mapStruct':
      return `map[string]${type.s.goName}`;
    case 'any':
      return 'interface {}';
  }
}

// ---- Typed accessors for decoded values (GoStruct is loosely typed by design) ----

export function getStr(o: GoStruct, key: string): string {
  const v = o[key];
  return typeof v === 'string' ? v : '';
}
export function getBool(o: GoStruct, key: string): boolean {
  return o[key] === true;
}
export function getNum(o: GoStruct, key: string): number {
  const v = o[key];
  return typeof v === 'number' ? v : 0;
}
export function getObj(o: GoStruct, key: string): GoStruct | null {
  const v = o[key];
  return isGoStruct(v) ? v : null;
}
export function getList(o: GoStruct, key: string): GoValue[] {
  const v = o[key];
  return Array.isArray(v) ? v : [];
}
export function getObjList(o: GoStruct, key: string): GoStruct[] {
  return getList(o, key).filter(isGoStruct);
}
export function getStrList(o: GoStruct, key: string): string[] {
  return getList(o, key).filter((x): x is string => typeof x === 'string');
}
export function isGoStruct(v: unknown): v is GoStruct {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
