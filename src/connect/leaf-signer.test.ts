import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import {
  generateRootCA,
  peeringServerName,
  serverSpiffeId,
  signServerPeeringCert,
  trustDomain,
  type GeneratedRoot,
  type SignedLeaf,
} from './index.js';
import { x509 } from './x509.js';

const CLUSTER_ID = '0c4f7a1e-5d2b-4f3e-9a61-2b8f0e7d9c11';
const TD = trustDomain(CLUSTER_ID);
const SERVER_NAME = peeringServerName('dc1', TD);

async function issue(ca: GeneratedRoot, extra: { now?: Date; ttlHours?: number } = {}): Promise<SignedLeaf> {
  return signServerPeeringCert({
    root: ca.root,
    signingKeyPem: ca.signingKeyPem,
    datacenter: 'dc1',
    trustDomain: TD,
    ...extra,
  });
}

type HandshakeResult = { ok: true; authorized: boolean } | { ok: false; code: string };

/** Serves `leaf` on 127.0.0.1:0 and dials it trusting `caPem` with SNI `servername`. */
async function handshake(
  t: { after(fn: () => void): void },
  leaf: SignedLeaf,
  caPem: string,
  servername: string,
) {
  const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem }, (socket) => socket.end());
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  return new Promise<HandshakeResult>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: caPem, servername });
    socket.once('secureConnect', () => {
      resolve({ ok: true, authorized: socket.authorized });
      socket.destroy();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ ok: false, code: err.code ?? err.message });
      socket.destroy();
    });
  });
}

test('connect - server peering leaf has the peering SANs, key usages and a fresh P-256 key', async () => {
  const ca = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const now = new Date('2025-01-02T03:04:05.678Z');
  const leaf = await issue(ca, { now });
  const cert = new X509Certificate(leaf.certPem);
  const rootCert = new X509Certificate(ca.root.RootCert);

  assert.equal(cert.subject, undefined);
  assert.equal(cert.issuer, rootCert.subject);
  assert.equal(cert.ca, false);
  assert.equal(cert.subjectAltName, `DNS:${SERVER_NAME}, URI:${serverSpiffeId(TD, 'dc1')}`);
  assert.equal(cert.checkHost(SERVER_NAME), SERVER_NAME);
  assert.equal(cert.checkHost('server.dc2.peering.' + TD), undefined);
  assert.deepEqual([...(cert.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.notDeepEqual(
    cert.publicKey.export({ type: 'spki', format: 'der' }),
    rootCert.publicKey.export({ type: 'spki', format: 'der' }),
  );
  assert.equal(new Date(cert.validFrom).toISOString(), '2025-01-02T03:03:05.000Z');
  assert.equal(new Date(cert.validTo).toISOString(), '2025-01-05T03:03:05.000Z');

  const parsed = new x509.X509Certificate(leaf.certPem);
  const ku = parsed.getExtension(x509.KeyUsagesExtension);
  assert.equal(
    ku?.usages,
    x509.KeyUsageFlags.digitalSignature |
      x509.KeyUsageFlags.keyEncipherment |
      x509.KeyUsageFlags.dataEncipherment |
      x509.KeyUsageFlags.keyAgreement,
  );
  assert.equal(parsed.getExtension(x509.SubjectAlternativeNameExtension)?.critical, true);
  assert.equal(
    parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId,
    ca.root.SigningKeyID.replaceAll(':', ''),
  );
  assert.match(leaf.keyPem, /^-----BEGIN EC PRIVATE KEY-----\n/);
});

test('connect - server peering leaf verifies against the root and not another', async () => {
  const ca = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const other = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const cert = new X509Certificate((await issue(ca)).certPem);
  const rootCert = new X509Certificate(ca.root.RootCert);
  assert.ok(cert.verify(rootCert.publicKey));
  assert.ok(cert.checkIssued(rootCert));
  assert.equal(cert.verify(new X509Certificate(other.root.RootCert).publicKey), false);
});

test('connect - TLS handshake succeeds with the root and the peering server name', async (t) => {
  const ca = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const leaf = await issue(ca);
  assert.deepEqual(await handshake(t, leaf, ca.root.RootCert, SERVER_NAME), { ok: true, authorized: true });
});

test('connect - TLS handshake fails with a different root', async (t) => {
  const ca = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const other = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const result = await handshake(t, await issue(ca), other.root.RootCert, SERVER_NAME);
  assert.deepEqual(result, { ok: false, code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
});

test('connect - TLS handshake fails with a wrong server name', async (t) => {
  const ca = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const result = await handshake(t, await issue(ca), ca.root.RootCert, peeringServerName('dc2', TD));
  assert.deepEqual(result, { ok: false, code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
});

test('connect - signing rejects a key that is not the root key, bad PEM and out-of-range TTLs', async () => {
  const ca = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const other = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const base = { root: ca.root, datacenter: 'dc1', trustDomain: TD };
  await assert.rejects(
    signServerPeeringCert({ ...base, signingKeyPem: other.signingKeyPem }),
    /CA signing key does not match the root certificate/,
  );
  await assert.rejects(
    signServerPeeringCert({ ...base, signingKeyPem: 'nope' }),
    /not a valid PEM private key/,
  );
  await assert.rejects(
    signServerPeeringCert({ ...base, signingKeyPem: ca.signingKeyPem, root: { ...ca.root, RootCert: 'x' } }),
    /not a valid PEM X.509 certificate/,
  );
  for (const ttlHours of [0, 0.5, 8761, Number.NaN]) {
    await assert.rejects(issue(ca, { ttlHours }), RangeError);
  }
});

test('connect - signing accepts a PKCS #8 key and errors never echo key material', async () => {
  const { createPrivateKey } = await import('node:crypto');
  const ca = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const pkcs8 = createPrivateKey(ca.signingKeyPem).export({ type: 'pkcs8', format: 'pem' }).toString();
  const leaf = await signServerPeeringCert({
    root: ca.root,
    signingKeyPem: pkcs8,
    datacenter: 'dc1',
    trustDomain: TD,
  });
  assert.ok(new X509Certificate(leaf.certPem).verify(new X509Certificate(ca.root.RootCert).publicKey));

  const other = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  await assert.rejects(
    signServerPeeringCert({
      root: ca.root,
      signingKeyPem: other.signingKeyPem,
      datacenter: 'dc1',
      trustDomain: TD,
    }),
    (err: Error) =>
      !err.message.includes('PRIVATE KEY') && !err.message.includes(other.signingKeyPem.slice(40, 80)),
  );
});

test('connect - TLS handshake fails with a forged root that copies the real root name', async (t) => {
  const ca = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const real = new x509.X509Certificate(ca.root.RootCert);
  const forged = await x509.X509CertificateGenerator.createSelfSigned({
    name: real.subjectName,
    keys: await globalThis.crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ]),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const result = await handshake(t, await issue(ca), forged.toString('pem'), SERVER_NAME);
  assert.deepEqual(result, { ok: false, code: 'CERT_SIGNATURE_FAILURE' });
});
