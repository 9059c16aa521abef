import type { SourceText } from './hcl-syntax-error.js';
import type { ItemNode, ValueNode } from './parser.js';
import type { HclObject, HclValue } from './types.js';

/**
 * The decoded document before shaping. Two flags record provenance that HCL1's own output loses:
 * `list.fromBlocks`, whether every element came from block syntax (`k { }`, `k = { }`, `k "label" { }`) rather than
 * from a `[ ... ]` literal; and `map.fromLabel`, whether the map exists only to nest a block under its label.
 */
export type Decoded =
  | { readonly kind: 'scalar'; readonly value: string | number | boolean }
  | { readonly kind: 'list'; readonly items: Decoded[]; fromBlocks: boolean }
  | { readonly kind: 'map'; readonly entries: Map<string, Decoded>; readonly fromLabel: boolean };

type DecodedMap = Extract<Decoded, { kind: 'map' }>;

/**
 * Decodes an object body the way `hcl.Decode(&map[string]interface{}, ...)` does (hashicorp/hcl v1 `decoder.go`,
 * `decodeMap` + `decodeInterface`):
 * - a block or object value not directly inside a list becomes a one-element list of maps;
 * - `k "a" "b" { ... }` becomes `k: [{ a: [{ b: [{ ... }] }] }]`;
 * - a repeated key merges into the value already there: lists (of blocks or literals) are appended to, scalars are
 *   replaced (last wins); a list and a scalar under one key cannot be combined and is an error, as in HCL1.
 *
 * NOTE: items group by their exact first key. HCL1 groups labelled items case-insensitively (`ObjectList.Filter`
 * uses `strings.EqualFold`) and then fails on a mix of labelled and unlabelled blocks; neither quirk is reproduced.
 */
export function decodeObject(source: SourceText, items: readonly ItemNode[], fromLabel = false): DecodedMap {
  const entries = new Map<string, Decoded>();
  for (const item of items) {
    const [key, ...labels] = item.keys;
    if (key === undefined) continue; // unreachable: the parser requires a key
    const incoming = decodeItemValue(source, labels, item);
    const existing = entries.get(key);
    entries.set(key, existing === undefined ? incoming : merge(source, key, item, existing, incoming));
  }
  return { kind: 'map', entries, fromLabel };
}

function decodeItemValue(source: SourceText, labels: readonly string[], item: ItemNode): Decoded {
  if (labels.length > 0) {
    const nested = decodeObject(source, [{ keys: labels, offset: item.offset, value: item.value }], true);
    return { kind: 'list', items: [nested], fromBlocks: true };
  }
  const value = item.value;
  switch (value.kind) {
    case 'object':
      return { kind: 'list', items: [decodeObject(source, value.items)], fromBlocks: true };
    case 'list':
      return { kind: 'list', items: value.elements.map((e) => decodeElement(source, e)), fromBlocks: false };
    case 'literal':
      return { kind: 'scalar', value: value.value };
  }
}

/** A list element: objects directly inside a list are maps, not one-element lists (HCL1 `decodeInterface`). */
function decodeElement(source: SourceText, node: ValueNode): Decoded {
  switch (node.kind) {
    case 'object':
      return decodeObject(source, node.items);
    case 'list':
      return { kind: 'list', items: node.elements.map((e) => decodeElement(source, e)), fromBlocks: false };
    case 'literal':
      return { kind: 'scalar', value: node.value };
  }
}

function merge(
  source: SourceText,
  key: string,
  item: ItemNode,
  existing: Decoded,
  incoming: Decoded,
): Decoded {
  if (existing.kind === 'list' && incoming.kind === 'list') {
    existing.items.push(...incoming.items);
    existing.fromBlocks &&= incoming.fromBlocks;
    return existing;
  }
  if (existing.kind === 'scalar' && incoming.kind === 'scalar') return incoming;
  const what = (d: Decoded): string => (d.kind === 'scalar' ? `a ${typeof d.value}` : 'a block or list');
  throw source.error(
    item.offset,
    `conflicting definitions of ${JSON.stringify(key)}: cannot combine ${what(existing)} with ${what(incoming)}`,
  );
}

/** Sets an own, enumerable property, safe for keys such as `__proto__`. */
export function setOwn(target: HclObject, key: string, value: HclValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** HCL1's raw shape: every block list stays a list, as `hcl.Decode` into `map[string]interface{}` returns it. */
export function toRaw(decoded: Decoded): HclValue {
  switch (decoded.kind) {
    case 'scalar':
      return decoded.value;
    case 'list':
      return decoded.items.map(toRaw);
    case 'map': {
      const out: HclObject = {};
      for (const [k, v] of decoded.entries) setOwn(out, k, toRaw(v));
      return out;
    }
  }
}

/**
 * The JSON-like shape, i.e. what a user would have written in the `.json` twin of the file:
 * - a block list from a single block becomes that object; several blocks stay an array of objects;
 * - blocks that all carry labels merge into one object keyed by label (`service "a" {}` + `service "b" {}` →
 *   `service: { a: {}, b: {} }`), the JSON form HCL1's own JSON parser accepts for such documents;
 * - a block list whose dotted path `isListKey` accepts is always an array, unmerged;
 * - `[ ... ]` literals are always arrays.
 *
 * Paths are built like Consul's `lib.PatchSliceOfMaps`: keys joined by `.`, list indices not included, labels
 * included (`service "web" { checks { } }` → `service.web.checks`).
 */
export function toShaped(decoded: Decoded, path: string, isListKey: (path: string) => boolean): HclValue {
  switch (decoded.kind) {
    case 'scalar':
      return decoded.value;
    case 'list': {
      if (decoded.fromBlocks && !isListKey(path)) {
        const maps = decoded.items.filter((d): d is DecodedMap => d.kind === 'map');
        if (maps.length === decoded.items.length) {
          if (maps.length === 1 && maps[0] !== undefined) return toShaped(maps[0], path, isListKey);
          if (maps.every((m) => m.fromLabel)) return toShaped(mergeLabelled(maps), path, isListKey);
        }
      }
      return decoded.items.map((d) => toShaped(d, path, isListKey));
    }
    case 'map': {
      const out: HclObject = {};
      for (const [k, v] of decoded.entries)
        setOwn(out, k, toShaped(v, path === '' ? k : `${path}.${k}`, isListKey));
      return out;
    }
  }
}

/** Merges maps made from labels (one entry each, a block list) into one map; equal labels concatenate. */
function mergeLabelled(maps: readonly DecodedMap[]): DecodedMap {
  const entries = new Map<string, Decoded>();
  for (const map of maps) {
    for (const [label, value] of map.entries) {
      const previous = entries.get(label);
      if (previous?.kind === 'list' && value.kind === 'list') {
        entries.set(label, {
          kind: 'list',
          items: [...previous.items, ...value.items],
          fromBlocks: previous.fromBlocks && value.fromBlocks,
        });
      } else {
        entries.set(label, value);
      }
    }
  }
  return { kind: 'map', entries, fromLabel: false };
}
