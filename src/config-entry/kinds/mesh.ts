/**
 * `mesh` (Consul `MeshConfigEntry`, agent/structs/config_entry_mesh.go). One per partition.
 *
 * NOTE: Consul's struct has no `Kind` or `Name` field: `Kind` is tolerated as a routing key, but a `Name` key in
 * the body is an unknown key (`invalid config key "Name"`), and responses carry no `Name`. The entry is always
 * addressed as `mesh/mesh`.
 */
import { formatMultiError } from '../go/format.js';
import { validateConfigEntryMeta } from '../meta.js';
import {
  bool,
  f,
  getObj,
  getStr,
  getStrList,
  HASH_FIELD,
  mapString,
  named,
  oe,
  ptrTo,
  RAFT_INDEX_FIELDS,
  sliceOf,
  structOf,
  type GoStruct,
  type StructSchema,
} from '../schema.js';
import { type KindModule } from './shared.js';

/** The fixed name of the mesh entry (`structs.MeshConfigMesh`). */
export const MESH_CONFIG_NAME = 'mesh';

const DIRECTIONAL_TLS: StructSchema = {
  goName: 'structs.MeshDirectionalTLSConfig',
  fields: [
    oe('TLSMinVersion', named('types.TLSVersion'), 'tls_min_version'),
    oe('TLSMaxVersion', named('types.TLSVersion'), 'tls_max_version'),
    oe('CipherSuites', sliceOf(named('types.TLSCipherSuite')), 'cipher_suites'),
  ],
};

export const MESH_SCHEMA: StructSchema = {
  goName: 'structs.MeshConfigEntry',
  prependKind: 'mesh',
  fields: [
    f(
      'TransparentProxy',
      structOf({
        goName: 'structs.TransparentProxyMeshConfig',
        fields: [f('MeshDestinationsOnly', bool, 'mesh_destinations_only')],
      }),
      'transparent_proxy',
    ),
    oe('AllowEnablingPermissiveMutualTLS', bool, 'allow_enabling_permissive_mutual_tls'),
    oe('ValidateClusters', bool, 'validate_clusters'),
    oe(
      'TLS',
      ptrTo({
        goName: 'structs.MeshTLSConfig',
        fields: [oe('Incoming', ptrTo(DIRECTIONAL_TLS)), oe('Outgoing', ptrTo(DIRECTIONAL_TLS))],
      }),
    ),
    oe(
      'HTTP',
      ptrTo({
        goName: 'structs.MeshHTTPConfig',
        fields: [f('SanitizeXForwardedClientCert', bool, 'sanitize_x_forwarded_client_cert')],
      }),
    ),
    oe(
      'Peering',
      ptrTo({
        goName: 'structs.PeeringMeshConfig',
        fields: [f('PeerThroughMeshGateways', bool, 'peer_through_mesh_gateways')],
      }),
    ),
    oe('Meta', mapString),
    HASH_FIELD,
    ...RAFT_INDEX_FIELDS,
  ],
};

const TLS_VERSION_ORDER: Readonly<Record<string, number>> = {
  TLSv1_0: 1,
  TLSv1_1: 2,
  TLSv1_2: 3,
  TLSv1_3: 4,
};
const TLS_VERSIONS = new Set(['TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2', 'TLSv1_3']);
/** TLS versions for which cipher suites may be configured (TLS 1.2 or earlier, or unspecified/auto). */
const CIPHER_CONFIGURABLE = new Set(['', 'TLS_AUTO', 'TLSv1_0', 'TLSv1_1', 'TLSv1_2']);

function validateTlsVersion(v: string): string | undefined {
  if (TLS_VERSIONS.has(v)) return undefined;
  return `no matching TLS version found for ${v}, please specify one of [${[...TLS_VERSIONS].sort().join(', ')}]`;
}

/** `validateTLSConfig` for one direction. */
function validateDirectionalTls(cfg: GoStruct): string | undefined {
  const min = getStr(cfg, 'TLSMinVersion');
  const max = getStr(cfg, 'TLSMaxVersion');
  if (min !== '') {
    const msg = validateTlsVersion(min);
    if (msg !== undefined) return msg;
  }
  if (max !== '') {
    const msg = validateTlsVersion(max);
    if (msg !== undefined) return msg;
    const a = TLS_VERSION_ORDER[max];
    const b = TLS_VERSION_ORDER[min];
    if (min !== '' && a !== undefined && b !== undefined && a < b) {
      return `configuring max version ${max} less than the configured min version ${min} is invalid`;
    }
  }
  if (getStrList(cfg, 'CipherSuites').length > 0 && !CIPHER_CONFIGURABLE.has(min)) {
    return `configuring CipherSuites is only applicable to connections negotiated with TLS 1.2 or earlier, TLSMinVersion is set to ${min}`;
  }
  // TODO(config-entry): types.ValidateEnvoyCipherSuites (names must be Envoy-supported IANA suites).
  return undefined;
}

export const mesh: KindModule = {
  schema: MESH_SCHEMA,

  normalize() {
    return undefined;
  },

  validate(e) {
    const meta = validateConfigEntryMeta(e['Meta']);
    if (meta.length > 0) return formatMultiError(meta);
    const tls = getObj(e, 'TLS');
    if (tls !== null) {
      const incoming = getObj(tls, 'Incoming');
      if (incoming !== null) {
        const msg = validateDirectionalTls(incoming);
        if (msg !== undefined) return `error in incoming TLS configuration: ${msg}`;
      }
      const outgoing = getObj(tls, 'Outgoing');
      if (outgoing !== null) {
        const msg = validateDirectionalTls(outgoing);
        if (msg !== undefined) return `error in outgoing TLS configuration: ${msg}`;
      }
    }
    return undefined;
  },
};
