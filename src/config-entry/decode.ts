/**
 * Decodes a raw JSON/HCL value into the Go-shaped value a {@link StructSchema} describes, behaving as Consul's
 * `structs.DecodeConfigEntry` does: `mapstructure` with `WeaklyTypedInput`, the `lib/decode` hooks
 * (`HookWeakDecodeFromSlice`, `HookTranslateKeys`), `StringToTimeDurationHookFunc` and RFC 3339 times, and
 * `Metadata.Unused` for unknown keys.
 *
 * Behaviour worth knowing, all Consul's:
 * - struct fields match keys exactly first, then case-insensitively;
 * - snake_case aliases are rewritten to the lower-cased canonical key unless that exact key already exists
 *   (so `{"Peer": "a", "peer_name": "b"}` leaves an unused `peer` key behind);
 * - a one-element array given where a non-slice is expected is unwrapped (HCL blocks);
 * - scalars convert weakly (`"true"` → bool, `5` → `"5"`, `"7"` → int, floats truncate to ints);
 * - a scalar given where a slice is expected becomes a one-element slice; an empty object becomes an empty slice.
 */
import { parseGoBool } from '../lib/go/strconv.js';
import {
  formatMapstructureError,
  goFmtV,
  goJsonKind,
  goJsonType,
  goQuote,
  parseGoDuration,
  plainDecimal,
} from './go/format.js';
import {
  goTypeName,
  isGoStruct,
  zeroStruct,
  zeroValue,
  type FieldType,
  type GoStruct,
  type GoValue,
  type StructSchema,
} from './schema.js';

export interface DecodeOutcome {
  readonly value: GoStruct;
  /** Leaf messages as mapstructure words them; non-empty means the decode failed. */
  readonly errors: readonly string[];
  /** Unused keys as dotted paths (`Sources[0].Foo`), in input order. */
  readonly unused: readonly string[];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Path of a struct field below `name`, as mapstructure builds it. */
function childName(name: string, field: string): string {
  return name === '' ? field : `${name}.${field}`;
}

/** Deep copy of JSON-like data so hooks may rewrite maps without touching the caller's object. */
function cloneJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneJson);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = cloneJson(x);
    return out;
  }
  return v;
}

/**
 * `unSlice` from lib/decode: inside a value bound for `interface{}`, every map element that is a one-element
 * slice is replaced by its element, at any depth.
 */
function unSliceDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unSliceDeep);
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const y: unknown = Array.isArray(x) && x.length === 1 ? (x[0] as unknown) : x;
      out[k] = unSliceDeep(y);
    }
    return out;
  }
  return v;
}

/** Converts decoded opaque data (JSON) into a GoValue, keeping it as-is. */
function toGoValue(v: unknown): GoValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(toGoValue);
  if (isPlainObject(v)) {
    const out: GoStruct = {};
    for (const [k, x] of Object.entries(v)) out[k] = toGoValue(x);
    return out;
  }
  return null;
}

/** Bit sizes of the Go integer types (ranges are approximate beyond 2^53, as JS numbers are). */
const INT_RANGES: Readonly<Record<'int' | 'uint32' | 'uint64', { bits: number }>> = {
  int: { bits: 64 },
  uint32: { bits: 32 },
  uint64: { bits: 64 },
};

/** Go's `strconv.ParseInt(s, 0, bits)` / `ParseUint`, returning the Go error text on failure. */
function parseGoInt(s: string, unsigned: boolean, bits: number): number | string {
  const fn = unsigned ? 'strconv.ParseUint' : 'strconv.ParseInt';
  const syntax = `${fn}: parsing ${goQuote(s)}: invalid syntax`;
  let body = s;
  let neg = false;
  if (!unsigned && (body.startsWith('-') || body.startsWith('+'))) {
    neg = body.startsWith('-');
    body = body.slice(1);
  }
  let base = 10;
  const lower = body.toLowerCase();
  if (lower.startsWith('0x')) {
    base = 16;
    body = body.slice(2);
  } else if (lower.startsWith('0b')) {
    base = 2;
    body = body.slice(2);
  } else if (lower.startsWith('0o')) {
    base = 8;
    body = body.slice(2);
  } else if (body.length > 1 && body.startsWith('0')) {
    base = 8;
    body = body.slice(1);
  }
  if (base !== 10) body = body.replace(/^_/, '');
  const digits = body.replace(/_/g, '');
  const valid = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^\d+$/, 16: /^[0-9a-f]+$/i }[base];
  if (digits === '' || valid?.test(digits) !== true) return syntax;
  const n = parseInt(digits, base) * (neg ? -1 : 1);
  const limit = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1);
  if ((unsigned && n > limit) || (!unsigned && (n >= limit || n < -limit))) {
    return `${fn}: parsing ${goQuote(s)}: value out of range`;
  }
  return n;
}

class Decoder {
  readonly errors: string[] = [];
  readonly unused: string[] = [];

  /** Runs the hooks mapstructure runs before every decode: slice unwrapping and string → duration/time. */
  private preHook(type: FieldType, data: unknown, name: string): { ok: true; data: unknown } | { ok: false } {
    let out = data;
    const targetIsSlice = type.t === 'slice';
    if (Array.isArray(out) && !targetIsSlice && out.length === 1) {
      out = type.t === 'any' ? unSliceDeep(out[0]) : out[0];
    }
    if (type.t === 'duration' && typeof out === 'string') {
      try {
        out = parseGoDuration(out);
      } catch (err) {
        this.errors.push(`error decoding '${name}': ${(err as Error).message}`);
        return { ok: false };
      }
    }
    if (type.t === 'time' && typeof out === 'string' && !RFC3339.test(out)) {
      this.errors.push(
        `error decoding '${name}': parsing time ${goQuote(out)} as "2006-01-02T15:04:05Z07:00": cannot parse ${goQuote(out)} as "2006"`,
      );
      return { ok: false };
    }
    return { ok: true, data: out };
  }

  private unconvertible(name: string, type: FieldType, data: unknown): void {
    this.errors.push(
      `'${name}' expected type '${goTypeName(type)}', got unconvertible type '${goJsonType(data)}', value: '${goFmtV(data)}'`,
    );
  }

  decodeValue(type: FieldType, raw: unknown, name: string): GoValue {
    if (raw === null || raw === undefined) return zeroValue(type);
    const hooked = this.preHook(type, raw, name);
    if (!hooked.ok) return zeroValue(type);
    const data = hooked.data;
    if (data === null || data === undefined) return zeroValue(type);

    switch (type.t) {
      case 'string':
        if (typeof data === 'string') return data;
        if (typeof data === 'boolean') return data ? '1' : '0';
        if (typeof data === 'number') return plainDecimal(data);
        this.unconvertible(name, type, data);
        return '';
      case 'bool':
        if (typeof data === 'boolean') return data;
        if (typeof data === 'number') return data !== 0;
        if (typeof data === 'string') {
          if (data === '') return false;
          const b = parseGoBool(data);
          if (!b.ok) {
            this.errors.push(`cannot parse '${name}' as bool: ${b.error}`);
            return false;
          }
          return b.value;
        }
        this.unconvertible(name, type, data);
        return false;
      case 'int':
      case 'duration':
        return this.decodeInt(type, data, name);
      case 'float32':
        if (typeof data === 'number') return Math.fround(data);
        if (typeof data === 'boolean') return data ? 1 : 0;
        if (typeof data === 'string') {
          const s = data === '' ? '0' : data;
          const n = Number(s);
          if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) || Number.isNaN(n)) {
            this.errors.push(
              `cannot parse '${name}' as float: strconv.ParseFloat: parsing ${goQuote(data)}: invalid syntax`,
            );
            return 0;
          }
          return Math.fround(n);
        }
        this.unconvertible(name, type, data);
        return 0;
      case 'time':
        if (typeof data === 'string') return data;
        this.errors.push(`'${name}' expected a map, got '${goJsonKind(data)}'`);
        return null;
      case 'any':
        return toGoValue(data);
      case 'mapString':
      case 'mapAny':
        return this.decodeMap(type, data, name);
      case 'slice':
        return this.decodeSlice(type.of, data, name);
      case 'struct':
        return this.decodeStruct(type.s, data, name);
      case 'mapStruct':
        return this.decodeMap(type, data, name);
    }
  }

  private decodeInt(type: FieldType & { t: 'int' | 'duration' }, data: unknown, name: string): number {
    const goKind = type.t === 'int' ? type.go : 'int';
    const range = INT_RANGES[goKind];
    const unsigned = goKind !== 'int';
    const wrap = (n: number): number => {
      const t = Math.trunc(n);
      if (unsigned && t < 0) return range.bits === 32 ? t + 2 ** 32 : t + 2 ** 64;
      return t;
    };
    if (typeof data === 'number') return wrap(data);
    if (typeof data === 'boolean') return data ? 1 : 0;
    if (typeof data === 'string') {
      const parsed = parseGoInt(data === '' ? '0' : data, unsigned, range.bits);
      if (typeof parsed === 'string') {
        this.errors.push(`cannot parse '${name}' as ${unsigned ? 'uint' : 'int'}: ${parsed}`);
        return 0;
      }
      return parsed;
    }
    this.unconvertible(name, type, data);
    return 0;
  }

  private decodeSlice(of: FieldType, data: unknown, name: string): GoValue[] | null {
    let items: unknown[];
    if (Array.isArray(data)) {
      items = data;
    } else if (isPlainObject(data) && Object.keys(data).length === 0) {
      return [];
    } else {
      items = [data];
    }
    return items.map((item, i) => this.decodeValue(of, item, `${name}[${String(i)}]`));
  }

  private decodeMap(
    type: FieldType & { t: 'mapString' | 'mapAny' | 'mapStruct' },
    data: unknown,
    name: string,
  ): GoStruct | null {
    let sources: Record<string, unknown>[];
    if (isPlainObject(data)) {
      sources = [data];
    } else if (Array.isArray(data)) {
      // decodeMapFromSlice: each element is merged into the map.
      sources = [];
      for (const [i, el] of data.entries()) {
        if (isPlainObject(el)) sources.push(el);
        else this.errors.push(`'${name}[${String(i)}]' expected a map, got '${goJsonKind(el)}'`);
      }
    } else {
      this.errors.push(`'${name}' expected a map, got '${goJsonKind(data)}'`);
      return null;
    }
    const out: GoStruct = {};
    for (const src of sources) {
      for (const [k, v] of Object.entries(src)) {
        const elName = `${name}[${k}]`;
        switch (type.t) {
          case 'mapString':
            out[k] = this.decodeValue({ t: 'string' }, v, elName);
            break;
          case 'mapAny':
            out[k] = this.decodeValue({ t: 'any' }, v, elName);
            break;
          case 'mapStruct':
            out[k] = this.decodeStruct(type.s, v, elName);
            break;
        }
      }
    }
    return out;
  }

  decodeStruct(s: StructSchema, data: unknown, name: string): GoStruct {
    const out = zeroStruct(s);
    if (data === null || data === undefined) return out;
    let input: unknown = data;
    if (Array.isArray(input) && input.length === 1) input = input[0] as unknown;
    if (!isPlainObject(input)) {
      this.errors.push(`'${name}' expected a map, got '${goJsonKind(input)}'`);
      return out;
    }
    const source = this.translateKeys(s, input);
    const unusedKeys = new Set(Object.keys(source));
    for (const field of s.fields) {
      let key: string | undefined = Object.prototype.hasOwnProperty.call(source, field.name)
        ? field.name
        : undefined;
      if (key === undefined) {
        const lower = field.name.toLowerCase();
        key = Object.keys(source).find((k) => k.toLowerCase() === lower);
      }
      if (key === undefined) continue;
      unusedKeys.delete(key);
      const value = this.decodeValue(field.type, source[key], childName(name, field.name));
      if (field.ignored !== true) out[field.name] = value;
    }
    for (const k of unusedKeys) this.unused.push(childName(name, k));
    return out;
  }

  /** HookTranslateKeys: alias keys move to the lower-cased canonical key unless that exact key exists. */
  private translateKeys(s: StructSchema, input: Record<string, unknown>): Record<string, unknown> {
    const rules = new Map<string, string>();
    for (const field of s.fields) {
      for (const alias of field.aliases ?? []) rules.set(alias.toLowerCase(), field.name.toLowerCase());
    }
    if (rules.size === 0) return input;
    const out: Record<string, unknown> = { ...input };
    for (const [k, v] of Object.entries(input)) {
      const canon = rules.get(k.toLowerCase());
      if (canon === undefined) continue;
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- mirrors the Go map rewrite
      delete out[k];
      if (!Object.prototype.hasOwnProperty.call(out, canon)) out[canon] = v;
    }
    return out;
  }
}

/**
 * Decodes `raw` against `schema` as Consul's config-entry decoder does. Never throws: the caller decides how to
 * report `errors` (mapstructure's layout) and `unused` keys (Consul's validateUnusedKeys).
 */
export function decodeStruct(schema: StructSchema, raw: unknown): DecodeOutcome {
  const d = new Decoder();
  const value = d.decodeStruct(schema, cloneJson(raw), '');
  return { value, errors: d.errors, unused: d.unused };
}

export { formatMapstructureError, isGoStruct };
