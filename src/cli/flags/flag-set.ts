/**
 * Command-line flags parsed the way Go's `flag` package parses them, since Consul's CLI users rely on its
 * syntax: `-name value`, `-name=value`, `--name`, bool flags set by presence (`-name=false` to unset), parsing
 * stops at the first non-flag argument or at `--`.
 */

/** A parsed flag's current value and whether the command line set it. */
export interface FlagValue<T> {
  readonly value: T;
  readonly isSet: boolean;
}

/** Which help section a flag belongs to, as Consul's `flags.Usage` groups them. */
export type FlagSection = 'http' | 'command';

interface FlagDef {
  readonly name: string;
  readonly usage: string;
  readonly section: FlagSection;
  readonly isBool: boolean;
  /** Go's `UnquoteUsage` type name: `string`, `int`, `uint`, `value`, or '' for bools. */
  readonly typeName: string;
  /** Applies a value; returns an error text (Go's) or undefined. */
  set(text: string): string | undefined;
}

/** The outcome of {@link FlagSet.parse}. */
export type ParseResult =
  | { readonly kind: 'ok'; readonly args: readonly string[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

const BOOL_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const BOOL_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);
const MAX_UINT64 = 2n ** 64n - 1n;

/** A set of flags for one command invocation. Create a fresh one per parse. */
export class FlagSet {
  readonly #flags = new Map<string, FlagDef>();

  /** A string flag (`-name value`). */
  string(name: string, initial: string, usage: string, section: FlagSection = 'command'): FlagValue<string> {
    const state = { value: initial, isSet: false };
    this.#define({
      name,
      usage,
      section,
      isBool: false,
      typeName: section === 'http' ? 'value' : 'string',
      set: (text) => {
        state.value = text;
        state.isSet = true;
        return undefined;
      },
    });
    return state;
  }

  /** A bool flag: `-name` sets true, `-name=false` sets false. */
  bool(name: string, initial: boolean, usage: string, section: FlagSection = 'command'): FlagValue<boolean> {
    const state = { value: initial, isSet: false };
    this.#define({
      name,
      usage,
      section,
      isBool: true,
      typeName: '',
      set: (text) => {
        if (BOOL_TRUE.has(text)) state.value = true;
        else if (BOOL_FALSE.has(text)) state.value = false;
        else return 'parse error';
        state.isSet = true;
        return undefined;
      },
    });
    return state;
  }

  /** A signed integer flag (Go `int`, 64-bit). */
  int(name: string, initial: number, usage: string): FlagValue<number> {
    return this.#numeric(name, initial, usage, 'int', /^[+-]?\d+$/, -(2n ** 63n), 2n ** 63n - 1n);
  }

  /** An unsigned integer flag (Go `uint64`), e.g. `-modify-index`. */
  uint(name: string, initial: number, usage: string): FlagValue<number> {
    return this.#numeric(name, initial, usage, 'uint', /^\+?\d+$/, 0n, MAX_UINT64);
  }

  /** A repeatable `key=value` flag (Consul `FlagMapValue`); later keys overwrite earlier ones. */
  map(name: string, usage: string): FlagValue<Readonly<Record<string, string>>> {
    const state: { value: Record<string, string>; isSet: boolean } = { value: {}, isSet: false };
    this.#define({
      name,
      usage,
      section: 'command',
      isBool: false,
      typeName: 'value',
      set: (text) => {
        const idx = text.indexOf('=');
        if (idx === -1) return `Missing "=" value in argument: ${text}`;
        state.value[text.slice(0, idx)] = text.slice(idx + 1);
        state.isSet = true;
        return undefined;
      },
    });
    return state;
  }

  /** A repeatable flag collecting every value in order (Consul `AppendSliceValue`). */
  list(name: string, usage: string): FlagValue<readonly string[]> {
    const state: { value: string[]; isSet: boolean } = { value: [], isSet: false };
    this.#define({
      name,
      usage,
      section: 'command',
      isBool: false,
      typeName: 'value',
      set: (text) => {
        state.value.push(text);
        state.isSet = true;
        return undefined;
      },
    });
    return state;
  }

  /**
   * Parses `argv` and sets the flags. `-h`/`-help` (when not defined) answer `help`; errors carry Go's
   * messages, e.g. `flag provided but not defined: -x`.
   */
  parse(argv: readonly string[]): ParseResult {
    let i = 0;
    while (i < argv.length) {
      const arg = argv[i] ?? '';
      if (arg.length < 2 || !arg.startsWith('-')) break;
      let minuses = 1;
      if (arg[1] === '-') {
        minuses = 2;
        if (arg.length === 2) {
          i += 1;
          break;
        }
      }
      let name = arg.slice(minuses);
      if (name === '' || name.startsWith('-') || name.startsWith('=')) {
        return { kind: 'error', message: `bad flag syntax: ${arg}` };
      }
      i += 1;
      let value: string | undefined;
      const eq = name.indexOf('=', 1);
      if (eq !== -1) {
        value = name.slice(eq + 1);
        name = name.slice(0, eq);
      }
      const def = this.#flags.get(name);
      if (def === undefined) {
        if (name === 'help' || name === 'h') return { kind: 'help' };
        return { kind: 'error', message: `flag provided but not defined: -${name}` };
      }
      if (def.isBool) {
        const text = value ?? 'true';
        const err = def.set(text);
        if (err !== undefined) {
          return { kind: 'error', message: `invalid boolean value ${goQuote(text)} for -${name}: ${err}` };
        }
        continue;
      }
      if (value === undefined) {
        if (i >= argv.length) return { kind: 'error', message: `flag needs an argument: -${name}` };
        value = argv[i] ?? '';
        i += 1;
      }
      const err = def.set(value);
      if (err !== undefined) {
        return { kind: 'error', message: `invalid value ${goQuote(value)} for flag -${name}: ${err}` };
      }
    }
    return { kind: 'ok', args: argv.slice(i) };
  }

  /**
   * Renders help like Consul's `flags.Usage`: the text, then `HTTP API Options` and `Command Options`, flags
   * sorted by name, each usage wrapped at 72 columns with a 5-space indent.
   */
  usage(text: string): string {
    let out = `${text.trim()}\n\n`;
    const sorted = [...this.#flags.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const [section, title] of [
      ['http', 'HTTP API Options'],
      ['command', 'Command Options'],
    ] as const) {
      const defs = sorted.filter((d) => d.section === section);
      if (defs.length === 0) continue;
      out += `${title}\n\n`;
      for (const def of defs) {
        const example = unquoteUsage(def);
        out += example === '' ? `  -${def.name}\n` : `  -${def.name}=<${example}>\n`;
        out += `${wrapAtLength(def.usage, 5)}\n\n`;
      }
    }
    return out.replace(/\n+$/, '');
  }

  #numeric(
    name: string,
    initial: number,
    usage: string,
    typeName: 'int' | 'uint',
    pattern: RegExp,
    min: bigint,
    max: bigint,
  ): FlagValue<number> {
    const state = { value: initial, isSet: false };
    this.#define({
      name,
      usage,
      section: 'command',
      isBool: false,
      typeName,
      set: (text) => {
        if (!pattern.test(text)) return 'parse error';
        const big = BigInt(text);
        if (big < min || big > max) return 'value out of range';
        state.value = Number(big);
        state.isSet = true;
        return undefined;
      },
    });
    return state;
  }

  #define(def: FlagDef): void {
    // NOTE: a duplicate is a programming error, as Go's flag package panics on redefinition.
    if (this.#flags.has(def.name)) throw new Error(`flag redefined: ${def.name}`);
    this.#flags.set(def.name, def);
  }
}

/** Go's `flag.UnquoteUsage`: a back-quoted word names the value, otherwise the type does. */
function unquoteUsage(def: FlagDef): string {
  const match = /`([^`]*)`/.exec(def.usage);
  if (match !== null) return match[1] ?? '';
  return def.typeName;
}

/** Go's `%q` for the common case of printable text. */
function goQuote(text: string): string {
  return JSON.stringify(text);
}

/** Greedy word wrap at 72 columns minus the padding, each line indented by `pad` spaces. */
export function wrapAtLength(text: string, pad: number): string {
  const limit = 72 - pad;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= limit) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines.map((l) => ' '.repeat(pad) + l).join('\n');
}
