/**
 * Test PKI for the gRPC edge: a Connect-style root and the peering server leaf for
 * `server.dc1.peering.test.consul`, issued with Entente's own CA code. Test-only (excluded from the build).
 */
import { randomUUID } from 'node:crypto';

import { generateRootCA, signServerPeeringCert } from '../../../connect/index.js';

export const TEST_TRUST_DOMAIN = 'test.consul';
export const TEST_DATACENTER = 'dc1';
export const TEST_SERVER_NAME = `server.${TEST_DATACENTER}.peering.${TEST_TRUST_DOMAIN}`;

export interface TestPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** A fresh root and a leaf for {@link TEST_SERVER_NAME}. */
export async function makeTestPki(): Promise<TestPki> {
  const { root, signingKeyPem } = await generateRootCA({
    clusterId: randomUUID(),
    datacenter: TEST_DATACENTER,
  });
  const leaf = await signServerPeeringCert({
    root,
    signingKeyPem,
    datacenter: TEST_DATACENTER,
    trustDomain: TEST_TRUST_DOMAIN,
  });
  return { caPem: root.RootCert, certPem: leaf.certPem, keyPem: leaf.keyPem };
}
