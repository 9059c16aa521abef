/**
 * Go's `time.ParseDuration` and `time.Duration.String()`, in nanoseconds. Written from the Go documentation and
 * behaviour, not ported code.
 */
import { goQuote } from './strconv.js';

const NS_PER_US = 1_000;
const NS_PER_MS = 1_000_000;
const NS_PER_S = 1_000_000_000;
const NS_PER_M = 60 * NS_PER_S;
const NS_PER_H = 60 * NS_PER_M;

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
