/**
 * The Connect CA: the cluster's root, the server's peering certificate, SPIFFE IDs and the
 * `/v1/connect/ca/roots` shapes. Network-free; see README.md.
 *
 * @packageDocumentation
 */
export {
  generateRootCA,
  renderCARoots,
  renderCARootsPem,
  rootPems,
  caFingerprint,
  DEFAULT_ROOT_CERT_TTL_DAYS,
  CONSUL_PRIMARY_ROOT_NAME,
  type GenerateRootOptions,
  type GeneratedRoot,
  type CARootJson,
  type IndexedCARootsJson,
  type RenderableCARoot,
} from './roots.js';
export {
  signServerPeeringCert,
  DEFAULT_LEAF_CERT_TTL_HOURS,
  CERTIFICATE_TIME_DRIFT_BUFFER_MS,
  type SignServerPeeringCertOptions,
  type SignedLeaf,
} from './leaf-signer.js';
export {
  trustDomain,
  clusterIdOf,
  peeringServerName,
  signingSpiffeId,
  serviceSpiffeId,
  serverSpiffeId,
  meshGatewaySpiffeId,
  type ServiceSpiffeIdOptions,
} from './spiffe-id.js';
