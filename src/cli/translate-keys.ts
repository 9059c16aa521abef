/**
 * Translates the keys of a decoded HCL/JSON document to the PascalCase JSON keys Consul's HTTP API expects,
 * as Consul's CLI does when it decodes files into its Go structs (`mapstructure` matches field names ignoring
 * case, `HookTranslateKeys` maps snake_case aliases) and re-encodes them: `mesh_gateway` → `MeshGateway`,
 * `tls_skip_verify` → `TLSSkipVerify`, `id` → `ID`.
 *
 * User-keyed maps keep their keys: `Meta`, `NodeMeta`, `Config`, header maps, and the keys of `Subsets` and
 * `TaggedAddresses` (whose values are translated).
 */

/** Which document is translated; a few aliases depend on it. */
export type TranslateMode = 'service' | 'config-entry';

/** Word parts written as acronyms in Consul's Go field names. */
const ACRONYMS: Readonly<Record<string, string>> = {
  id: 'ID',
  ttl: 'TTL',
  http: 'HTTP',
  https: 'HTTPS',
  tcp: 'TCP',
  udp: 'UDP',
  grpc: 'GRPC',
  tls: 'TLS',
  sni: 'SNI',
  ip: 'IP',
  dns: 'DNS',
  url: 'URL',
  uri: 'URI',
  ca: 'CA',
  jwt: 'JWT',
  jwks: 'JWKS',
  acl: 'ACL',
  sds: 'SDS',
  os: 'OS',
  json: 'JSON',
  pem: 'PEM',
  api: 'API',
};

/** Whole keys whose Go name does not follow from the parts (lower-cased key → Go name). */
const ALIASES: Readonly<Record<string, string>> = {
  h2ping: 'H2PING',
  h2ping_use_tls: 'H2PingUseTLS',
  args: 'ScriptArgs',
};

/** Values kept verbatim: free-form maps whose keys belong to the user or to a proxy. */
const OPAQUE = new Set(['Meta', 'NodeMeta', 'Config', 'Arguments', 'Header', 'Add', 'Set', 'Env']);

/** Maps keyed by user names whose values are structs. */
const KEYED = new Set(['Subsets', 'TaggedAddresses']);

/** The Go field name for one key. */
export function canonicalKey(key: string, mode: TranslateMode, parent: string): string {
  const lower = key.toLowerCase();
  if (
    mode === 'service' &&
    (parent === 'Check' || parent === 'Checks') &&
    (lower === 'id' || lower === 'check_id')
  ) {
    return 'CheckID';
  }
  if (mode === 'config-entry' && parent === 'Consumers' && lower === 'peer_name') return 'Peer';
  const alias = ALIASES[lower];
  if (alias !== undefined) return alias;
  if (!key.includes('_') && key !== lower) return key.charAt(0).toUpperCase() + key.slice(1);
  return key
    .split('_')
    .filter((part) => part !== '')
    .map((part) => ACRONYMS[part.toLowerCase()] ?? part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/**
 * Returns a copy of `value` with translated keys.
 *
 * @param parent - the Go name of the key holding `value` ('' at the top).
 */
export function translateKeys(value: unknown, mode: TranslateMode, parent = ''): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => translateKeys(item, mode, parent));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const name = canonicalKey(key, mode, parent);
    if (OPAQUE.has(name)) {
      out[name] = item;
    } else if (KEYED.has(name) && typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const keyed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(item as Record<string, unknown>))
        keyed[k] = translateKeys(v, mode, name);
      out[name] = keyed;
    } else {
      out[name] = translateKeys(item, mode, name);
    }
  }
  return out;
}
