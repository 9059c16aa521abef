import { decodeObject, toRaw, toShaped } from './decode.js';
import { DEFAULT_HCL_FILENAME, SourceText } from './hcl-syntax-error.js';
import { jsonErrorOffset } from './json-error-offset.js';
import { CONSUL_LIST_KEYS, createListKeyMatcher } from './list-keys.js';
import { Parser } from './parser.js';
import type { HclObject, JsonObject, JsonValue } from './types.js';

/** Options of {@link parseHcl} and {@link parseJsonOrHcl}. */
export interface ParseHclOptions {
  /**
   * Dotted paths (e.g. `services`, `service.checks`, `Sources.Permissions`) whose blocks are always arrays, even when
   * written once. Matched ignoring case and `_`. Default: {@link CONSUL_LIST_KEYS}; pass `new Set()` for none.
   */
  readonly listKeys?: ReadonlySet<string>;
  /** Name used in error messages. Default: `<input>`. */
  readonly filename?: string;
}

/** Options of {@link parseHclRaw}. */
export interface ParseHclRawOptions {
  /** Name used in error messages. Default: `<input>`. */
  readonly filename?: string;
}

function parseToDecoded(text: string, filename: string): ReturnType<typeof decodeObject> {
  // As hcl v1.0.0 `parser.Parse`: CRLF line endings are normalised before scanning.
  const source = new SourceText(text.replaceAll('\r\n', '\n'), filename);
  const root = new Parser(source).parseFile();
  return decodeObject(source, root.items);
}

/**
 * Parses HCL1 text into a JSON-compatible object, shaped as the equivalent JSON file would be.
 *
 * - `key { }` and `key = { }` are equivalent; a block written once is an object, repeated blocks an array of
 *   objects, and a block under a `listKeys` path is always an array.
 * - Labelled blocks nest by label: `a "b" "c" { x = 1 }` → `{ a: { b: { c: { x: 1 } } } }`; blocks with the same key
 *   and different labels merge into one object keyed by label.
 * - Repeated `key = value` keeps the last value; repeated lists concatenate, as in HCL1.
 * - Integers (decimal, `0x` hex, leading-`0` octal) and floats are numbers; `${...}` stays literal text.
 *
 * @throws `HclSyntaxError` on any malformed input (never another error type, never hangs).
 */
export function parseHcl(text: string, opts: ParseHclOptions = {}): HclObject {
  const decoded = parseToDecoded(text, opts.filename ?? DEFAULT_HCL_FILENAME);
  const shaped = toShaped(decoded, '', createListKeyMatcher(opts.listKeys ?? CONSUL_LIST_KEYS));
  return shaped as HclObject; // the root of a decoded document is always a map
}

/**
 * Parses HCL1 text into exactly what Go's `hcl.Decode(&map[string]interface{}{}, text)` yields: every block and
 * every object value not directly inside a list becomes a one-element-or-more array of objects
 * (`ports { http = 1 }` → `{ ports: [{ http: 1 }] }`). For callers that resolve the ambiguity against a schema, as
 * Consul's `HookWeakDecodeFromSlice` does.
 *
 * @throws `HclSyntaxError` on any malformed input.
 */
export function parseHclRaw(text: string, opts: ParseHclRawOptions = {}): HclObject {
  return toRaw(parseToDecoded(text, opts.filename ?? DEFAULT_HCL_FILENAME)) as HclObject;
}

/**
 * Whether `text` is to be read as JSON: the file name ends in `.json`, or the first non-blank character is `{` (the
 * rule of HCL1's `lexMode`, inlined by Consul's `command/config/write` as `isHCL`). A valid HCL document cannot start
 * with `{`, so no HCL file is misread.
 */
export function looksLikeJson(text: string, filename?: string): boolean {
  if (filename?.toLowerCase().endsWith('.json') === true) return true;
  return /^[\s\uFEFF]*\{/.test(text);
}

/**
 * Parses a Consul configuration file, JSON or HCL (see {@link looksLikeJson}). JSON is returned as `JSON.parse`
 * gives it (its arrays are explicit, so `listKeys` does not apply); HCL as {@link parseHcl} returns it.
 *
 * @param filename - used to pick the format and in error messages.
 * @throws `HclSyntaxError` for malformed HCL or JSON, or JSON whose top level is not an object.
 */
export function parseJsonOrHcl(
  text: string,
  filename?: string,
  opts: Omit<ParseHclOptions, 'filename'> = {},
): JsonObject {
  const name = filename ?? DEFAULT_HCL_FILENAME;
  if (!looksLikeJson(text, filename)) {
    return parseHcl(
      text,
      opts.listKeys === undefined ? { filename: name } : { filename: name, listKeys: opts.listKeys },
    );
  }
  const source = new SourceText(text, name);
  let value: JsonValue;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, '')) as JsonValue;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw source.error(jsonErrorOffset(source.text), `invalid JSON: ${detail}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const offset = text.search(/\S/);
    throw source.error(Math.max(offset, 0), 'invalid JSON: the top-level value must be an object');
  }
  return value;
}
