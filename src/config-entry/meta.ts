/**
 * Meta limits for config entries (Consul `validateConfigEntryMeta`). Unlike service registrations, config
 * entries do NOT reserve the `consul-` key prefix: Consul only applies that rule in `ValidateServiceMetadata`.
 */
import { goQuote } from './go/format.js';
import { isGoStruct, type GoValue } from './schema.js';

/** Maximum number of Meta pairs. */
export const META_MAX_KEY_PAIRS = 64;
/** Maximum Meta key length, in bytes. */
export const META_KEY_MAX_LENGTH_BYTES = 128;
/** Maximum Meta value length, in bytes (also the limit for intention source descriptions). */
export const META_VALUE_MAX_LENGTH_BYTES = 512;

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Returns the multierror items for `meta` (empty when valid), in Consul's order. */
export function validateConfigEntryMeta(meta: GoValue | undefined): string[] {
  if (!isGoStruct(meta)) return [];
  const errs: string[] = [];
  const entries = Object.entries(meta);
  if (entries.length > META_MAX_KEY_PAIRS)
    errs.push(`Meta exceeds maximum element count ${META_MAX_KEY_PAIRS}`);
  for (const [k, v] of entries) {
    if (byteLength(k) > META_KEY_MAX_LENGTH_BYTES) {
      errs.push(`Meta key ${goQuote(k)} exceeds maximum length ${META_KEY_MAX_LENGTH_BYTES}`);
    }
    if (typeof v === 'string' && byteLength(v) > META_VALUE_MAX_LENGTH_BYTES) {
      errs.push(`Meta value for key ${goQuote(k)} exceeds maximum length ${META_VALUE_MAX_LENGTH_BYTES}`);
    }
  }
  return errs;
}
