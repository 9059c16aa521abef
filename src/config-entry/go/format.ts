/**
 * Small re-implementations of the Go formatting rules that leak into Consul's error texts and JSON: `%v`,
 * and the `go-multierror` / `mapstructure` error layouts. `%q` (`goQuote`), `time.Duration.String()` and
 * `time.ParseDuration` come from `lib/go`, re-exported here for the config-entry kinds.
 *
 * Written from the Go documentation and behaviour, not ported code.
 */
import { formatGoDuration, parseGoDuration } from '../../lib/go/duration.js';
import { goQuote } from '../../lib/go/strconv.js';

export { formatGoDuration, goQuote, parseGoDuration };

/** Go's `%v` for a float64 (shortest `%g`, exponent from 1e+06 / below 1e-04). */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const exp = n.toExponential(); // shortest round-trip digits, e.g. "1.5e+6"
  const [mantissa = '', expPart = '0'] = exp.split('e');
  const e = Number(expPart);
  if (e < -4 || e >= 6) {
    const sign = e < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return plainDecimal(n);
}

/** Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent. */
export function plainDecimal(n: number): string {
  const s = String(n);
  if (!s.includes('e')) return s;
  const negative = n < 0;
  const [mant = '', expPart = '0'] = Math.abs(n).toExponential().split('e');
  const e = Number(expPart);
  const digits = mant.replace('.', '');
  let out: string;
  if (e >= 0) {
    out =
      digits.length <= e + 1
        ? digits + '0'.repeat(e + 1 - digits.length)
        : `${digits.slice(0, e + 1)}.${digits.slice(e + 1)}`;
  } else {
    out = `0.${'0'.repeat(-e - 1)}${digits}`;
  }
  return negative ? `-${out}` : out;
}

/**
 * Go's `%v` for a value decoded from JSON into `interface{}` (maps print as `map[k:v]` with sorted keys, slices
 * as `[a b]`, nil as `<nil>`).
 */
export function goFmtV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map((x) => goFmtV(x)).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `map[${entries.map(([k, x]) => `${k}:${goFmtV(x)}`).join(' ')}]`;
  }
  return typeof v === 'bigint' ? v.toString() : '';
}

/** The Go type a JSON value has after `json.Unmarshal` into `interface{}`, as `reflect.Type.String()` prints it. */
export function goJsonType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** The Go `reflect.Kind` name of a JSON value, as mapstructure prints it in "expected a map, got '…'". */
export function goJsonKind(v: unknown): string {
  if (v === null || v === undefined) return 'invalid';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'slice';
  return 'map';
}

export { formatMultiError } from '../../lib/go/multierror.js';

/** `mapstructure.Error`'s layout: points sorted, one per line. */
export function formatMapstructureError(messages: readonly string[]): string {
  const points = messages.map((m) => `* ${m}`).sort();
  return `${messages.length} error(s) decoding:\n\n${points.join('\n')}`;
}
