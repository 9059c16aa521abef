import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { crossSignRoot } from './cross-sign.js';
import { createLeafCsr, parseCsr } from './csr.js';
import { signCsr, type SigningRoot } from './csr-signer.js';
import { signServerPeeringCert } from './leaf-signer.js';
import { rootRecordFromPem } from './roots.js';
import { serviceSpiffeId } from './spiffe-id.js';

const TD = '11111111-2222-3333-4444-555555555555.consul';
const HOUR = 3_600_000;
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const SKIP = hasOpenssl ? false : 'needs the openssl command: install the Debian package "openssl"';

/** An operator's root made the usual OpenSSL way: P-256, SHA-1 (20-byte) SubjectKeyIdentifier. */
function opensslRoot(dir: string, name: string): SigningRoot {
  const cfg = join(dir, `${name}.cnf`);
  writeFileSync(
    cfg,
    [
      '[req]',
      'distinguished_name = dn',
      'x509_extensions = v3',
      'prompt = no',
      '[dn]',
      `CN = Operator ${name}`,
      '[v3]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  );
  const [cert, key] = [join(dir, `${name}.pem`), join(dir, `${name}-key.pem`)];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '30',
      '-config',
      cfg,
    ],
    { stdio: 'pipe' },
  );
  const signingKeyPem = readFileSync(key, 'utf8');
  return { root: rootRecordFromPem(readFileSync(cert, 'utf8'), signingKeyPem), signingKeyPem };
}

function verify(dir: string, caPem: string, leafPem: string, untrusted?: string): string {
  writeFileSync(join(dir, 'ca.pem'), caPem);
  writeFileSync(join(dir, 'leaf.pem'), leafPem);
  const args = ['verify', '-CAfile', join(dir, 'ca.pem')];
  if (untrusted !== undefined) {
    writeFileSync(join(dir, 'untrusted.pem'), untrusted);
    args.push('-untrusted', join(dir, 'untrusted.pem'));
  }
  const r = spawnSync('openssl', [...args, join(dir, 'leaf.pem')], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.trim();
}

/** The first certificate of a PEM bundle. */
const first = (pem: string) =>
  new X509Certificate(pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + 25));

function leafFrom(ca: SigningRoot) {
  const csr = parseCsr(
    createLeafCsr(serviceSpiffeId({ trustDomain: TD, datacenter: 'dc1', service: 'web' })).csrDer,
  );
  return signCsr(csr, { ca, datacenter: 'dc1', trustDomain: TD, ttlMs: 72 * HOUR, now: Date.now() });
}

test(
  'connect - leaves and server certificates from an OpenSSL-made root verify in openssl and node:crypto',
  { skip: SKIP },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'entente-oproot-'));
    try {
      const ca = opensslRoot(dir, 'root');
      const root = new X509Certificate(ca.root.RootCert);
      assert.equal(ca.root.SigningKeyID.split(':').length, 20, 'the root keeps its own 20-byte SHA-1 SKI');

      const leaf = leafFrom(ca);
      const x = first(leaf.CertPEM);
      assert.ok(x.verify(root.publicKey), 'signed by the root key');
      assert.ok(x.checkIssued(root), 'AKI matches the root SKI (node:crypto, X509_check_issued)');
      assert.equal(verify(dir, ca.root.RootCert, leaf.CertPEM), `${join(dir, 'leaf.pem')}: OK`);

      const server = await signServerPeeringCert({
        root: ca.root,
        signingKeyPem: ca.signingKeyPem,
        datacenter: 'dc1',
        trustDomain: TD,
      });
      assert.ok(new X509Certificate(server.certPem).checkIssued(root));
      assert.equal(verify(dir, ca.root.RootCert, server.certPem), `${join(dir, 'leaf.pem')}: OK`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'connect - a rotation between OpenSSL-made roots: the cross-signed chain verifies from the old root',
  { skip: SKIP },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'entente-oproot-'));
    try {
      const oldCa = opensslRoot(dir, 'old');
      const next = opensslRoot(dir, 'new');
      const cross = await crossSignRoot({
        newRootPem: next.root.RootCert,
        oldRoot: oldCa.root,
        oldSigningKeyPem: oldCa.signingKeyPem,
      });
      const leaf = leafFrom({ ...next, intermediates: [cross] });
      assert.ok(leaf.CertPEM.endsWith(cross), 'the cross-signed copy follows the leaf');

      const oldRoot = new X509Certificate(oldCa.root.RootCert);
      const crossX = new X509Certificate(cross);
      const leafX = first(leaf.CertPEM);
      assert.ok(
        crossX.verify(oldRoot.publicKey) && crossX.checkIssued(oldRoot),
        'copy issued by the old root',
      );
      assert.ok(leafX.checkIssued(crossX), 'leaf issued by the copy (same subject and SKI as the new root)');
      assert.ok(leafX.checkIssued(new X509Certificate(next.root.RootCert)), 'and by the new root');

      assert.equal(verify(dir, oldCa.root.RootCert, leaf.CertPEM, cross), `${join(dir, 'leaf.pem')}: OK`);
      assert.equal(verify(dir, next.root.RootCert, leaf.CertPEM), `${join(dir, 'leaf.pem')}: OK`);
      assert.match(verify(dir, oldCa.root.RootCert, leaf.CertPEM), /unable to get local issuer certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
