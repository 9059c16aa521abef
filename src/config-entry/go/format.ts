/**
 * Small re-implementations of the Go formatting rules that leak into Consul's error texts and JSON: `%v`,
 * `time.Duration.String()`, `time.ParseDuration`, and the `go-multierror` / `mapstructure` error layouts. `%q`
 * (`goQuote`) is Go's `strconv.Quote` from `lib/go`, re-exported here for the config-entry kinds.
 *
 * Written from the Go documentation and behaviour, not ported code.
 */
import { goQuote } from '../../lib/go/strconv.js';

export { goQuote };

const NS_PER_US = 1_000;
const NS_PER_MS = 1_000_000;
const NS_PER_S = 1_000_000_000;
const NS_PER_M = 60 * NS_PER_S;
const NS_PER_H = 60 * NS_PER_M;

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

function fmtFrac(v: number, prec: number): { digits: string; rest: number } {
  // Mirrors Go's fmtFrac: prints the fraction of v/10^prec, dropping trailing zeros.
  let out = '';
  let print = false;
  let rest = v;
  for (let i = 0; i < prec; i++) {
    const digit = rest % 10;
    print = print || digit !== 0;
    if (print) out = String(digit) + out;
    rest = Math.floor(rest / 10);
  }
  return { digits: print ? `.${out}` : '', rest };
}

/** Go's `time.Duration.String()` for a duration in nanoseconds (integral). */
export function formatGoDuration(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  let u = Math.abs(Math.trunc(ns));
  let out: string;
  if (u < NS_PER_S) {
    let prec: number;
    let unit: string;
    if (u < NS_PER_US) {
      return `${neg ? '-' : ''}${u}ns`;
    } else if (u < NS_PER_MS) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const { digits, rest } = fmtFrac(u, prec);
    out = `${rest}${digits}${unit}`;
  } else {
    const { digits, rest } = fmtFrac(u, 9);
    u = rest; // whole seconds
    let s = `${u % 60}${digits}s`;
    u = Math.floor(u / 60);
    if (u > 0) {
      s = `${u % 60}m${s}`;
      u = Math.floor(u / 60);
      if (u > 0) s = `${u}h${s}`;
    }
    out = s;
  }
  return neg ? `-${out}` : out;
}

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: NS_PER_US,
  µs: NS_PER_US, // U+00B5
  μs: NS_PER_US, // U+03BC
  ms: NS_PER_MS,
  s: NS_PER_S,
  m: NS_PER_M,
  h: NS_PER_H,
};

/** Go's `time.ParseDuration`; returns nanoseconds or throws an `Error` with Go's message. */
export function parseGoDuration(input: string): number {
  const orig = input;
  const invalid = (): Error => new Error(`time: invalid duration ${goQuote(orig)}`);
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s);
    const whole = m?.[1] ?? '';
    const frac = m?.[2];
    if (whole === '' && (frac === undefined || frac === '')) throw invalid();
    s = s.slice(m?.[0].length ?? 0);
    const unitMatch = /^[^\d.]+/.exec(s);
    if (!unitMatch) throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = unitMatch[0];
    const scale = UNIT_NS[unit];
    if (scale === undefined)
      throw new Error(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(orig)}`);
    s = s.slice(unit.length);
    let value = (whole === '' ? 0 : Number(whole)) * scale;
    if (frac !== undefined && frac !== '') value += Math.trunc(Number(`0.${frac}`) * scale);
    total += value;
    if (total > 2 ** 63) throw invalid();
  }
  return neg ? -total : total;
}

/** `go-multierror`'s default layout for a list of messages. */
export function formatMultiError(messages: readonly string[]): string {
  if (messages.length === 1) return `1 error occurred:\n\t* ${messages[0] ?? ''}\n\n`;
  return `${messages.length} errors occurred:\n\t${messages.map((m) => `* ${m}`).join('\n\t')}\n\n`;
}

/** `mapstructure.Error`'s layout: points sorted, one per line. */
export function formatMapstructureError(messages: readonly string[]): string {
  const points = messages.map((m) => `* ${m}`).sort();
  return `${messages.length} error(s) decoding:\n\n${points.join('\n')}`;
}
