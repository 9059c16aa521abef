import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createLeafCsr, parseCsr } from './csr.js';
import { InvalidCsrError, signCsr, type SigningRoot } from './csr-signer.js';
import {
  OID,
  SAN_TAG,
  bitString,
  explicit,
  extension,
  generalNames,
  oid,
  seq,
  set,
  smallInteger,
} from './der.js';
import { generateRootCA } from './roots.js';
import { serviceSpiffeId } from './spiffe-id.js';

const CLUSTER = '11111111-2222-3333-4444-555555555555';
const TD = `${CLUSTER}.consul`;
const HOUR = 3_600_000;
const WEB = serviceSpiffeId({ trustDomain: TD, datacenter: 'dc1', service: 'web' });

async function newCa(): Promise<SigningRoot> {
  const { root, signingKeyPem } = await generateRootCA({ clusterId: CLUSTER, datacenter: 'dc1' });
  return { root, signingKeyPem };
}

function issue(ca: SigningRoot, spiffeId = WEB, now = Date.now()) {
  const { csrPem, keyPem } = createLeafCsr(spiffeId);
  const leaf = signCsr(parseCsr(csrPem), { ca, datacenter: 'dc1', trustDomain: TD, ttlMs: 72 * HOUR, now });
  return { leaf, keyPem };
}

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test('connect - a service leaf verifies against its root with node:crypto and openssl, and not another root', async (t) => {
  const ca = await newCa();
  const other = await newCa();
  const { leaf, keyPem } = issue(ca);
  const x = new X509Certificate(leaf.CertPEM);
  const root = new X509Certificate(ca.root.RootCert);
  assert.ok(x.verify(root.publicKey), 'signature by the root key');
  assert.ok(x.checkIssued(root), 'issuer and key identifiers chain to the root');
  assert.ok(!x.verify(new X509Certificate(other.root.RootCert).publicKey), 'not signed by another root');
  assert.ok(x.checkPrivateKey(createPrivateKey(keyPem)), 'the private key goes with the leaf');

  if (!hasOpenssl) {
    t.diagnostic('openssl verify skipped: install the Debian package "openssl"');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'entente-leaf-'));
  try {
    writeFileSync(join(dir, 'root.pem'), ca.root.RootCert);
    writeFileSync(join(dir, 'other.pem'), other.root.RootCert);
    writeFileSync(join(dir, 'leaf.pem'), leaf.CertPEM);
    const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, 'leaf.pem')]);
    assert.match(out.toString(), /leaf\.pem: OK/);
    const bad = spawnSync('openssl', ['verify', '-CAfile', join(dir, 'other.pem'), join(dir, 'leaf.pem')]);
    assert.notEqual(bad.status, 0, 'openssl refuses the leaf under another root');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('connect - a service leaf carries the SPIFFE ID SAN, both TLS usages, a P-256 key and Consul JSON fields', async () => {
  const ca = await newCa();
  const now = Date.parse('2030-01-02T03:04:05.678Z');
  const { leaf } = issue(ca, WEB, now);
  const x = new X509Certificate(leaf.CertPEM);
  assert.equal(x.subjectAltName, `URI:${WEB}`);
  assert.ok(!x.subject, 'empty subject, as Consul CSRs carry none');
  assert.deepEqual([...(x.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.equal(x.ca, false);
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(leaf.Service, 'web');
  assert.equal(leaf.ServiceURI, WEB);
  assert.equal(leaf.ValidAfter, '2030-01-02T03:03:05Z', 'back-dated one minute, whole seconds');
  assert.equal(leaf.ValidBefore, '2030-01-05T03:03:05Z', '72 h later');
  assert.equal(leaf.SerialNumber.replaceAll(':', '').toUpperCase(), x.serialNumber.replace(/^(00)+/, ''));
  assert.match(leaf.SerialNumber, /^[0-9a-f]{2}(:[0-9a-f]{2})*$/);
  assert.equal(leaf.rootId, ca.root.ID);
});

test('connect - a leaf from a new root chains to it, and the root intermediates follow the leaf', async () => {
  const oldCa = await newCa();
  const fresh = await newCa();
  const crossSigned = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
  const { leaf } = issue({ ...fresh, intermediates: [crossSigned] });
  const x = new X509Certificate(leaf.CertPEM);
  assert.ok(x.checkIssued(new X509Certificate(fresh.root.RootCert)));
  assert.ok(!x.checkIssued(new X509Certificate(oldCa.root.RootCert)));
  assert.ok(leaf.CertPEM.endsWith(`${crossSigned}\n`), 'the chain is the leaf, then the intermediates');
  assert.equal(leaf.rootId, fresh.root.ID);
});

test('connect - CSRs are refused with Consul messages: other datacenter, other trust domain, server IDs, e-mail SANs', async () => {
  const ca = await newCa();
  const opts = { ca, datacenter: 'dc1', trustDomain: TD, ttlMs: 72 * HOUR, now: Date.now() };
  const sign = (id: string): unknown => signCsr(parseCsr(createLeafCsr(id).csrDer), opts);
  assert.throws(() => sign(serviceSpiffeId({ trustDomain: TD, datacenter: 'dc2', service: 'web' })), {
    name: 'InvalidCsrError',
    message: 'SPIFFE ID in CSR from a different datacenter: dc2, we are dc1',
  });
  assert.throws(
    () => sign(serviceSpiffeId({ trustDomain: 'other.consul', datacenter: 'dc1', service: 'web' })),
    {
      message: `SPIFFE ID in CSR from a different trust domain: other.consul, we are ${TD}`,
    },
  );
  assert.throws(() => sign(`spiffe://${TD}/agent/server/dc/dc1`), {
    message: 'SPIFFE ID in CSR must be a service, mesh-gateway, or agent ID',
  });
  const gw = signCsr(parseCsr(createLeafCsr(`spiffe://${TD}/gateway/mesh/dc/dc1`).csrDer), opts);
  assert.equal(gw.Kind, 'mesh-gateway');
  // A URI that parses to another identity than it spells (raw ?, #, an escape Go would not write) is refused.
  for (const raw of ['api?x=1', 'api#x', 'a%2Fb', 'w%65b']) {
    const uri = `spiffe://${TD}/ns/default/dc/dc1/svc/${raw}`;
    assert.throws(() => sign(uri), {
      name: 'InvalidCsrError',
      message: new RegExp(
        `^SPIFFE ID in CSR is not in canonical form: "${uri.replace(/[?]/g, '\\?')}" should be `,
      ),
    });
  }
  const escaped = serviceSpiffeId({ trustDomain: TD, datacenter: 'dc1', service: 'api?x=1#y%' });
  const ok = signCsr(parseCsr(createLeafCsr(escaped).csrDer), opts);
  assert.equal(ok.Service, 'api?x=1#y%');
  assert.equal(ok.ServiceURI, escaped);
  assert.equal(new X509Certificate(ok.CertPEM).subjectAltName, `URI:${escaped}`);

  const { privateKey, der } = craftCsr([
    { tag: SAN_TAG.uri, value: Buffer.from(WEB) },
    { tag: SAN_TAG.email, value: Buffer.from('a@example.com') },
  ]);
  assert.ok(privateKey);
  assert.throws(() => signCsr(parseCsr(der), opts), {
    message: 'CSR SAN does not allow specifying email addresses',
  });
  const two = craftCsr([
    { tag: SAN_TAG.uri, value: Buffer.from(WEB) },
    { tag: SAN_TAG.uri, value: Buffer.from(WEB) },
  ]);
  assert.throws(
    () => signCsr(parseCsr(two.der), opts),
    (e: unknown) => {
      assert.ok(e instanceof InvalidCsrError);
      assert.equal(e.message, 'CSR SAN contains an invalid number of URIs: 2');
      return true;
    },
  );
});

test('connect - a CSR whose signature does not verify, or that is not DER, is refused without echoing it', () => {
  const { csrDer } = createLeafCsr(WEB);
  const tampered = Buffer.from(csrDer);
  tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 0xff;
  assert.throws(() => parseCsr(tampered), /CSR: signature does not verify/);
  // The agent's in-process path skips the check, as Consul's servers do (they only parse).
  assert.equal(parseCsr(tampered, { checkSignature: false }).uris[0], WEB);
  assert.throws(
    () => parseCsr('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n'),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.doesNotMatch(e.message, /AAAA/);
      return true;
    },
  );
  assert.throws(() => parseCsr('not a pem'), /not a PEM CERTIFICATE REQUEST/);
});

test('connect - the signer refuses a key that is not the root key', async () => {
  const ca = await newCa();
  const other = await newCa();
  assert.throws(
    () =>
      signCsr(parseCsr(createLeafCsr(WEB).csrDer), {
        ca: { root: ca.root, signingKeyPem: other.signingKeyPem },
        datacenter: 'dc1',
        trustDomain: TD,
        ttlMs: HOUR,
        now: Date.now(),
      }),
    { message: 'CA signing key does not match the root certificate' },
  );
});

/** A CSR with arbitrary SANs, self-signed correctly, for the server-side checks. */
function craftCsr(names: { tag: number; value: Buffer }[]): { der: Buffer; privateKey: unknown } {
  const { keyPem, csrDer } = createLeafCsr(WEB);
  const key = createPrivateKey(keyPem);
  const spki = parseCsr(csrDer).spki;
  const san = extension(OID.subjectAltName, true, generalNames(names));
  const info = seq(smallInteger(0), seq(), spki, explicit(0, seq(oid(OID.extensionRequest), set(seq(san)))));
  const der = seq(info, seq(oid(OID.ecdsaWithSha256)), bitString(cryptoSign('sha256', info, key)));
  return { der, privateKey: key };
}
