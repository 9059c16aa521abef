/**
 * The number decoding of Go's `mapstructure` with `WeaklyTypedInput`, which Consul uses to read CA provider
 * configuration maps (`GetCommonConfig`, `ParseConsulCAConfig`): numbers pass, numeric strings parse (an empty
 * string is 0), booleans are 1/0, and anything else is an error worded as mapstructure words it.
 *
 * @packageDocumentation
 */
import { parseGoFloat, parseGoInt } from './strconv.js';

/** The Go field type being decoded into. */
export type WeakNumberKind = 'float32' | 'int';

/**
 * Decodes `value` (from a JSON/HCL map) into a number for the Go field `name`. Answers `undefined` for an absent
 * value, and pushes mapstructure's error text onto `errors` when the value does not decode. An `int` field takes
 * a fractional number truncated, as mapstructure does.
 */
export function weakNumber(
  value: unknown,
  name: string,
  kind: WeakNumberKind,
  errors: string[],
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return kind === 'int' ? Math.trunc(value) : value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') {
    const s = value === '' ? '0' : value;
    if (kind === 'float32') {
      const r = parseGoFloat(s);
      if (r.ok) return r.value;
      errors.push(`cannot parse '${name}' as float: ${r.error}`);
      return undefined;
    }
    const r = parseGoInt(s);
    if (r.ok) return Number(r.value);
    errors.push(`cannot parse '${name}' as int: ${r.error}`);
    return undefined;
  }
  const goType = Array.isArray(value) ? '[]interface {}' : 'map[string]interface {}';
  errors.push(
    `'${name}' expected type '${kind}', got unconvertible type '${goType}', value: '${goValue(value)}'`,
  );
  return undefined;
}

/** A value of `config` by Go field name, matched without case as mapstructure matches map keys. */
export function fieldOf(config: Readonly<Record<string, unknown>>, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(config).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : config[key];
}

/**
 * The message Consul returns for a config map that did not decode: `error decoding config: N error(s)
 * decoding:\n\n* ...`, the points sorted as mapstructure sorts them.
 */
export function decodeErrorMessage(errors: readonly string[]): string {
  const points = errors.map((e) => `* ${e}`).sort();
  return `error decoding config: ${errors.length} error(s) decoding:\n\n${points.join('\n')}`;
}

/** Go's `%v` of a decoded JSON array or object, near enough for an error message. */
function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([k, x]) => `${k}:${goValue(x)}`).join(' ')}]`;
  }
  return String(v);
}
