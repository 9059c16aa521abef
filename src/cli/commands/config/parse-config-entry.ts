import type { ConfigEntry } from '../../../api/index.js';
import { parseJsonOrHcl } from '../../../lib/hcl/index.js';
import { translateKeys } from '../../translate-keys.js';

/** The kinds Consul's client knows (`api.MakeConfigEntry`). */
export const CONFIG_ENTRY_KINDS: ReadonlySet<string> = new Set([
  'service-defaults',
  'proxy-defaults',
  'service-router',
  'service-splitter',
  'service-resolver',
  'ingress-gateway',
  'terminating-gateway',
  'service-intentions',
  'mesh',
  'exported-services',
  'sameness-group',
  'api-gateway',
  'bound-api-gateway',
  'inline-certificate',
  'file-system-certificate',
  'http-route',
  'tcp-route',
  'jwt-provider',
  'control-plane-request-limit',
]);

/**
 * Parses a config entry from JSON or HCL as `consul config write` does (Consul `helpers.ParseConfigEntry`):
 * `Kind` or `kind` required at the top level, snake_case keys translated to the API's PascalCase.
 *
 * @param filename - picks JSON for `*.json` and names the file in errors; undefined for stdin.
 * @throws Error with Consul's message for a missing or unknown kind, or the parser's for bad syntax.
 */
export function parseConfigEntry(text: string, filename?: string): ConfigEntry {
  const raw = parseJsonOrHcl(text, filename);
  const kind = raw['Kind'] ?? raw['kind'];
  if (kind === undefined) throw new Error('Payload does not contain a kind/Kind key at the top level');
  if (typeof kind !== 'string') throw new Error('Kind value in payload is not a string');
  if (!CONFIG_ENTRY_KINDS.has(kind)) throw new Error(`invalid config entry kind: ${kind}`);
  const translated = translateKeys(raw, 'config-entry') as Record<string, unknown>;
  return { ...translated, Kind: kind };
}

/** Consul's `GetName()`: the entry's Name; the mesh entry has none and is always named `mesh`. */
export function entryName(entry: ConfigEntry): string {
  if (typeof entry.Name === 'string') return entry.Name;
  return entry.Kind === 'mesh' ? 'mesh' : '';
}
