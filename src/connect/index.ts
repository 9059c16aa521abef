/**
 * The Connect CA: the cluster's root, the server's peering certificate and its renewal (the certificate
 * manager), SPIFFE IDs and the `/v1/connect/ca/roots` shapes. Network-free; see README.md.
 *
 * @packageDocumentation
 */
export {
  generateRootCA,
  renderCARoots,
  renderCARootsPem,
  rootPems,
  caFingerprint,
  rootRecordFromPem,
  expiredRootIds,
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
  agentSpiffeId,
  canonicalSpiffeId,
  peeredServiceSni,
  parseSpiffeId,
  type ParsedSpiffeId,
  type ServiceSpiffeIdOptions,
} from './spiffe-id.js';
export {
  CertManager,
  DEFAULT_MAX_CERTIFICATES,
  DEFAULT_MAX_LISTENERS_PER_CERTIFICATE,
  type CertManagerOptions,
  type CertificateListener,
  type CertificateStatus,
  type ManagedCertificate,
  type SignedCertificate,
} from './cert-manager.js';
export { DEFAULT_RENEWAL_POLICY, renewalTime, retryDelay, type RenewalPolicy } from './renewal.js';
export {
  serverPeeringSigner,
  SERVER_PEERING_CERT_KEY,
  type ActiveSigningRoot,
  type ServerPeeringSignerOptions,
} from './server-cert.js';
export {
  parseConsulCAConfig,
  canonicalCAConfig,
  needsNewRoot,
  initialCAConfig,
  redactCAConfig,
  unredactCAConfig,
  REDACTED_PRIVATE_KEY,
  CAConfigError,
  CONSUL_CA_PROVIDER,
  DEFAULT_LEAF_CERT_TTL_MS,
  DEFAULT_INTERMEDIATE_CERT_TTL_MS,
  DEFAULT_ROOT_CERT_TTL_MS,
  DEFAULT_CSR_MAX_PER_SECOND,
  type ConsulCAConfig,
  type CAConfigKey,
} from './ca-config.js';
export { activeCASigning, type ActiveCASigning } from './signing.js';
export { crossSignRoot, CROSS_SIGNED_TTL_MS, type CrossSignOptions } from './cross-sign.js';
export { createLeafCsr, parseCsr, type LeafKeyAndCsr, type ParseCsrOptions, type ParsedCsr } from './csr.js';
export {
  signCsr,
  InvalidCsrError,
  type SignCsrOptions,
  type SignedLeafCert,
  type SigningRoot,
} from './csr-signer.js';
export {
  CsrLimiter,
  CsrRateLimitedError,
  RATE_LIMITED_MESSAGE,
  CSR_LIMIT_WAIT_MS,
  DEFAULT_MAX_CSR_WAITERS,
  type CsrLimits,
  type CsrLimiterOptions,
} from './csr-limiter.js';
