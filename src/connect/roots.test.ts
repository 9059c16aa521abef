import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import type { CARootRecord } from '../types/index.js';
import {
  caFingerprint,
  CONSUL_PRIMARY_ROOT_NAME,
  generateRootCA,
  renderCARoots,
  renderCARootsPem,
  rootPems,
  trustDomain,
} from './index.js';
import { firstCertificateDer, x509 } from './x509.js';

const CLUSTER_ID = '7f42f496-fbc7-8692-05ed-334aa5340c1e';
const TD = trustDomain(CLUSTER_ID);
const COLON_HEX = (bytes: number): RegExp => new RegExp(`^[0-9a-f]{2}(?::[0-9a-f]{2}){${bytes - 1}}$`);

function sha(alg: 'sha1' | 'sha256', data: Uint8Array): Buffer {
  return createHash(alg).update(data).digest();
}

function colon(buf: Buffer): string {
  return [...buf].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

test('connect - root is a self-signed EC P-256 CA named and scoped like Consul', async () => {
  const now = new Date('2024-03-01T10:20:30.456Z');
  const { root, signingKeyPem } = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1', now });
  const cert = new X509Certificate(root.RootCert);

  assert.match(cert.subject, /^CN=pri-[0-9a-z]{1,8}\.consul\.ca\.7f42f496\.consul$/);
  assert.equal(cert.issuer, cert.subject);
  assert.equal(cert.ca, true);
  assert.equal(cert.subjectAltName, `URI:spiffe://${TD}`);
  assert.ok(cert.checkIssued(cert));
  assert.ok(cert.verify(cert.publicKey));
  assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(new Date(cert.validFrom).toISOString(), '2024-03-01T10:20:30.000Z');
  assert.equal(new Date(cert.validTo).toISOString(), '2034-02-27T10:20:30.000Z');

  const parsed = new x509.X509Certificate(root.RootCert);
  const ku = parsed.getExtension(x509.KeyUsagesExtension);
  assert.equal(
    ku?.usages,
    x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
  );
  assert.equal(ku?.critical, true);
  assert.equal(parsed.getExtension(x509.BasicConstraintsExtension)?.critical, true);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  const expectedKeyId = sha('sha256', spki).toString('hex');
  assert.equal(parsed.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId, expectedKeyId);
  assert.equal(parsed.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, expectedKeyId);

  assert.match(signingKeyPem, /^-----BEGIN EC PRIVATE KEY-----\n[\s\S]+-----END EC PRIVATE KEY-----\n$/);
});

test('connect - root record carries Consul IDs, times and key info', async () => {
  const { root } = await generateRootCA({
    clusterId: CLUSTER_ID,
    datacenter: 'dc1',
    now: new Date('2024-03-01T10:20:30Z'),
    ttlDays: 2,
  });
  const cert = new X509Certificate(root.RootCert);
  const der = firstCertificateDer(root.RootCert);
  assert.ok(der);

  assert.equal(root.ID, colon(sha('sha1', der)));
  assert.match(root.ID, COLON_HEX(20));
  assert.equal(
    root.SigningKeyID,
    colon(sha('sha256', cert.publicKey.export({ type: 'spki', format: 'der' }))),
  );
  assert.match(root.SigningKeyID, COLON_HEX(32));
  assert.equal(root.Name, CONSUL_PRIMARY_ROOT_NAME);
  assert.equal(BigInt(`0x${cert.serialNumber}`), BigInt(root.SerialNumber));
  assert.ok(Number.isSafeInteger(root.SerialNumber) && root.SerialNumber > 0);
  assert.equal(root.NotBefore, '2024-03-01T10:20:30Z');
  assert.equal(root.NotAfter, '2024-03-03T10:20:30Z');
  assert.ok(root.RootCert.endsWith('-----END CERTIFICATE-----\n'));
  assert.equal(root.Active, true);
  assert.equal(root.PrivateKeyType, 'ec');
  assert.equal(root.PrivateKeyBits, 256);
  assert.equal(root.CreateIndex, 0);
  assert.equal(root.ModifyIndex, 0);
});

test('connect - every root gets a fresh key, serial and common name', async () => {
  const a = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const b = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  assert.notEqual(a.root.ID, b.root.ID);
  assert.notEqual(a.root.SigningKeyID, b.root.SigningKeyID);
  assert.notEqual(a.signingKeyPem, b.signingKeyPem);
  assert.notEqual(a.root.SerialNumber, b.root.SerialNumber);
});

test('connect - root generation rejects bad options', async () => {
  await assert.rejects(generateRootCA({ clusterId: '', datacenter: 'dc1' }), TypeError);
  await assert.rejects(generateRootCA({ clusterId: CLUSTER_ID, datacenter: '' }), TypeError);
  await assert.rejects(generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1', ttlDays: 0 }), RangeError);
});

test('connect - /v1/connect/ca/roots render has Consul keys, order and no private key', async () => {
  const { root, signingKeyPem } = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const stored: CARootRecord = { ...root, CreateIndex: 7, ModifyIndex: 9 };
  // A record carrying a key by mistake must still not leak it.
  const leaky = Object.assign({}, stored, { SigningKey: signingKeyPem, PrivateKey: signingKeyPem });
  const body = renderCARoots([leaky], TD);

  assert.deepEqual(Object.keys(body), ['ActiveRootID', 'TrustDomain', 'Roots']);
  assert.equal(body.ActiveRootID, root.ID);
  assert.equal(body.TrustDomain, TD);
  assert.equal(body.Roots.length, 1);
  const r = body.Roots[0]!;
  assert.deepEqual(Object.keys(r), [
    'ID',
    'Name',
    'SerialNumber',
    'SigningKeyID',
    'ExternalTrustDomain',
    'NotBefore',
    'NotAfter',
    'RootCert',
    'IntermediateCerts',
    'Active',
    'PrivateKeyType',
    'PrivateKeyBits',
    'CreateIndex',
    'ModifyIndex',
  ]);
  assert.equal(r.ExternalTrustDomain, CLUSTER_ID);
  assert.equal(r.IntermediateCerts, null);
  assert.equal(r.CreateIndex, 7);
  assert.equal(r.ModifyIndex, 9);

  const json = JSON.stringify(body);
  assert.doesNotMatch(json, /PRIVATE KEY/);
  assert.ok(!json.includes(signingKeyPem.split('\n')[1]!));
  assert.doesNotMatch(json, /SigningKey"|PrivateKey"|QueryMeta/);
});

test('connect - render picks the active root, adds trailing newlines and keeps intermediates', async () => {
  const old = (await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' })).root;
  const current = (await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' })).root;
  const body = renderCARoots(
    [
      { ...old, Active: false, RootCert: old.RootCert.trimEnd(), ExternalTrustDomain: 'previous' },
      { ...current, IntermediateCerts: ['X\n'] },
    ],
    TD,
  );
  assert.equal(body.ActiveRootID, current.ID);
  assert.equal(body.Roots[0]?.RootCert, old.RootCert);
  assert.equal(body.Roots[0]?.ExternalTrustDomain, 'previous');
  assert.deepEqual(body.Roots[1]?.IntermediateCerts, ['X\n']);
  assert.deepEqual(renderCARoots([], TD), { ActiveRootID: '', TrustDomain: TD, Roots: [] });
  assert.equal(
    renderCARootsPem([old, { ...current, IntermediateCerts: ['X\n'] }]),
    old.RootCert + current.RootCert + 'X\n',
  );
  assert.deepEqual(rootPems([{ ...old, RootCert: old.RootCert.trimEnd() }, current]), [
    old.RootCert,
    current.RootCert,
  ]);
});

test('connect - CA fingerprint is the upper-case colon SHA-256 of the certificate DER', async () => {
  const { root } = await generateRootCA({ clusterId: CLUSTER_ID, datacenter: 'dc1' });
  const der = firstCertificateDer(root.RootCert)!;
  const expected = [...sha('sha256', der)]
    .map((b) => b.toString(16).padStart(2, '0').toUpperCase())
    .join(':');
  assert.equal(caFingerprint(root.RootCert), expected);
  assert.equal(caFingerprint(`junk before\n${root.RootCert}junk after`), expected);
  assert.throws(() => caFingerprint('not a pem'), /no PEM certificate found/);
  assert.throws(
    () => caFingerprint('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    /not a valid X.509 certificate/,
  );
});
