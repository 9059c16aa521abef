/**
 * Cross-signing during a root rotation: the old root signs a copy of the new root, so a party that trusts only
 * the old root accepts leaves signed by the new one (the copy travels as an intermediate with every new leaf).
 *
 * @packageDocumentation
 */
import type { CARootRecord } from '../types/index.js';
import {
  ensureTrailingNewline,
  importSigningKey,
  issuerKeyId,
  plainHex,
  randomSerial,
  truncateToSecond,
  x509,
} from './x509.js';
import { CERTIFICATE_TIME_DRIFT_BUFFER_MS } from './leaf-signer.js';

/** Consul's lifetime of a cross-signed root (`ConsulProvider.CrossSignCA`): 7 days from one minute ago. */
export const CROSS_SIGNED_TTL_MS = 7 * 86_400_000;

/** OID of the AuthorityKeyIdentifier extension, the one field the copy does not keep. */
const AUTHORITY_KEY_ID_OID = '2.5.29.35';

export interface CrossSignOptions {
  /** The new root (PEM), whose subject, key and extensions the copy keeps. */
  newRootPem: string;
  /** The root being rotated out: it becomes the copy's issuer. */
  oldRoot: CARootRecord;
  /** Its private key (PEM). Secret. */
  oldSigningKeyPem: string;
  /** Signing time; defaults to now. */
  now?: Date;
}

/**
 * Returns the new root re-signed by the old one, as Consul's `CrossSignCA`: the new root's subject, public key,
 * SubjectKeyIdentifier, SAN, basic constraints and key usage; the old root as issuer, and its SubjectKeyIdentifier
 * (Consul's key ID when it has none) as AuthorityKeyIdentifier;
 * a fresh serial; valid from `now - 1 min` for {@link CROSS_SIGNED_TTL_MS}. Throws a `TypeError` when the key
 * does not belong to the old root or a certificate does not parse.
 */
export async function crossSignRoot(opts: CrossSignOptions): Promise<string> {
  let next: x509.X509Certificate;
  let issuer: x509.X509Certificate;
  try {
    next = new x509.X509Certificate(opts.newRootPem);
    issuer = new x509.X509Certificate(opts.oldRoot.RootCert);
  } catch {
    throw new TypeError('CA root certificate is not a valid PEM X.509 certificate');
  }
  const signer = await importSigningKey(opts.oldSigningKeyPem);
  if (!Buffer.from(issuer.publicKey.rawData).equals(signer.spki)) {
    throw new TypeError('CA signing key does not match the root certificate');
  }
  const notBefore = new Date(
    truncateToSecond(opts.now ?? new Date()).getTime() - CERTIFICATE_TIME_DRIFT_BUFFER_MS,
  );
  const kept = next.extensions.filter((e) => e.type !== AUTHORITY_KEY_ID_OID);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial().hex,
    subject: next.subjectName,
    issuer: issuer.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + CROSS_SIGNED_TTL_MS),
    publicKey: next.publicKey,
    signingKey: signer.privateKey,
    signingAlgorithm: signer.algorithm,
    // The old root's own SKI (SHA-1 in an OpenSSL-made root), so chain building finds it as the issuer.
    extensions: [...kept, new x509.AuthorityKeyIdentifierExtension(plainHex(issuerKeyId(issuer)))],
  });
  return ensureTrailingNewline(cert.toString('pem'));
}
