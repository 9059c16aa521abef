/**
 * The shape of the data a filter runs against: the Go field types go-bexpr derives its selectors from,
 * expressed for the JSON objects Entente renders.
 *
 * - `string`, `bool`: Go `string`, `bool`.
 * - `int` / `uint`: Go signed / unsigned integers (`int`, `uint64`, …); literals are coerced with Go's
 *   `strconv.ParseInt(s, 0, 64)` / `ParseUint`, so `1.5` is a coercion error, `0x10` is 16.
 * - `number`: Go `float64`; literals coerced with `strconv.ParseFloat`.
 * - `list`: Go slice; `map`: Go `map[string]T`; `struct`: Go struct (field names are the selector names).
 * - `any`: Go `interface{}`; never selectable itself, but a `map` of `any` still supports `is empty` and
 *   key membership (`"k" in Config`).
 */
export type FieldType =
  | { readonly kind: 'string' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'int' }
  | { readonly kind: 'uint' }
  | { readonly kind: 'number' }
  | { readonly kind: 'any' }
  | { readonly kind: 'list'; readonly of: FieldType }
  | { readonly kind: 'map'; readonly of: FieldType }
  | { readonly kind: 'struct'; readonly fields: Readonly<Record<string, FieldType>> };

/** Builders for `FieldType` values, to keep schema definitions short. */
export const field = {
  string: { kind: 'string' },
  bool: { kind: 'bool' },
  int: { kind: 'int' },
  uint: { kind: 'uint' },
  number: { kind: 'number' },
  any: { kind: 'any' },
  list: (of: FieldType): FieldType => ({ kind: 'list', of }),
  map: (of: FieldType): FieldType => ({ kind: 'map', of }),
  struct: (fields: Readonly<Record<string, FieldType>>): FieldType => ({ kind: 'struct', fields }),
} as const satisfies Record<string, FieldType | ((arg: never) => FieldType)>;
