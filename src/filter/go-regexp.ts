/**
 * A matcher for Go `regexp` (RE2) syntax, as used by go-bexpr's `matches` operator.
 *
 * JS `RegExp` is not a drop-in: its syntax differs (`\pL`, `(?i)`, `[[:alpha:]]`, `\Q…\E`, `{` literals), `\s`
 * means more than RE2's ASCII set, and its backtracking engine can take exponential time on patterns such as
 * `(a+)+$`, which RE2 runs in linear time. A filter comes straight from an HTTP client, so this module parses
 * RE2 syntax itself and runs a Thompson NFA simulation (O(pattern × input), no backtracking).
 *
 * Supported: literals and escapes, `.`, classes (ranges, negation, Perl `\d\s\w`, POSIX `[:alpha:]`, Unicode
 * `\p{…}`), groups (capturing, `(?:…)`, named `(?P<n>…)`/`(?<n>…)`), flags `i m s U` (global or scoped),
 * `^ $ \A \z \b \B`, alternation and all repetition operators. Unsupported Perl syntax (look-around,
 * back-references, `\C`) is rejected with the error text Go gives.
 */

/** Limits, as RE2's parser enforces them. */
const MAX_REPEAT = 1000;
const MAX_NESTING = 1000;
/** Cap on compiled program size, standing in for RE2's `expression too large`. */
const MAX_PROGRAM = 100_000;

/** A Go regexp parse failure; `message` is Go's `*syntax.Error` text. */
export class GoRegexpError extends Error {
  constructor(code: string, expr: string) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
    this.name = 'GoRegexpError';
  }
}

/** A compiled pattern: `test` reports whether it matches anywhere in the input (Go's `MatchString`). */
export interface GoRegexp {
  test(input: string): boolean;
}

type Pred = (cp: number) => boolean;
type AssertKind = 'bol' | 'eol' | 'bot' | 'eot' | 'wb' | 'nwb';

type Node =
  | { t: 'empty' }
  | { t: 'char'; pred: Pred }
  | { t: 'assert'; kind: AssertKind }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; sub: Node; min: number; max: number };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const NL = 10;

function isAsciiWord(cp: number | undefined): boolean {
  return (
    cp !== undefined &&
    ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f)
  );
}

function rangePred(ranges: readonly (readonly [number, number])[]): Pred {
  return (cp) => ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

const PERL_CLASSES: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};

const POSIX_CLASSES: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

/** Unicode general categories as Go's `\p{…}` names them; any other name is a script. */
const CATEGORY = /^(?:[LMNPSZC]|L[ultmo]|M[nce]|N[dlo]|P[cdseifo]|S[mcko]|Z[slp]|C[cfso])$/;

function unicodePred(name: string): Pred | undefined {
  if (name === 'Any') return () => true;
  let re: RegExp;
  try {
    re = new RegExp(CATEGORY.test(name) ? `^\\p{${name}}$` : `^\\p{Script=${name}}$`, 'u');
  } catch {
    return undefined;
  }
  return (cp) => re.test(String.fromCodePoint(cp));
}

/** The code points a simple case fold relates to `cp` (itself, lower and upper case). */
function foldOrbit(cp: number): number[] {
  const s = String.fromCodePoint(cp);
  const out = [cp];
  for (const v of [s.toLowerCase(), s.toUpperCase()]) {
    const c = v.codePointAt(0);
    if (c !== undefined && String.fromCodePoint(c) === v && !out.includes(c)) out.push(c);
  }
  return out;
}

function folded(pred: Pred): Pred {
  return (cp) => foldOrbit(cp).some(pred);
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

class RegexpParser {
  readonly #src: string;
  readonly #cps: string[];
  #pos = 0;
  #depth = 0;

  constructor(src: string) {
    this.#src = src;
    this.#cps = Array.from(src);
  }

  parse(): Node {
    const node = this.#parseAlt({ i: false, m: false, s: false });
    if (this.#pos < this.#cps.length) {
      // The only way the top level stops early is an unmatched `)`.
      throw new GoRegexpError('unexpected )', this.#src);
    }
    return node;
  }

  #peek(offset = 0): string | undefined {
    return this.#cps[this.#pos + offset];
  }

  #text(from: number, to = this.#pos): string {
    return this.#cps.slice(from, to).join('');
  }

  #parseAlt(flags: Flags): Node {
    this.#depth++;
    if (this.#depth > MAX_NESTING) throw new GoRegexpError('expression nests too deeply', this.#src);
    const items = [this.#parseConcat(flags)];
    while (this.#peek() === '|') {
      this.#pos++;
      items.push(this.#parseConcat(flags));
    }
    this.#depth--;
    return items.length === 1 ? (items[0] ?? { t: 'empty' }) : { t: 'alt', items };
  }

  #parseConcat(flags: Flags): Node {
    const items: Node[] = [];
    let lastRepeatStart = -1;
    for (;;) {
      const c = this.#peek();
      if (c === undefined || c === '|' || c === ')') break;
      const start = this.#pos;
      const repeat = this.#tryRepeatOp();
      if (repeat !== undefined) {
        const opText = this.#text(start);
        if (lastRepeatStart >= 0) {
          throw new GoRegexpError('invalid nested repetition operator', this.#text(lastRepeatStart));
        }
        const sub = items.pop();
        if (sub === undefined) throw new GoRegexpError('missing argument to repetition operator', opText);
        items.push({ t: 'rep', sub, min: repeat.min, max: repeat.max });
        lastRepeatStart = start;
        continue;
      }
      lastRepeatStart = -1;
      const atom = this.#parseAtom(flags);
      if (atom !== undefined) items.push(atom);
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? (items[0] ?? { t: 'empty' }) : { t: 'cat', items };
  }

  /** Consumes a repetition operator (and its lazy `?`) if one starts here. */
  #tryRepeatOp(): { min: number; max: number } | undefined {
    const c = this.#peek();
    let result: { min: number; max: number } | undefined;
    if (c === '*') result = { min: 0, max: -1 };
    else if (c === '+') result = { min: 1, max: -1 };
    else if (c === '?') result = { min: 0, max: 1 };
    if (result !== undefined) {
      this.#pos++;
    } else if (c === '{') {
      result = this.#tryBraces();
      if (result === undefined) return undefined;
    } else {
      return undefined;
    }
    if (this.#peek() === '?') this.#pos++;
    return result;
  }

  /** `{n}`, `{n,}` or `{n,m}`; anything else leaves `{` to be a literal. */
  #tryBraces(): { min: number; max: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#text(this.#pos, this.#pos + 32));
    if (!m) return undefined;
    const [whole, minText = '', comma, maxText = ''] = m;
    if (/^0\d/.test(minText) || /^0\d/.test(maxText)) return undefined;
    const min = minText.length > 4 ? -1 : Number(minText);
    const max =
      comma === undefined ? min : maxText === '' ? -1 : maxText.length > 4 ? MAX_REPEAT + 1 : Number(maxText);
    this.#pos += whole.length;
    if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
      throw new GoRegexpError('invalid repeat count', whole);
    }
    return { min, max };
  }

  #parseAtom(flags: Flags): Node | undefined {
    const c = this.#peek() ?? '';
    switch (c) {
      case '(':
        return this.#parseGroup(flags);
      case '[':
        return { t: 'char', pred: this.#parseClass(flags) };
      case '.':
        this.#pos++;
        return { t: 'char', pred: flags.s ? () => true : (cp) => cp !== NL };
      case '^':
        this.#pos++;
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case '$':
        this.#pos++;
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.#parseTopEscape(flags);
      default:
        this.#pos++;
        return this.#literal(c.codePointAt(0) ?? 0, flags);
    }
  }

  #literal(cp: number, flags: Flags): Node {
    if (!flags.i) return { t: 'char', pred: (x) => x === cp };
    const orbit = foldOrbit(cp);
    return { t: 'char', pred: (x) => orbit.includes(x) || foldOrbit(x).includes(cp) };
  }

  #parseGroup(flags: Flags): Node | undefined {
    const start = this.#pos;
    this.#pos++; // (
    let inner: Flags = { ...flags };
    if (this.#peek() === '?') {
      const named = /^\(\?P?<([^>]*)>/.exec(this.#text(start, start + 200));
      if (named && !/^\(\?<[=!]/.test(this.#text(start, start + 4))) {
        const name = named[1] ?? '';
        if (!/^[A-Za-z0-9_]+$/.test(name)) throw new GoRegexpError('invalid named capture', named[0]);
        this.#pos = start + Array.from(named[0]).length;
      } else {
        this.#pos++; // ?
        const set = this.#parseFlags(start, flags);
        if (set.kind === 'set') {
          // `(?flags)` changes the enclosing group from here on.
          flags.i = set.flags.i;
          flags.m = set.flags.m;
          flags.s = set.flags.s;
          return undefined;
        }
        inner = set.flags;
      }
    }
    const node = this.#parseAlt(inner);
    if (this.#peek() !== ')') throw new GoRegexpError('missing closing )', this.#src);
    this.#pos++;
    return node;
  }

  /** Parses the flag letters after `(?`, up to `)` (set) or `:` (scoped group). */
  #parseFlags(start: number, flags: Flags): { kind: 'set' | 'group'; flags: Flags } {
    const next: Flags = { ...flags };
    let negate = false;
    let sawFlag = false;
    for (;;) {
      const c = this.#peek();
      this.#pos++;
      const bad = (): never => {
        throw new GoRegexpError('invalid or unsupported Perl syntax', this.#text(start));
      };
      switch (c) {
        case 'i':
        case 'm':
        case 's':
          next[c] = !negate;
          sawFlag = true;
          break;
        case 'U':
          // Ungreedy only changes which match is preferred, not whether one exists.
          sawFlag = true;
          break;
        case '-':
          if (negate) bad();
          negate = true;
          sawFlag = false;
          break;
        case ')':
        case ':':
          if (negate && !sawFlag) bad();
          if (c === ':') return { kind: 'group', flags: next };
          if (!sawFlag && !negate) bad();
          return { kind: 'set', flags: next };
        case undefined:
          throw new GoRegexpError('missing closing )', this.#src);
        default:
          return bad();
      }
    }
  }

  #parseTopEscape(flags: Flags): Node {
    const start = this.#pos;
    switch (this.#peek(1) ?? '') {
      case 'A':
        this.#pos += 2;
        return { t: 'assert', kind: 'bot' };
      case 'z':
        this.#pos += 2;
        return { t: 'assert', kind: 'eot' };
      case 'b':
        this.#pos += 2;
        return { t: 'assert', kind: 'wb' };
      case 'B':
        this.#pos += 2;
        return { t: 'assert', kind: 'nwb' };
      case 'Q': {
        this.#pos += 2;
        const items: Node[] = [];
        while (this.#pos < this.#cps.length && !(this.#peek() === '\\' && this.#peek(1) === 'E')) {
          items.push(this.#literal(this.#peek()?.codePointAt(0) ?? 0, flags));
          this.#pos++;
        }
        if (this.#pos < this.#cps.length) this.#pos += 2;
        return { t: 'cat', items };
      }
      default:
        break;
    }
    const cls = this.#tryClassEscape(flags);
    if (cls !== undefined) return { t: 'char', pred: cls };
    this.#pos = start;
    return this.#literal(this.#parseEscape(), flags);
  }

  /** `\d \D \s \S \w \W \pX \p{X} \PX \P{X}` (case folding applied); `undefined` if none starts here. */
  #tryClassEscape(flags: Flags): Pred | undefined {
    const c = this.#peek(1);
    if (c === undefined) return undefined;
    const perl = PERL_CLASSES[c.toLowerCase()];
    if (perl !== undefined && /[dswDSW]/.test(c)) {
      this.#pos += 2;
      const base = rangePred(perl);
      return c === c.toLowerCase() ? base : (cp) => !base(cp);
    }
    if (c !== 'p' && c !== 'P') return undefined;
    const start = this.#pos;
    this.#pos += 2;
    let name: string;
    if (this.#peek() === '{') {
      const close = this.#cps.indexOf('}', this.#pos);
      if (close < 0)
        throw new GoRegexpError('invalid character class range', this.#text(start, this.#cps.length));
      name = this.#text(this.#pos + 1, close);
      this.#pos = close + 1;
    } else {
      const n = this.#peek();
      if (n === undefined) throw new GoRegexpError('invalid character class range', this.#text(start));
      name = n;
      this.#pos++;
    }
    let negate = c === 'P';
    if (name.startsWith('^')) {
      negate = !negate;
      name = name.slice(1);
    }
    const base = unicodePred(name);
    if (base === undefined) throw new GoRegexpError('invalid character class range', this.#text(start));
    const pred = flags.i ? folded(base) : base;
    return negate ? (cp) => !pred(cp) : pred;
  }

  /** A single-character escape (`\n`, `\x41`, `\x{263a}`, `\101`, `\.`); returns the code point. */
  #parseEscape(): number {
    const start = this.#pos;
    this.#pos++; // backslash
    const c = this.#peek();
    if (c === undefined) throw new GoRegexpError('trailing backslash at end of expression', '');
    this.#pos++;
    const invalid = (): never => {
      throw new GoRegexpError('invalid escape sequence', this.#text(start));
    };
    switch (c) {
      case 'a':
        return 7;
      case 'f':
        return 12;
      case 't':
        return 9;
      case 'n':
        return 10;
      case 'r':
        return 13;
      case 'v':
        return 11;
      case 'x': {
        if (this.#peek() === '{') {
          const close = this.#cps.indexOf('}', this.#pos);
          const digits = close < 0 ? '' : this.#text(this.#pos + 1, close);
          if (close < 0 || digits === '' || !/^[0-9a-fA-F]+$/.test(digits)) {
            this.#pos = close < 0 ? this.#cps.length : close + 1;
            return invalid();
          }
          this.#pos = close + 1;
          const v = parseInt(digits, 16);
          if (digits.length > 8 || v > 0x10ffff) return invalid();
          return v;
        }
        const h1 = this.#peek();
        const h2 = this.#peek(1);
        if (!isHex(h1) || !isHex(h2)) {
          this.#pos = Math.min(this.#pos + 2, this.#cps.length);
          return invalid();
        }
        this.#pos += 2;
        return parseInt(`${h1 ?? ''}${h2 ?? ''}`, 16);
      }
      default:
        break;
    }
    if (c >= '0' && c <= '7') {
      const next = this.#peek();
      if (c !== '0' && (next === undefined || next < '0' || next > '7')) return invalid();
      let v = Number(c);
      for (let k = 0; k < 2; k++) {
        const d = this.#peek();
        if (d === undefined || d < '0' || d > '7') break;
        v = v * 8 + Number(d);
        this.#pos++;
      }
      return v;
    }
    const cp = c.codePointAt(0) ?? 0;
    if (cp < 0x80 && !/[0-9A-Za-z]/.test(c)) return cp;
    return invalid();
  }

  #parseClass(flags: Flags): Pred {
    const start = this.#pos;
    const missing = (): never => {
      throw new GoRegexpError('missing closing ]', this.#text(start, this.#cps.length));
    };
    this.#pos++; // [
    let negate = false;
    if (this.#peek() === '^') {
      negate = true;
      this.#pos++;
    }
    const preds: Pred[] = [];
    const ranges: [number, number][] = [];
    let first = true;
    while (first || this.#peek() !== ']') {
      if (this.#peek() === undefined) missing();
      first = false;
      if (this.#peek() === '[' && this.#peek(1) === ':') {
        const m = /^\[:(\^?)([a-z]*):\]/.exec(this.#text(this.#pos, this.#pos + 16));
        if (m) {
          const base = POSIX_CLASSES[m[2] ?? ''];
          if (base === undefined) throw new GoRegexpError('invalid character class range', m[0]);
          const p = rangePred(base);
          preds.push(m[1] === '^' ? (cp) => !p(cp) : p);
          this.#pos += m[0].length;
          continue;
        }
      }
      if (this.#peek() === '\\') {
        const cls = this.#tryClassEscape({ ...flags, i: false });
        if (cls !== undefined) {
          preds.push(cls);
          continue;
        }
      }
      const rangeStart = this.#pos;
      const lo = this.#classChar(missing);
      let hi = lo;
      if (this.#peek() === '-' && this.#peek(1) !== undefined && this.#peek(1) !== ']') {
        this.#pos++;
        hi = this.#classChar(missing);
        if (hi < lo) throw new GoRegexpError('invalid character class range', this.#text(rangeStart));
      }
      ranges.push([lo, hi]);
    }
    this.#pos++; // ]
    const plain = rangePred(ranges);
    const positive: Pred = (cp) => plain(cp) || preds.some((p) => p(cp));
    const pred = flags.i ? folded(positive) : positive;
    return negate ? (cp) => !pred(cp) : pred;
  }

  #classChar(missing: () => never): number {
    const c = this.#peek();
    if (c === undefined) return missing();
    if (c === '\\') return this.#parseEscape();
    this.#pos++;
    return c.codePointAt(0) ?? 0;
  }
}

type Inst =
  | { op: 'char'; pred: Pred; next: number }
  | { op: 'split'; x: number; y: number }
  | { op: 'assert'; kind: AssertKind; next: number }
  | { op: 'match' };

class ProgramBuilder {
  readonly prog: Inst[] = [];
  readonly #src: string;

  constructor(src: string) {
    this.#src = src;
  }

  push(inst: Inst): number {
    if (this.prog.length >= MAX_PROGRAM) throw new GoRegexpError('expression too large', this.#src);
    this.prog.push(inst);
    return this.prog.length - 1;
  }

  /** Emits `node` so that, once matched, control continues at `next`; returns its entry point. */
  emit(node: Node, next: number): number {
    switch (node.t) {
      case 'empty':
        return next;
      case 'char':
        return this.push({ op: 'char', pred: node.pred, next });
      case 'assert':
        return this.push({ op: 'assert', kind: node.kind, next });
      case 'cat': {
        let entry = next;
        for (let k = node.items.length - 1; k >= 0; k--) {
          const item = node.items[k];
          if (item !== undefined) entry = this.emit(item, entry);
        }
        return entry;
      }
      case 'alt': {
        const entries = node.items.map((item) => this.emit(item, next));
        let entry = entries[entries.length - 1] ?? next;
        for (let k = entries.length - 2; k >= 0; k--) {
          entry = this.push({ op: 'split', x: entries[k] ?? next, y: entry });
        }
        return entry;
      }
      case 'rep': {
        let tail = next;
        if (node.max < 0) {
          const loop = this.push({ op: 'split', x: -1, y: next });
          const body = this.emit(node.sub, loop);
          this.prog[loop] = { op: 'split', x: body, y: next };
          tail = loop;
        } else {
          for (let k = 0; k < node.max - node.min; k++) {
            tail = this.push({ op: 'split', x: this.emit(node.sub, tail), y: next });
          }
        }
        for (let k = 0; k < node.min; k++) tail = this.emit(node.sub, tail);
        return tail;
      }
    }
  }
}

class Program implements GoRegexp {
  readonly #prog: readonly Inst[];
  readonly #start: number;

  constructor(prog: readonly Inst[], start: number) {
    this.#prog = prog;
    this.#start = start;
  }

  test(input: string): boolean {
    const cps = Array.from(input, (ch) => ch.codePointAt(0) ?? 0);
    const seen = new Int32Array(this.#prog.length);
    let current: number[] = [];
    for (let pos = 0; pos <= cps.length; pos++) {
      // Unanchored search: a new thread starts at every position.
      if (this.#add(current, this.#start, pos, cps, seen)) return true;
      if (pos === cps.length) break;
      const cp = cps[pos] ?? 0;
      const next: number[] = [];
      for (const pc of current) {
        const inst = this.#prog[pc];
        if (inst?.op === 'char' && inst.pred(cp) && this.#add(next, inst.next, pos + 1, cps, seen))
          return true;
      }
      current = next;
    }
    return false;
  }

  /** Adds `pc`'s epsilon closure at `pos` to `list`; true once `match` is reachable. */
  #add(list: number[], pc: number, pos: number, cps: readonly number[], seen: Int32Array): boolean {
    const stack = [pc];
    const mark = pos + 1;
    while (stack.length > 0) {
      const at = stack.pop() ?? 0;
      if (seen[at] === mark) continue;
      seen[at] = mark;
      const inst = this.#prog[at];
      if (inst === undefined) continue;
      switch (inst.op) {
        case 'match':
          return true;
        case 'char':
          list.push(at);
          break;
        case 'split':
          stack.push(inst.y, inst.x);
          break;
        case 'assert':
          if (assertHolds(inst.kind, pos, cps)) stack.push(inst.next);
          break;
      }
    }
    return false;
  }
}

function assertHolds(kind: AssertKind, pos: number, cps: readonly number[]): boolean {
  switch (kind) {
    case 'bot':
      return pos === 0;
    case 'eot':
      return pos === cps.length;
    case 'bol':
      return pos === 0 || cps[pos - 1] === NL;
    case 'eol':
      return pos === cps.length || cps[pos] === NL;
    case 'wb':
      return isAsciiWord(cps[pos - 1]) !== isAsciiWord(cps[pos]);
    case 'nwb':
      return isAsciiWord(cps[pos - 1]) === isAsciiWord(cps[pos]);
  }
}

/**
 * Compiles a Go (RE2) regular expression. Throws `GoRegexpError` with Go's message for invalid syntax.
 * Matching is unanchored, like Go's `regexp.MatchString`.
 */
export function compileGoRegexp(pattern: string): GoRegexp {
  const root = new RegexpParser(pattern).parse();
  const builder = new ProgramBuilder(pattern);
  const match = builder.push({ op: 'match' });
  const start = builder.emit(root, match);
  return new Program(builder.prog, start);
}
