/**
 * The signer of the server's peering certificate, for the {@link CertManager}: signs with whatever root is active
 * when it is called, so a renewal after a rotation is signed by the new root.
 *
 * @packageDocumentation
 */
import type { CARootRecord } from '../types/index.js';
import type { SignedCertificate } from './cert-manager.js';
import { signServerPeeringCert } from './leaf-signer.js';

/** The cache key of the server's peering certificate in the certificate manager. */
export const SERVER_PEERING_CERT_KEY = 'server-peering';

/** The active root and its signing key, as the store holds them. */
export interface ActiveSigningRoot {
  readonly root: CARootRecord;
  /** Secret. */
  readonly signingKeyPem: string;
  /** The configured `LeafCertTTL` (ms); wins over the signer's `ttlHours` so a CA configuration change applies. */
  readonly leafCertTtlMs?: number;
}

export interface ServerPeeringSignerOptions {
  /** Reads the active root at signing time; `undefined` when the CA has none (signing then fails). */
  activeRoot(): ActiveSigningRoot | undefined;
  datacenter: string;
  /** `<clusterId>.consul` */
  trustDomain: string;
  /** Signing time, ms since the epoch (the manager's clock, so fake-clock tests get matching validity). */
  now(): number;
  /** Lifetime in hours; defaults to Consul's `LeafCertTTL`, 72 h. */
  ttlHours?: number;
}

/** A `sign` function for the manager that issues the server's peering certificate. */
export function serverPeeringSigner(opts: ServerPeeringSignerOptions): () => Promise<SignedCertificate> {
  return async () => {
    const active = opts.activeRoot();
    if (active === undefined) throw new Error('Connect CA has no active root');
    const leaf = await signServerPeeringCert({
      root: active.root,
      signingKeyPem: active.signingKeyPem,
      datacenter: opts.datacenter,
      trustDomain: opts.trustDomain,
      now: new Date(opts.now()),
      ...(active.leafCertTtlMs !== undefined
        ? { ttlHours: active.leafCertTtlMs / 3_600_000 }
        : opts.ttlHours === undefined
          ? {}
          : { ttlHours: opts.ttlHours }),
    });
    return { certPem: leaf.certPem, keyPem: leaf.keyPem, rootId: active.root.ID };
  };
}
