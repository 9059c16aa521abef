import type { SourceText } from './hcl-syntax-error.js';

/** Punctuation tokens, keyed by their character. */
const PUNCTUATION = {
  '{': 'lbrace',
  '}': 'rbrace',
  '[': 'lbrack',
  ']': 'rbrack',
  ',': 'comma',
  '=': 'assign',
} as const;

type PunctuationKind = (typeof PUNCTUATION)[keyof typeof PUNCTUATION];

/** One lexical token; `offset` is where it starts, `text` its raw source. */
export type Token =
  | { readonly kind: 'ident'; readonly offset: number; readonly text: string }
  | {
      readonly kind: 'string' | 'heredoc';
      readonly offset: number;
      readonly text: string;
      readonly value: string;
    }
  | {
      readonly kind: 'number' | 'float';
      readonly offset: number;
      readonly text: string;
      readonly value: number;
    }
  | { readonly kind: 'bool'; readonly offset: number; readonly text: string; readonly value: boolean }
  | { readonly kind: PunctuationKind | 'eof'; readonly offset: number; readonly text: string };

export type TokenKind = Token['kind'];

/** Largest text shown when a token is quoted in an error message. */
const MAX_QUOTED_TOKEN_CHARS = 40;

/** A human description of a token for error messages, e.g. `'}'`, `identifier "foo"`, `end of file`. */
export function describeToken(token: Token): string {
  const quoted = (s: string): string =>
    JSON.stringify(s.length > MAX_QUOTED_TOKEN_CHARS ? `${s.slice(0, MAX_QUOTED_TOKEN_CHARS)}…` : s);
  switch (token.kind) {
    case 'eof':
      return 'end of file';
    case 'ident':
      return `identifier ${quoted(token.text)}`;
    case 'string':
      return `string ${quoted(token.value)}`;
    case 'heredoc':
      return 'heredoc';
    case 'number':
    case 'float':
      return `number ${token.text}`;
    case 'bool':
      return `boolean ${token.text}`;
    case 'lbrace':
    case 'rbrace':
    case 'lbrack':
    case 'rbrack':
    case 'comma':
    case 'assign':
      return `'${token.text}'`;
  }
}

const NUL = 0;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const BOM = 0xfeff;

const LETTER_RE = /^\p{L}$/u;
const DECIMAL_DIGIT_RE = /^\p{Nd}$/u;

/** HCL1 `isLetter`: ASCII letters, `_`, and any Unicode letter. */
function isLetter(cp: number): boolean {
  return (
    (cp >= 0x61 && cp <= 0x7a) ||
    (cp >= 0x41 && cp <= 0x5a) ||
    cp === 0x5f ||
    (cp >= 0x80 && LETTER_RE.test(String.fromCodePoint(cp)))
  );
}

/** HCL1 `isDigit`: ASCII digits and any Unicode decimal digit (identifiers only). */
function isDigit(cp: number): boolean {
  return isDecimal(cp) || (cp >= 0x80 && DECIMAL_DIGIT_RE.test(String.fromCodePoint(cp)));
}

function isDecimal(cp: number): boolean {
  return cp >= 0x30 && cp <= 0x39;
}

function isHex(cp: number): boolean {
  return isDecimal(cp) || (cp >= 0x61 && cp <= 0x66) || (cp >= 0x41 && cp <= 0x46);
}

/** Whitespace allowed before a heredoc's closing anchor (Go regexp `[[:space:]]` minus newline). */
function isAnchorIndent(c: number): boolean {
  return c === SPACE || c === TAB || c === 0x0b || c === 0x0c || c === CR;
}

/** Largest integer HCL may produce; past it a JSON number would silently lose precision. */
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** Simple escapes of HCL1 strings (`hcl/strconv.Unquote`, which follows Go's `strconv`). */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/**
 * HCL1 scanner (after `hashicorp/hcl` v1 `hcl/scanner`): turns source into tokens, skipping whitespace and comments,
 * and decodes literal values as `hcl/token.Value` does. Every loop consumes input, so it always terminates.
 */
export class Lexer {
  readonly #source: SourceText;
  readonly #src: string;
  #pos = 0;

  constructor(source: SourceText) {
    this.#source = source;
    this.#src = source.text;
  }

  /** Scans and returns the next token; returns `eof` tokens forever once the input is exhausted. */
  next(): Token {
    this.#skipTrivia();
    const src = this.#src;
    const start = this.#pos;
    if (start >= src.length) return { kind: 'eof', offset: start, text: '' };
    const ch = src[start] ?? '';
    if (Object.hasOwn(PUNCTUATION, ch)) {
      this.#pos++;
      return { kind: PUNCTUATION[ch as keyof typeof PUNCTUATION], offset: start, text: ch };
    }
    const next = src.charCodeAt(start + 1);
    switch (ch) {
      case '"':
        return this.#scanString(start);
      case '<':
        return this.#scanHeredoc(start);
      case '-':
      case '.':
        if (isDecimal(next)) return this.#scanNumber(start);
        throw this.#source.error(start, `unexpected character '${ch}'`);
    }
    const cp = src.codePointAt(start) ?? 0;
    if (isDecimal(cp)) return this.#scanNumber(start);
    if (isLetter(cp)) return this.#scanIdent(start);
    throw this.#source.error(start, `unexpected character ${describeChar(cp)}`);
  }

  #skipTrivia(): void {
    const src = this.#src;
    while (this.#pos < src.length) {
      const c = src.charCodeAt(this.#pos);
      if (c === SPACE || c === TAB || c === LF || c === CR || (c === BOM && this.#pos === 0)) {
        this.#pos++;
      } else if (c === 0x23 /* # */ || (c === 0x2f /* / */ && src.charCodeAt(this.#pos + 1) === 0x2f)) {
        const eol = src.indexOf('\n', this.#pos);
        this.#pos = eol === -1 ? src.length : eol;
      } else if (c === 0x2f && src.charCodeAt(this.#pos + 1) === 0x2a /* * */) {
        const end = src.indexOf('*/', this.#pos + 2);
        if (end === -1) throw this.#source.error(this.#pos, 'unterminated block comment: missing "*/"');
        this.#pos = end + 2;
      } else if (c === 0x2f) {
        throw this.#source.error(this.#pos, "unexpected character '/': comments start with '//' or '/*'");
      } else if (c === NUL) {
        throw this.#source.error(this.#pos, 'unexpected null character (0x00)');
      } else {
        return;
      }
    }
  }

  #scanIdent(start: number): Token {
    const src = this.#src;
    let p = start;
    while (p < src.length) {
      const cp = src.codePointAt(p) ?? 0;
      // `-` and `.` may follow the first character: `node-name`, `a.b` are single keys in HCL1.
      if (!(isLetter(cp) || isDigit(cp) || (p > start && (cp === 0x2d || cp === 0x2e)))) break;
      p += cp > 0xffff ? 2 : 1;
    }
    this.#pos = p;
    const text = src.slice(start, p);
    if (text === 'true' || text === 'false')
      return { kind: 'bool', offset: start, text, value: text === 'true' };
    return { kind: 'ident', offset: start, text };
  }

  /**
   * Numbers as HCL1 scans them: `[-]digits`, `[-]0x<hex>`, `[-]0<octal>` (Go `ParseInt(s, 0, 64)`: `0755` is 493),
   * and floats `[-]digits[.digits][e[+-]digits]` / `[-].digits`.
   */
  #scanNumber(start: number): Token {
    const src = this.#src;
    let p = start;
    const negative = src[p] === '-';
    if (negative) p++;
    const digits = (from: number, accept: (c: number) => boolean): number => {
      let q = from;
      while (q < src.length && accept(src.charCodeAt(q))) q++;
      return q;
    };
    const bodyStart = p;
    let isFloat = false;
    if (src[p] === '0' && (src[p + 1] === 'x' || src[p + 1] === 'X')) {
      const end = digits(p + 2, isHex);
      if (end === p + 2) throw this.#source.error(start, 'invalid hexadecimal number: no digits after "0x"');
      p = end;
    } else {
      p = digits(p, isDecimal);
      if (src[p] === '.') {
        isFloat = true;
        p = digits(p + 1, isDecimal);
      }
      if (src[p] === 'e' || src[p] === 'E') {
        isFloat = true;
        p++;
        if (src[p] === '+' || src[p] === '-') p++;
        const end = digits(p, isDecimal);
        if (end === p) throw this.#source.error(start, 'invalid number: exponent has no digits');
        p = end;
      }
    }
    this.#pos = p;
    const text = src.slice(start, p);
    if (isFloat) {
      const value = Number(text);
      if (!Number.isFinite(value)) throw this.#source.error(start, `number out of range: ${text}`);
      return { kind: 'float', offset: start, text, value };
    }
    const body = src.slice(bodyStart, p);
    let magnitude: bigint;
    if (body.length > 1 && body[0] === '0' && body[1] !== 'x' && body[1] !== 'X') {
      if (/[89]/.test(body)) throw this.#source.error(start, `invalid octal number: ${text}`);
      magnitude = BigInt(`0o${body.slice(1)}`);
    } else {
      magnitude = BigInt(body);
    }
    if (magnitude > MAX_SAFE_BIGINT) {
      throw this.#source.error(
        start,
        `integer out of range (beyond ±2^53-1, the exact range of JSON numbers): ${text}`,
      );
    }
    // `-0` is plain 0: Go's int has no negative zero.
    const value = negative && magnitude !== 0n ? -Number(magnitude) : Number(magnitude);
    return { kind: 'number', offset: start, text, value };
  }

  /**
   * A double-quoted string. Escapes follow `hcl/strconv.Unquote`; `${ ... }` interpolations are copied verbatim
   * (braces counted, quotes inside allowed), as HCL1 leaves them for HIL.
   */
  #scanString(start: number): Token {
    const src = this.#src;
    let p = start + 1;
    let out = '';
    let bytes: number[] = [];
    const flushBytes = (): void => {
      if (bytes.length > 0) {
        // `\x` and octal escapes give raw bytes, as in Go; decode runs of them as UTF-8 (invalid → U+FFFD).
        out += Buffer.from(bytes).toString('utf8');
        bytes = [];
      }
    };
    for (;;) {
      if (p >= src.length) throw this.#source.error(start, "unterminated string: missing closing '\"'");
      const c = src[p] ?? '';
      if (c === '\n') throw this.#source.error(start, "unterminated string: newline before closing '\"'");
      if (c === '"') {
        p++;
        break;
      }
      if (c === '$' && src[p + 1] === '{') {
        flushBytes();
        const end = this.#scanInterpolation(start, p);
        out += src.slice(p, end);
        p = end;
        continue;
      }
      if (c === '\\') {
        const escape = this.#scanEscape(p);
        if (typeof escape.value === 'number') {
          bytes.push(escape.value);
        } else {
          flushBytes();
          out += escape.value;
        }
        p = escape.end;
        continue;
      }
      flushBytes();
      out += c;
      p++;
    }
    flushBytes();
    this.#pos = p;
    return { kind: 'string', offset: start, text: src.slice(start, p), value: out };
  }

  /** Returns the offset just past the `}` closing the interpolation that starts at `at` (`${`). */
  #scanInterpolation(stringStart: number, at: number): number {
    const src = this.#src;
    let depth = 1;
    let p = at + 2;
    while (depth > 0) {
      if (p >= src.length) throw this.#source.error(stringStart, "unterminated string: missing closing '\"'");
      const c = src[p];
      if (c === '\n') throw this.#source.error(p, 'newline inside "${...}" interpolation');
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === '\\' && p + 1 < src.length && src[p + 1] !== '\n') p++; // `\"` stays verbatim, inside `${}`
      p++;
    }
    return Math.min(p, src.length);
  }

  /** One escape at `at` (a backslash): a string, or a byte for `\xNN` / `\NNN`. */
  #scanEscape(at: number): { value: string | number; end: number } {
    const src = this.#src;
    const c = src[at + 1] ?? '';
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return { value: simple, end: at + 2 };
    const fixed = (count: number, radix: 8 | 16): number => {
      const digitsText = src.slice(at + 2, at + 2 + count);
      const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-7]+$/;
      if (digitsText.length !== count || !valid.test(digitsText)) {
        throw this.#source.error(
          at,
          `invalid escape sequence "\\${c}": expected ${count} ${radix === 16 ? 'hex' : 'octal'} digits`,
        );
      }
      return parseInt(digitsText, radix);
    };
    switch (c) {
      case 'x':
        return { value: fixed(2, 16), end: at + 4 };
      case 'u':
      case 'U': {
        const count = c === 'u' ? 4 : 8;
        const cp = fixed(count, 16);
        if (cp > 0x10ffff)
          throw this.#source.error(at, `invalid escape sequence: U+${cp.toString(16)} is beyond Unicode`);
        // Go's utf8.EncodeRune writes U+FFFD for surrogate halves.
        const value = cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : String.fromCodePoint(cp);
        return { value, end: at + 2 + count };
      }
      default:
        if (c >= '0' && c <= '7') {
          // Go octal escapes are exactly three digits, at most \377.
          const byte = parseInt(c, 8) * 64 + fixed(2, 8);
          const digitsEnd = at + 4;
          if (byte > 255) throw this.#source.error(at, 'invalid escape sequence: octal value above \\377');
          return { value: byte, end: digitsEnd };
        }
        if (c === '' || c === '\n')
          throw this.#source.error(at, 'unterminated string: backslash at end of line');
        throw this.#source.error(at, `invalid escape sequence "\\${c}"`);
    }
  }

  /**
   * `<<ANCHOR` / `<<-ANCHOR` heredocs. The body ends at the first line that is, after optional leading whitespace,
   * exactly the anchor. The value is the body lines, each followed by `\n`; with `<<-`, the closing line's indentation
   * is removed from every line when all lines start with it (HCL1 `unindentHeredoc`).
   */
  #scanHeredoc(start: number): Token {
    const src = this.#src;
    if (src[start + 1] !== '<')
      throw this.#source.error(start, "unexpected character '<': heredocs start with '<<'");
    let p = start + 2;
    const indented = src[p] === '-';
    if (indented) p++;
    const anchorStart = p;
    while (p < src.length) {
      const cp = src.codePointAt(p) ?? 0;
      if (!(isLetter(cp) || isDigit(cp))) break;
      p += cp > 0xffff ? 2 : 1;
    }
    const anchor = src.slice(anchorStart, p);
    if (p >= src.length) throw this.#source.error(start, 'unterminated heredoc: no body after the anchor');
    if (src[p] !== '\n')
      throw this.#source.error(p, 'invalid characters in heredoc anchor: expected a newline');
    if (anchor === '') throw this.#source.error(start, 'zero-length heredoc anchor');

    const lines: string[] = [];
    let lineStart = p + 1;
    for (;;) {
      const newline = src.indexOf('\n', lineStart);
      const lineEnd = newline === -1 ? src.length : newline;
      const line = src.slice(lineStart, lineEnd);
      let indentEnd = 0;
      while (indentEnd < line.length && isAnchorIndent(line.charCodeAt(indentEnd))) indentEnd++;
      let contentEnd = line.length;
      while (contentEnd > indentEnd && line.charCodeAt(contentEnd - 1) === CR) contentEnd--;
      if (line.slice(indentEnd, contentEnd) === anchor) {
        this.#pos = lineEnd;
        const prefix = line.slice(0, indentEnd);
        const unindent = indented && lines.every((l) => l.startsWith(prefix));
        const value = lines.map((l) => (unindent ? l.slice(prefix.length) : l) + '\n').join('');
        return { kind: 'heredoc', offset: start, text: src.slice(start, lineEnd), value };
      }
      if (newline === -1) {
        throw this.#source.error(start, `unterminated heredoc: missing closing line "${anchor}"`);
      }
      lines.push(line);
      lineStart = newline + 1;
    }
  }
}

function describeChar(cp: number): string {
  const ch = String.fromCodePoint(cp);
  return cp < 0x20 || cp === 0x7f ? `U+${cp.toString(16).padStart(4, '0').toUpperCase()}` : `'${ch}'`;
}
