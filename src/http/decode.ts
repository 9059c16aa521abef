import { badRequest } from '../errors/index.js';

/**
 * Reads JSON request bodies the way Go's encoding/json decodes into structs: keys match field names without
 * regard to case, and a value of the wrong type is an error that names the field. `prefix` is the handler's
 * error prefix (`Request decode failed`, `Request decoding failed`, `Body decoding failed` — Consul's texts).
 */
export class Fields {
  readonly #obj: Record<string, unknown>;
  readonly #lower = new Map<string, string>();
  readonly #path: string;
  readonly #prefix: string;

  constructor(value: unknown, path: string, prefix: string) {
    this.#path = path;
    this.#prefix = prefix;
    if (value === null || value === undefined) {
      this.#obj = {};
    } else if (typeof value !== 'object' || Array.isArray(value)) {
      throw this.#typeError(path, value, 'object');
    } else {
      this.#obj = value as Record<string, unknown>;
    }
    for (const k of Object.keys(this.#obj)) {
      // Go prefers an exact match, then the first case-insensitive one.
      if (!this.#lower.has(k.toLowerCase())) this.#lower.set(k.toLowerCase(), k);
    }
  }

  /** The error prefix this decoder (and the decoders of its nested fields) uses. */
  get prefix(): string {
    return this.#prefix;
  }

  /** Raw value of a field (any of `names`, first match wins), undefined when absent or null. */
  raw(...names: string[]): unknown {
    for (const name of names) {
      if (Object.hasOwn(this.#obj, name)) {
        const v = this.#obj[name];
        if (v !== null && v !== undefined) return v;
      }
      const k = this.#lower.get(name.toLowerCase());
      if (k !== undefined) {
        const v = this.#obj[k];
        if (v !== null && v !== undefined) return v;
      }
    }
    return undefined;
  }

  has(...names: string[]): boolean {
    return this.raw(...names) !== undefined;
  }

  string(name: string, ...aliases: string[]): string {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return '';
    if (typeof v !== 'string') throw this.#typeError(`${this.#path}.${name}`, v, 'string');
    return v;
  }

  bool(name: string, ...aliases: string[]): boolean {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return false;
    if (typeof v !== 'boolean') throw this.#typeError(`${this.#path}.${name}`, v, 'bool');
    return v;
  }

  int(name: string, ...aliases: string[]): number {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v))
      throw this.#typeError(`${this.#path}.${name}`, v, 'int');
    return v;
  }

  /** A duration field: Go clients send strings (`"10s"`); numbers are nanoseconds. */
  durationText(name: string, ...aliases: string[]): string {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return '';
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return `${v / 1e6}ms`;
    throw this.#typeError(`${this.#path}.${name}`, v, 'time.Duration');
  }

  stringList(name: string, ...aliases: string[]): string[] {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw this.#typeError(`${this.#path}.${name}`, v, '[]string');
    return v.map((item: unknown) => {
      if (typeof item !== 'string') throw this.#typeError(`${this.#path}.${name}`, item, 'string');
      return item;
    });
  }

  stringMap(name: string, ...aliases: string[]): Record<string, string> {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return {};
    if (typeof v !== 'object' || Array.isArray(v))
      throw this.#typeError(`${this.#path}.${name}`, v, 'map[string]string');
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      if (typeof item !== 'string') throw this.#typeError(`${this.#path}.${name}`, item, 'string');
      out[k] = item;
    }
    return out;
  }

  object(name: string, ...aliases: string[]): Fields | undefined {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return undefined;
    return new Fields(v, `${this.#path}.${name}`, this.#prefix);
  }

  objectList(name: string, ...aliases: string[]): Fields[] {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw this.#typeError(`${this.#path}.${name}`, v, 'array');
    return v.map((item: unknown) => new Fields(item, `${this.#path}.${name}`, this.#prefix));
  }

  /** A free-form JSON object field, kept as is. */
  json(name: string, ...aliases: string[]): Record<string, unknown> | undefined {
    const v = this.raw(name, ...aliases);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || Array.isArray(v))
      throw this.#typeError(`${this.#path}.${name}`, v, 'object');
    return v as Record<string, unknown>;
  }

  #typeError(path: string, value: unknown, want: string): Error {
    return badRequest(
      `${this.#prefix}: json: cannot unmarshal ${jsonKind(value)} into Go struct field ${path} of type ${want}`,
    );
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  return 'object';
}

/** Parses a JSON body; malformed JSON is a 400 naming the problem. An empty body is `undefined`. */
export function parseJsonBody(buf: Buffer, prefix: string): unknown {
  if (buf.length === 0) return undefined;
  const text = buf.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw badRequest(`${prefix}: ${(err as Error).message}`);
  }
}
