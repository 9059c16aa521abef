/**
 * `proxy-defaults` (Consul `ProxyConfigEntry`, agent/structs/config_entry.go). One per partition, named `global`.
 */
import { formatMultiError, goFmtV, goJsonType, goQuote, plainDecimal } from '../go/format.js';
import { validateConfigEntryMeta } from '../meta.js';
import {
  f,
  getObj,
  getStr,
  HASH_FIELD,
  isGoStruct,
  mapAny,
  mapString,
  named,
  oe,
  ptrTo,
  RAFT_INDEX_FIELDS,
  sliceOf,
  str,
  structOf,
  type StructSchema,
} from '../schema.js';
import {
  ACCESS_LOGS_CONFIG,
  ENVOY_EXTENSION,
  EXPOSE_CONFIG,
  FAILOVER_POLICY,
  MESH_GATEWAY_CONFIG,
  PRIORITIZE_BY_LOCALITY,
  TRANSPARENT_PROXY_CONFIG,
  validateAccessLogs,
  validateMutualTlsMode,
  validatePrioritizeByLocality,
  type KindModule,
} from './shared.js';

/** The only name a proxy-defaults entry may have (`structs.ProxyConfigGlobal`). */
export const PROXY_CONFIG_GLOBAL = 'global';

/** Max length of `Config.envoy_hcp_metrics_bind_socket_dir` (socket path limits on BSD/macOS). */
const MAX_SOCKET_DIR_LEN = 70;

export const PROXY_DEFAULTS_SCHEMA: StructSchema = {
  goName: 'structs.ProxyConfigEntry',
  fields: [
    f('Kind', str),
    f('Name', str),
    f('Config', mapAny),
    // json:"-": computed from Config.protocol, accepted on input but never rendered.
    { name: 'Protocol', type: str, hidden: true },
    oe('Mode', named('structs.ProxyMode')),
    oe('TransparentProxy', structOf(TRANSPARENT_PROXY_CONFIG), 'transparent_proxy'),
    oe('MutualTLSMode', named('structs.MutualTLSMode'), 'mutual_tls_mode'),
    oe('MeshGateway', structOf(MESH_GATEWAY_CONFIG), 'mesh_gateway'),
    oe('Expose', structOf(EXPOSE_CONFIG)),
    oe('AccessLogs', structOf(ACCESS_LOGS_CONFIG), 'access_logs'),
    oe('EnvoyExtensions', sliceOf(structOf(ENVOY_EXTENSION)), 'envoy_extensions'),
    oe('FailoverPolicy', ptrTo(FAILOVER_POLICY), 'failover_policy'),
    oe('PrioritizeByLocality', ptrTo(PRIORITIZE_BY_LOCALITY), 'prioritize_by_locality'),
    oe('Meta', mapString),
    HASH_FIELD,
    ...RAFT_INDEX_FIELDS,
  ],
};

/** `invalid name ("x"), only "global" is supported` — also raised by Normalize (so DELETE checks it). */
export function proxyDefaultsNameError(name: string): string {
  return `invalid name (${goQuote(name)}), only ${goQuote(PROXY_CONFIG_GLOBAL)} is supported`;
}

/**
 * `ComputeProtocol`: a weak mapstructure decode of `Config.protocol` (key matched case-insensitively).
 * Returns the protocol or a mapstructure-style error.
 */
function computeProtocol(config: unknown): { protocol: string } | { error: string } {
  if (!isGoStruct(config)) return { protocol: '' };
  const key = Object.keys(config).find((k) => k.toLowerCase() === 'protocol');
  if (key === undefined) return { protocol: '' };
  let v = config[key];
  if (Array.isArray(v) && v.length === 1) v = v[0] ?? null;
  if (v === null || v === undefined) return { protocol: '' };
  if (typeof v === 'string') return { protocol: v };
  if (typeof v === 'boolean') return { protocol: v ? '1' : '0' };
  if (typeof v === 'number') return { protocol: plainDecimal(v) };
  return {
    error: `1 error(s) decoding:\n\n* 'protocol' expected type 'string', got unconvertible type '${goJsonType(v)}', value: '${goFmtV(v)}'`,
  };
}

export const proxyDefaults: KindModule = {
  schema: PROXY_DEFAULTS_SCHEMA,

  normalize(e) {
    e['Kind'] = 'proxy-defaults';
    const name = getStr(e, 'Name');
    if (name !== '' && name !== PROXY_CONFIG_GLOBAL) return proxyDefaultsNameError(name);
    e['Name'] = PROXY_CONFIG_GLOBAL;
    const computed = computeProtocol(e['Config']);
    if ('error' in computed) return computed.error;
    e['Protocol'] = computed.protocol;
    return undefined;
  },

  validate(e) {
    const name = getStr(e, 'Name');
    if (name !== PROXY_CONFIG_GLOBAL) return proxyDefaultsNameError(name);
    const logs = getObj(e, 'AccessLogs');
    if (logs !== null) {
      const msg = validateAccessLogs(logs);
      if (msg !== undefined) return msg;
    }
    const meta = validateConfigEntryMeta(e['Meta']);
    if (meta.length > 0) return formatMultiError(meta);
    const config = e['Config'];
    if (isGoStruct(config)) {
      const dir = config['envoy_hcp_metrics_bind_socket_dir'];
      if (typeof dir === 'string' && Buffer.byteLength(dir) > MAX_SOCKET_DIR_LEN) {
        return `Config: envoy_hcp_metrics_bind_socket_dir length ${Buffer.byteLength(dir)} exceeds max ${MAX_SOCKET_DIR_LEN}`;
      }
    }
    // TODO(config-entry): EnvoyExtensions (envoyextensions.ValidateExtensions) and FailoverPolicy validation.
    const pbl = validatePrioritizeByLocality(getObj(e, 'PrioritizeByLocality'));
    if (pbl !== undefined) return pbl;
    return validateMutualTlsMode(getStr(e, 'MutualTLSMode'));
  },
};
