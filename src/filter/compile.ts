import { MatchOperator, type Expression } from './ast.js';
import type { FieldType } from './field-type.js';
import { FilterError } from './filter-error.js';
import { compileGoRegexp, GoRegexpError, type GoRegexp } from './go-regexp.js';
import {
  goQuote,
  parseGoBool,
  parseGoFloat,
  parseGoInt,
  parseGoUint,
  type GoParseResult,
} from '../lib/go/strconv.js';
import { ParseError, parseExpression } from './parser.js';

/**
 * A compiled filter. `matches` never throws: missing keys and `null` read as the field's zero value.
 */
export interface Filter {
  /** The expression this filter was compiled from (`''` for the match-everything filter). */
  readonly expression: string;
  /** Whether `item` (a JSON object shaped like the schema) passes the filter. */
  matches(item: unknown): boolean;
}

type Scalar = string | bigint | number | boolean;

/** Per-selector-segment configuration, mirroring go-bexpr's `FieldConfiguration`. */
interface FieldConfig {
  readonly type: FieldType;
  readonly ops: readonly MatchOperator[];
  readonly coerce: ((raw: string) => GoParseResult<Scalar>) | undefined;
  /** Sub-selectors; the key `''` is go-bexpr's `FieldNameAny` (any map key). */
  readonly sub: ReadonlyMap<string, FieldConfig> | undefined;
}

const ANY_KEY = '';

const EQUALITY: readonly MatchOperator[] = [MatchOperator.Equal, MatchOperator.NotEqual];
const STRING_OPS: readonly MatchOperator[] = [
  MatchOperator.Equal,
  MatchOperator.NotEqual,
  MatchOperator.In,
  MatchOperator.NotIn,
  MatchOperator.Matches,
  MatchOperator.NotMatches,
];
const EMPTINESS: readonly MatchOperator[] = [MatchOperator.IsEmpty, MatchOperator.IsNotEmpty];
const MEMBERSHIP: readonly MatchOperator[] = [MatchOperator.In, MatchOperator.NotIn];

const coerceString = (raw: string): GoParseResult<Scalar> => ({ ok: true, value: raw });

function primitiveCoercion(type: FieldType): ((raw: string) => GoParseResult<Scalar>) | undefined {
  switch (type.kind) {
    case 'string':
      return coerceString;
    case 'bool':
      return parseGoBool;
    case 'int':
      return parseGoInt;
    case 'uint':
      return parseGoUint;
    case 'number':
      return parseGoFloat;
    case 'any':
    case 'list':
    case 'map':
    case 'struct':
      return undefined;
  }
}

const configCache = new WeakMap<FieldType, FieldConfig | null>();

/**
 * Derives the selector configuration for a type the way go-bexpr v0.1.2's `field_config.go` does:
 * strings support ==, !=, in, matches; other primitives only == and !=; lists of primitives support
 * in/is empty; other lists only is empty, with their element's sub-fields selectable through them; maps
 * support in (keys)/is empty and `<any key>` sub-selection; structs support no operator themselves.
 */
function configFor(type: FieldType): FieldConfig | null {
  const cached = configCache.get(type);
  if (cached !== undefined) return cached;
  let config: FieldConfig | null;
  const coerce = primitiveCoercion(type);
  switch (type.kind) {
    case 'string':
      config = { type, ops: STRING_OPS, coerce, sub: undefined };
      break;
    case 'bool':
    case 'int':
    case 'uint':
    case 'number':
      config = { type, ops: EQUALITY, coerce, sub: undefined };
      break;
    case 'any':
      config = null;
      break;
    case 'list': {
      const elemCoerce = primitiveCoercion(type.of);
      if (elemCoerce !== undefined) {
        config = { type, ops: [...MEMBERSHIP, ...EMPTINESS], coerce: elemCoerce, sub: undefined };
      } else {
        const elem = configFor(type.of);
        const sub = elem?.sub !== undefined && elem.sub.size > 0 ? elem.sub : undefined;
        config = { type, ops: EMPTINESS, coerce: undefined, sub };
      }
      break;
    }
    case 'map': {
      const elem = configFor(type.of);
      const sub = elem === null ? undefined : new Map([[ANY_KEY, elem]]);
      config = { type, ops: [...EMPTINESS, ...MEMBERSHIP], coerce: coerceString, sub };
      break;
    }
    case 'struct': {
      const sub = new Map<string, FieldConfig>();
      for (const [name, fieldType] of Object.entries(type.fields)) {
        const fieldConfig = configFor(fieldType);
        if (fieldConfig !== null) sub.set(name, fieldConfig);
      }
      config = { type, ops: [], coerce: undefined, sub };
      break;
    }
  }
  configCache.set(type, config);
  return config;
}

interface CompiledMatch {
  readonly kind: 'match';
  readonly selector: readonly string[];
  readonly operator: MatchOperator;
  readonly value: Scalar | undefined;
  readonly regexp: GoRegexp | undefined;
}

type Compiled =
  | { readonly kind: 'and' | 'or'; readonly left: Compiled; readonly right: Compiled }
  | { readonly kind: 'not'; readonly operand: Compiled }
  | CompiledMatch;

/** go-bexpr's `validateRecurse`: checks selectors, operators and values against the schema, in order. */
function validate(expr: Expression, root: FieldConfig): Compiled {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { kind: expr.kind, left: validate(expr.left, root), right: validate(expr.right, root) };
    case 'not':
      return { kind: 'not', operand: validate(expr.operand, root) };
    case 'match':
      return validateMatch(expr, root);
  }
}

function validateMatch(expr: Extract<Expression, { kind: 'match' }>, root: FieldConfig): CompiledMatch {
  const selectorText = goQuote(expr.selector.join('.'));
  let configs = root.sub;
  let last: FieldConfig | undefined;
  for (let idx = 0; idx < expr.selector.length; idx++) {
    const name = expr.selector[idx] ?? '';
    const found = configs?.get(name) ?? configs?.get(ANY_KEY);
    if (found === undefined) {
      throw new FilterError(`Selector ${goQuote(expr.selector.slice(0, idx + 1).join('.'))} is not valid`);
    }
    last = found;
    configs = found.sub;
  }
  if (last === undefined || !last.ops.includes(expr.operator)) {
    throw new FilterError(`Invalid match operator ${goQuote(expr.operator)} for selector ${selectorText}`);
  }
  let value: Scalar | undefined;
  let regexp: GoRegexp | undefined;
  if (expr.value !== undefined) {
    if (last.coerce !== undefined) {
      const coerced = last.coerce(expr.value);
      if (!coerced.ok) {
        throw new FilterError(
          `Failed to coerce value ${goQuote(expr.value)} for selector ${selectorText}: ${coerced.error}`,
        );
      }
      value = coerced.value;
    }
    if (expr.operator === MatchOperator.Matches || expr.operator === MatchOperator.NotMatches) {
      const pattern = typeof value === 'string' ? value : expr.value;
      try {
        regexp = compileGoRegexp(pattern);
      } catch (err) {
        if (!(err instanceof GoRegexpError)) throw err;
        throw new FilterError(`Failed to compile regular expression ${goQuote(pattern)}: ${err.message}`);
      }
    }
  }
  return { kind: 'match', selector: expr.selector, operator: expr.operator, value, regexp };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasKey(record: Readonly<Record<string, unknown>>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** The value as the field's Go type would hold it; JSON `null`/missing become the zero value. */
function scalarOf(type: FieldType, value: unknown): Scalar | undefined {
  switch (type.kind) {
    case 'string':
      return typeof value === 'string' ? value : '';
    case 'bool':
      return typeof value === 'boolean' ? value : false;
    case 'int':
    case 'uint':
      if (value === undefined || value === null) return 0n;
      if (typeof value === 'bigint') return value;
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
    case 'number':
      if (value === undefined || value === null) return 0;
      return typeof value === 'number' ? value : undefined;
    case 'any':
    case 'list':
    case 'map':
    case 'struct':
      return undefined;
  }
}

function scalarEquals(type: FieldType, actual: unknown, wanted: Scalar | undefined): boolean {
  const have = scalarOf(type, actual);
  return have !== undefined && have === wanted;
}

/** What go-bexpr answers when a selector names a map key that is absent. */
function missingKeyResult(op: MatchOperator): boolean {
  // NOTE: go-bexpr v0.1.2 only lists ==, is not empty and in as false here; everything else, including
  // `matches`, is true for an absent key. Reproduced deliberately for compatibility.
  return !(op === MatchOperator.Equal || op === MatchOperator.IsNotEmpty || op === MatchOperator.In);
}

function evaluateLeaf(m: CompiledMatch, type: FieldType, value: unknown): boolean {
  switch (m.operator) {
    case MatchOperator.Equal:
      return scalarEquals(type, value, m.value);
    case MatchOperator.NotEqual:
      return !scalarEquals(type, value, m.value);
    case MatchOperator.In:
      return contains(type, value, m.value);
    case MatchOperator.NotIn:
      return !contains(type, value, m.value);
    case MatchOperator.IsEmpty:
      return isEmpty(value);
    case MatchOperator.IsNotEmpty:
      return !isEmpty(value);
    case MatchOperator.Matches:
      return m.regexp?.test(typeof value === 'string' ? value : '') ?? false;
    case MatchOperator.NotMatches:
      return !(m.regexp?.test(typeof value === 'string' ? value : '') ?? false);
  }
}

function contains(type: FieldType, value: unknown, wanted: Scalar | undefined): boolean {
  switch (type.kind) {
    case 'list':
      return Array.isArray(value) && value.some((el: unknown) => scalarEquals(type.of, el, wanted));
    case 'map':
      return isRecord(value) && typeof wanted === 'string' && hasKey(value, wanted);
    case 'string':
      return typeof wanted === 'string' && (typeof value === 'string' ? value : '').includes(wanted);
    case 'bool':
    case 'int':
    case 'uint':
    case 'number':
    case 'any':
    case 'struct':
      return false;
  }
}

function isEmpty(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.keys(value).length === 0;
  return true;
}

/**
 * go-bexpr's `evaluateMatchExpressionRecurse`: walks the selector through structs and maps; a list met
 * before the selector ends is searched element by element (true if ANY element matches, false if empty).
 */
function evaluateMatch(m: CompiledMatch, depth: number, type: FieldType, value: unknown): boolean {
  if (depth >= m.selector.length) return evaluateLeaf(m, type, value);
  const segment = m.selector[depth] ?? '';
  switch (type.kind) {
    case 'struct': {
      const fieldType = type.fields[segment];
      if (fieldType === undefined) return false;
      return evaluateMatch(m, depth + 1, fieldType, isRecord(value) ? value[segment] : undefined);
    }
    case 'list':
      return Array.isArray(value) && value.some((el: unknown) => evaluateMatch(m, depth, type.of, el));
    case 'map':
      if (!isRecord(value) || !hasKey(value, segment)) return missingKeyResult(m.operator);
      return evaluateMatch(m, depth + 1, type.of, value[segment]);
    case 'string':
    case 'bool':
    case 'int':
    case 'uint':
    case 'number':
    case 'any':
      return false;
  }
}

function evaluate(node: Compiled, schema: FieldType, item: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, schema, item) && evaluate(node.right, schema, item);
    case 'or':
      return evaluate(node.left, schema, item) || evaluate(node.right, schema, item);
    case 'not':
      return !evaluate(node.operand, schema, item);
    case 'match':
      return evaluateMatch(node, 0, schema, item);
  }
}

/**
 * Compiles a Consul `?filter=` expression (go-bexpr syntax) for items of the given schema.
 *
 * Everything is checked here, before any data is seen, exactly as go-bexpr does: syntax, that every
 * selector exists in `schema`, that the operator suits the selected field, that the value coerces to the
 * field's type and that `matches` patterns compile. An empty expression yields a filter that matches
 * everything (Consul treats `?filter=` as no filter).
 *
 * @throws FilterError with Consul's message, for any of the failures above.
 */
export function compileFilter(expression: string, schema: FieldType): Filter {
  if (expression === '') return { expression, matches: () => true };
  const root = configFor(schema);
  let compiled: Compiled;
  try {
    if (root?.sub === undefined) throw new FilterError('Data type has no evaluatable fields');
    compiled = validate(parseExpression(expression), root);
  } catch (err) {
    if (err instanceof FilterError) throw err;
    if (err instanceof ParseError) throw new FilterError(err.message);
    // Last line of defence against stack exhaustion on adversarial nesting.
    if (err instanceof RangeError) throw new FilterError('expression nests too deeply');
    throw err;
  }
  return {
    expression,
    matches: (item: unknown): boolean => evaluate(compiled, schema, item),
  };
}

/** Keeps the items of `items` that pass `filter` (the list endpoints). */
export function filterList<T>(filter: Filter, items: readonly T[]): T[] {
  return items.filter((item) => filter.matches(item));
}

/** Keeps the entries of `record` whose value passes `filter` (the map endpoints, e.g. agent services). */
export function filterRecord<T>(filter: Filter, record: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(record)) {
    if (filter.matches(value)) out[key] = value;
  }
  return out;
}
