/** A throwaway Connect CA for proxy tests: a root and leaves for any SPIFFE ID it may sign. Not for production. */
import { randomUUID } from 'node:crypto';

import { createLeafCsr, generateRootCA, parseCsr, signCsr } from '../../../connect/index.js';
import type { CARootList, LeafCert, PeeringTrustBundle } from '../../../api/index.js';

export interface TestCluster {
  readonly trustDomain: string;
  readonly datacenter: string;
  readonly rootPem: string;
  readonly roots: CARootList;
  /** A leaf for `spiffe://<td>/ns/default/dc/<dc>/svc/<service>`. */
  serviceLeaf(service: string): LeafCert;
  /** A leaf for this cluster's mesh gateway (`spiffe://<td>/gateway/mesh/dc/<dc>`). */
  gatewayLeaf(): LeafCert;
  /**
   * A leaf this cluster's CA signs for a service of ANOTHER trust domain (a forgery a real CA refuses), to test
   * that a verifier pins identities to their own trust domain's roots.
   */
  forgedLeaf(trustDomain: string, datacenter: string, service: string): LeafCert;
  /** This cluster's bundle as a peer stores it under `peerName`. */
  bundle(peerName: string): PeeringTrustBundle;
}

export async function testCluster(datacenter = 'dc1'): Promise<TestCluster> {
  const clusterId = randomUUID();
  const trustDomain = `${clusterId}.consul`;
  const gen = await generateRootCA({ clusterId, datacenter });
  const ca = { root: gen.root, signingKeyPem: gen.signingKeyPem };
  const sign = (uri: string, claimed = { trustDomain, datacenter }): LeafCert => {
    const { keyPem, csrDer } = createLeafCsr(uri);
    const signed = signCsr(parseCsr(csrDer), { ca, ...claimed, ttlMs: 3_600_000, now: Date.now() });
    return {
      SerialNumber: signed.SerialNumber,
      CertPEM: signed.CertPEM,
      PrivateKeyPEM: keyPem,
      Service: '',
      ServiceURI: uri,
      ValidAfter: signed.ValidAfter,
      ValidBefore: signed.ValidBefore,
    };
  };
  return {
    trustDomain,
    datacenter,
    rootPem: gen.root.RootCert,
    roots: {
      ActiveRootID: gen.root.ID,
      TrustDomain: trustDomain,
      Roots: [{ ID: gen.root.ID, Name: gen.root.Name, RootCert: gen.root.RootCert, Active: true }],
    },
    serviceLeaf: (service) => sign(`spiffe://${trustDomain}/ns/default/dc/${datacenter}/svc/${service}`),
    gatewayLeaf: () => sign(`spiffe://${trustDomain}/gateway/mesh/dc/${datacenter}`),
    forgedLeaf: (td, dc, service) =>
      sign(`spiffe://${td}/ns/default/dc/${dc}/svc/${service}`, { trustDomain: td, datacenter: dc }),
    bundle: (peerName) => ({ TrustDomain: trustDomain, PeerName: peerName, RootPEMs: [gen.root.RootCert] }),
  };
}
