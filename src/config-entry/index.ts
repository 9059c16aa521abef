/**
 * Config entries: decoding, normalizing and validating the eight kinds Entente supports exactly as Consul does,
 * and rendering them with Consul's JSON shape. See README.md.
 */
export {
  CONFIG_ENTRY_KINDS,
  UNSUPPORTED_CONSUL_KINDS,
  isConfigEntryKind,
  type ConfigEntryKind,
} from './kinds.js';
export {
  canonicalEntryName,
  decodeConfigEntry,
  decodeLegacyIntentionsEntry,
  renderConfigEntry,
  validateKindName,
  type ConfigPathOperation,
} from './config-entry.js';
export { exportedServicesForPeer, exportedServicesPeers, type PeerExports } from './exported-services.js';
export { CONFIG_ENTRY_VALIDATION_HTTP_STATUS } from './errors.js';
export { formatMultiError } from './go/format.js';
export { META_KEY_MAX_LENGTH_BYTES, META_MAX_KEY_PAIRS, META_VALUE_MAX_LENGTH_BYTES } from './meta.js';
export { intentionPrecedence } from './kinds/service-intentions.js';
export { EXPORTED_SERVICES_CE_NAME } from './kinds/exported-services.js';
export { MESH_CONFIG_NAME } from './kinds/mesh.js';
export { PROXY_CONFIG_GLOBAL } from './kinds/proxy-defaults.js';
export type * from './types.js';
