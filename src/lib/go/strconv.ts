/**
 * The slices of Go's `strconv` that leak into Consul's behaviour and error texts: `Quote` (what `%q` prints, in
 * config-entry and filter messages), `Unquote` (go-bexpr string literals) and the `Parse*` functions (go-bexpr
 * value coercion, mapstructure's weakly typed bools). Imports nothing from Entente.
 *
 * NOTE: each parser returns a `GoParseResult` instead of throwing, so callers decide how to word the failure;
 * `error` is exactly Go's `*strconv.NumError` text, e.g. `strconv.ParseInt: parsing "x": invalid syntax`.
 */

/** Outcome of a Go-style parse: the value, or Go's error text. */
export type GoParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `strconv.Quote`, i.e. what `fmt.Sprintf("%q", s)` prints for a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\v':
        out += '\\v';
        continue;
      default:
        break;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate (from a JSON `\uD800` escape) is U+FFFD in Go, whose JSON decoder replaces it; `Quote` prints
      // U+FFFD as is.
      out += '\uFFFD';
    } else if (PRINTABLE.test(ch)) {
      out += ch;
    } else if (cp < 0x80) {
      out += `\\x${cp.toString(16).padStart(2, '0')}`;
    } else if (cp < 0x10000) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else {
      out += `\\U${cp.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

function numError(fn: string, input: string, reason: 'invalid syntax' | 'value out of range'): string {
  return `strconv.${fn}: parsing ${goQuote(input)}: ${reason}`;
}

/** Go's `strconv.ParseBool`. */
export function parseGoBool(s: string): GoParseResult<boolean> {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return { ok: true, value: true };
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return { ok: true, value: false };
    default:
      return { ok: false, error: numError('ParseBool', s, 'invalid syntax') };
  }
}

/**
 * Go's rule for `_` digit separators: only between digits, or between a base prefix and a digit.
 * `s` may carry a sign and a base prefix.
 */
function underscoreOK(text: string): boolean {
  let s = text;
  let saw = '^';
  let i = 0;
  if (s.startsWith('-') || s.startsWith('+')) s = s.slice(1);
  let hex = false;
  const p = s[1]?.toLowerCase();
  if (s.length >= 2 && s[0] === '0' && (p === 'b' || p === 'o' || p === 'x')) {
    i = 2;
    saw = '0';
    hex = p === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if ((c >= '0' && c <= '9') || (hex && /^[a-fA-F]$/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** Digits of an unsigned integer with Go's base-0 rules (prefixes, leading-0 octal, `_`). */
function parseUnsignedBase0(s: string): bigint | 'syntax' {
  if (s === '') return 'syntax';
  let base = 10;
  let digits = s;
  if (s[0] === '0') {
    const p = s[1]?.toLowerCase();
    if (s.length >= 3 && p === 'x') {
      base = 16;
      digits = s.slice(2);
    } else if (s.length >= 3 && p === 'o') {
      base = 8;
      digits = s.slice(2);
    } else if (s.length >= 3 && p === 'b') {
      base = 2;
      digits = s.slice(2);
    } else {
      base = 8;
      digits = s.slice(1);
    }
  }
  let sawUnderscore = false;
  let n = 0n;
  const b = BigInt(base);
  for (const c of digits) {
    if (c === '_') {
      sawUnderscore = true;
      continue;
    }
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) return 'syntax';
    n = n * b + BigInt(d);
  }
  if (sawUnderscore && !underscoreOK(s)) return 'syntax';
  return n;
}

/** Go's `strconv.ParseInt(s, 0, 64)`: sign, base prefixes, leading-zero octal and `_` separators. */
export function parseGoInt(s: string): GoParseResult<bigint> {
  let body = s;
  let neg = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    neg = body.startsWith('-');
    body = body.slice(1);
  }
  const magnitude = parseUnsignedBase0(body);
  if (magnitude === 'syntax') return { ok: false, error: numError('ParseInt', s, 'invalid syntax') };
  const value = neg ? -magnitude : magnitude;
  if (value < INT64_MIN || value > INT64_MAX) {
    return { ok: false, error: numError('ParseInt', s, 'value out of range') };
  }
  return { ok: true, value };
}

/** Go's `strconv.ParseUint(s, 0, 64)`: like `parseGoInt` but no sign is accepted. */
export function parseGoUint(s: string): GoParseResult<bigint> {
  const value = parseUnsignedBase0(s);
  if (value === 'syntax') return { ok: false, error: numError('ParseUint', s, 'invalid syntax') };
  if (value > UINT64_MAX) return { ok: false, error: numError('ParseUint', s, 'value out of range') };
  return { ok: true, value };
}

const DECIMAL_FLOAT = /^[+-]?(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?$/;
const HEX_FLOAT = /^[+-]?0[xX](?:[\da-fA-F_]+\.?[\da-fA-F_]*|\.[\da-fA-F][\da-fA-F_]*)[pP][+-]?\d[\d_]*$/;
const SPECIAL_FLOAT = /^(?:([+-]?)(inf|infinity)|nan)$/i;

/** Go's `strconv.ParseFloat(s, 64)`, including `Inf`/`NaN`, hex floats and `_` separators. */
export function parseGoFloat(s: string): GoParseResult<number> {
  const special = SPECIAL_FLOAT.exec(s);
  if (special) {
    if (special[2] === undefined) return { ok: true, value: Number.NaN };
    return { ok: true, value: special[1] === '-' ? -Infinity : Infinity };
  }
  const isHex = HEX_FLOAT.test(s);
  if ((!isHex && !DECIMAL_FLOAT.test(s)) || (s.includes('_') && !underscoreOK(s))) {
    return { ok: false, error: numError('ParseFloat', s, 'invalid syntax') };
  }
  const clean = s.replaceAll('_', '');
  const value = isHex ? parseHexFloat(clean) : Number(clean);
  if (!Number.isFinite(value)) return { ok: false, error: numError('ParseFloat', s, 'value out of range') };
  return { ok: true, value };
}

function parseHexFloat(s: string): number {
  const neg = s.startsWith('-');
  const body = s.replace(/^[+-]/, '').slice(2);
  const [mantissa = '', exponent = '0'] = body.split(/[pP]/);
  const [intPart = '', fracPart = ''] = mantissa.split('.');
  let value = 0;
  for (const c of intPart + fracPart) value = value * 16 + parseInt(c, 16);
  value *= 2 ** (Number(exponent) - 4 * fracPart.length);
  return neg ? -value : value;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '"': 34,
};

/**
 * Go's `strconv.Unquote` for the two literal forms the grammar produces: `"double quoted"` (Go escapes) and
 * `` `raw` `` (no escapes; carriage returns dropped). Returns `undefined` where Go reports `invalid syntax`.
 */
export function goUnquote(literal: string): string | undefined {
  if (literal.length < 2) return undefined;
  const quote = literal[0];
  if (quote !== literal[literal.length - 1]) return undefined;
  const body = literal.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) return undefined;
    return body.replaceAll('\r', '');
  }
  if (quote !== '"') return undefined;
  if (body.includes('\n')) return undefined;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const pushRune = (cp: number): void => {
    for (const b of encoder.encode(String.fromCodePoint(cp))) bytes.push(b);
  };
  const cps = Array.from(body, (ch) => ch.codePointAt(0) ?? 0);
  for (let i = 0; i < cps.length;) {
    const c = cps[i] ?? 0;
    if (c === 0x22) return undefined; // an unescaped quote inside the body
    if (c !== 0x5c) {
      pushRune(c);
      i++;
      continue;
    }
    const e = String.fromCodePoint(cps[i + 1] ?? 0);
    i += 2;
    const mapped = SIMPLE_ESCAPES[e];
    if (mapped !== undefined) {
      bytes.push(mapped);
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const digits = String.fromCodePoint(...cps.slice(i, i + hexLen));
      if (digits.length !== hexLen || !/^[0-9a-fA-F]+$/.test(digits)) return undefined;
      const v = parseInt(digits, 16);
      i += hexLen;
      if (e === 'x') {
        bytes.push(v);
      } else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
        pushRune(v);
      }
      continue;
    }
    if (e >= '0' && e <= '7') {
      const digits = e + String.fromCodePoint(...cps.slice(i, i + 2));
      if (!/^[0-7]{3}$/.test(digits)) return undefined;
      const v = parseInt(digits, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 2;
      continue;
    }
    return undefined;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
