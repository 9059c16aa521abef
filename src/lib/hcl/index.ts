/**
 * HCL1 (HashiCorp Configuration Language v1) parser for the files Consul users write: agent configuration,
 * `consul services register` service definitions and `consul config write` config entries. No dependencies.
 *
 * @packageDocumentation
 */
export { parseHcl, parseHclRaw, parseJsonOrHcl, looksLikeJson } from './parse.js';
export type { ParseHclOptions, ParseHclRawOptions } from './parse.js';
export { HclSyntaxError, DEFAULT_HCL_FILENAME } from './hcl-syntax-error.js';
export type { SourcePosition } from './hcl-syntax-error.js';
export {
  CONSUL_AGENT_LIST_KEYS,
  CONSUL_CONFIG_ENTRY_LIST_KEYS,
  CONSUL_LIST_KEYS,
  createListKeyMatcher,
  normalizeListKey,
} from './list-keys.js';
export { MAX_HCL_NESTING_DEPTH } from './parser.js';
export type { HclValue, HclObject, JsonValue, JsonObject } from './types.js';
