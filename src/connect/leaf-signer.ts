/**
 * Leaf certificates signed by the cluster's root, as Consul's built-in provider signs them
 * (`ConsulProvider.Sign`). Today only the server's peering certificate is issued.
 *
 * @packageDocumentation
 */
import { X509Certificate } from 'node:crypto';
import type { CARootRecord } from '../types/index.js';
import { peeringServerName, serverSpiffeId } from './spiffe-id.js';
import {
  ensureTrailingNewline,
  generateP256,
  importSigningKey,
  issuerKeyId,
  keyId,
  plainHex,
  privateKeyToPem,
  randomSerial,
  spkiOf,
  truncateToSecond,
  x509,
} from './x509.js';

/** Consul's default `LeafCertTTL`, `72h`. */
export const DEFAULT_LEAF_CERT_TTL_HOURS = 72;

/** Consul's bounds on `LeafCertTTL`: at least 1h, less than 8760h. */
const MIN_LEAF_TTL_HOURS = 1;
const MAX_LEAF_TTL_HOURS = 8760;

/** Consul's `CertificateTimeDriftBuffer`: leaves are back-dated one minute to absorb clock skew. */
export const CERTIFICATE_TIME_DRIFT_BUFFER_MS = 60_000;

const HOUR_MS = 3_600_000;

/** Options of {@link signServerPeeringCert}. */
export interface SignServerPeeringCertOptions {
  /** The active root; its certificate becomes the issuer. */
  root: CARootRecord;
  /** The root's private key (SEC 1 or PKCS #8 PEM, EC P-256). Must match the root's public key. */
  signingKeyPem: string;
  datacenter: string;
  /** The local trust domain, `<clusterId>.consul`. */
  trustDomain: string;
  /** Signing time; defaults to the current time. The leaf is valid from one minute before it. */
  now?: Date;
  /** Lifetime in hours, `1 <= ttlHours <= 8760` (Consul's bounds); defaults to {@link DEFAULT_LEAF_CERT_TTL_HOURS}. */
  ttlHours?: number;
}

/** A signed leaf and its fresh private key, both PEM. */
export interface SignedLeaf {
  /** The leaf certificate alone. The chain is just this plus the root, which peers already hold. */
  certPem: string;
  /** SEC 1 PEM (`EC PRIVATE KEY`). Secret. */
  keyPem: string;
}

/**
 * Issues the server certificate presented to peers on the gRPC TLS port, as Consul does for a
 * `Server: true` leaf request:
 *
 * - a fresh EC P-256 key; an empty subject, as Consul's CSRs carry none, so the SAN is marked critical;
 * - SANs: DNS `server.<dc>.peering.<trustDomain>` and URI `spiffe://<trustDomain>/agent/server/dc/<dc>`;
 * - key usage digitalSignature | keyEncipherment | dataEncipherment | keyAgreement (critical);
 *   extended key usage clientAuth, serverAuth; basic constraints CA:false (critical);
 * - SubjectKeyIdentifier = SHA-256 of the leaf SPKI, AuthorityKeyIdentifier = the root's SubjectKeyIdentifier
 *   (its key ID when it has none);
 * - valid from `now - 1 min` for `ttlHours`; a random serial.
 *
 * The leaf key is always EC P-256; the CA key may be EC or RSA and signs with its own algorithm. Throws a
 * `TypeError` if the signing key is not a supported CA key or does not belong to `root`.
 */
export async function signServerPeeringCert(opts: SignServerPeeringCertOptions): Promise<SignedLeaf> {
  const ttlHours = opts.ttlHours ?? DEFAULT_LEAF_CERT_TTL_HOURS;
  if (!Number.isFinite(ttlHours) || ttlHours < MIN_LEAF_TTL_HOURS || ttlHours > MAX_LEAF_TTL_HOURS) {
    throw new RangeError(`ttlHours must be at least ${MIN_LEAF_TTL_HOURS} and at most ${MAX_LEAF_TTL_HOURS}`);
  }
  const dnsName = peeringServerName(opts.datacenter, opts.trustDomain);
  const uri = serverSpiffeId(opts.trustDomain, opts.datacenter);

  let issuer: x509.X509Certificate;
  let issuerSpki: Buffer;
  try {
    issuer = new x509.X509Certificate(opts.root.RootCert);
    issuerSpki = new X509Certificate(opts.root.RootCert).publicKey.export({ type: 'spki', format: 'der' });
  } catch {
    throw new TypeError('CA root certificate is not a valid PEM X.509 certificate');
  }
  const signer = await importSigningKey(opts.signingKeyPem);
  if (!signer.spki.equals(issuerSpki)) {
    throw new TypeError('CA signing key does not match the root certificate');
  }

  const notBefore = new Date(
    truncateToSecond(opts.now ?? new Date()).getTime() - CERTIFICATE_TIME_DRIFT_BUFFER_MS,
  );
  const notAfter = new Date(notBefore.getTime() + Math.round(ttlHours * HOUR_MS));
  const keys = await generateP256();

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial().hex,
    issuer: issuer.subjectName,
    subject: [],
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment |
          x509.KeyUsageFlags.dataEncipherment |
          x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.clientAuth,
        x509.ExtendedKeyUsage.serverAuth,
      ]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectKeyIdentifierExtension(plainHex(keyId(await spkiOf(keys.publicKey)))),
      new x509.AuthorityKeyIdentifierExtension(plainHex(issuerKeyId(issuer))),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'dns', value: dnsName },
          { type: 'url', value: uri },
        ],
        true,
      ),
    ],
  });

  return {
    certPem: ensureTrailingNewline(cert.toString('pem')),
    keyPem: await privateKeyToPem(keys.privateKey),
  };
}
