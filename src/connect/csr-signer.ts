/**
 * The server half of leaf issuance: checks a CSR as Consul's CA manager does (`AuthorizeAndSignCertificate`,
 * `SignCertificate`) and signs it as the built-in provider does (`ConsulProvider.Sign`). The TBSCertificate is
 * built directly in DER and signed with one `node:crypto` call, so issuance costs little more than the
 * signature itself (`bench/leaf.ts`).
 *
 * @packageDocumentation
 */
import { X509Certificate, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';

import type { CARootRecord } from '../types/index.js';
import type { ParsedCsr } from './csr.js';
import { toPem } from './csr.js';
import {
  OID,
  SAN_TAG,
  TAG,
  bitString,
  children,
  expectConstructed,
  explicit,
  extension,
  generalNames,
  integerHex,
  octetString,
  oid,
  readWhole,
  seq,
  smallInteger,
  time,
  tlv,
} from './der.js';
import { CERTIFICATE_TIME_DRIFT_BUFFER_MS } from './leaf-signer.js';
import { agentSpiffeId, canonicalSpiffeId, parseSpiffeId, type ParsedSpiffeId } from './spiffe-id.js';
import {
  colonHex,
  ensureTrailingNewline,
  issuerKeyId,
  keyId,
  randomSerial,
  rfc3339,
  truncateToSecond,
  x509,
} from './x509.js';

/** A CSR Consul's CA manager would refuse; the message is Consul's. */
export class InvalidCsrError extends Error {
  override readonly name = 'InvalidCsrError';
}

/** The root that signs, with its private key (secret). */
export interface SigningRoot {
  readonly root: CARootRecord;
  readonly signingKeyPem: string;
  /** PEM certificates sent after every leaf this root signs (its cross-signed copy after a rotation). */
  readonly intermediates?: readonly string[];
}

export interface SignCsrOptions {
  readonly ca: SigningRoot;
  /** The local datacenter: service and gateway IDs must name it. */
  readonly datacenter: string;
  /** The local trust domain, `<clusterId>.consul`. */
  readonly trustDomain: string;
  /** Leaf lifetime in ms (Consul's `LeafCertTTL`). */
  readonly ttlMs: number;
  /** Signing time, ms since the epoch. The leaf is valid from one minute before it. */
  readonly now: number;
}

/**
 * A signed leaf in Consul's `structs.IssuedCert` terms (without the private key, which the requester holds, and
 * the indexes, which the caller assigns).
 */
export interface SignedLeafCert {
  /** Colon-separated hex of the serial (`connect.EncodeSerialNumber`). */
  readonly SerialNumber: string;
  /** The leaf PEM followed by the signing root's intermediates, if any. */
  readonly CertPEM: string;
  readonly Service?: string;
  readonly ServiceURI?: string;
  readonly Agent?: string;
  readonly AgentURI?: string;
  readonly Kind?: 'mesh-gateway';
  readonly KindURI?: string;
  /** RFC 3339, as Go marshals a certificate time. */
  readonly ValidAfter: string;
  readonly ValidBefore: string;
  /** `ID` of the root whose key signed it. */
  readonly rootId: string;
  /** `NotBefore` / `NotAfter`, ms since the epoch. */
  readonly validFrom: number;
  readonly validTo: number;
}

/**
 * Signs `csr` with `opts.ca`, after Consul's checks: exactly one URI SAN, no e-mail SANs, a service, mesh
 * gateway or agent SPIFFE ID; service and gateway IDs from this datacenter and trust domain (an agent ID's trust
 * domain is replaced by ours, as Consul does for auto-encrypt). Throws {@link InvalidCsrError} with Consul's
 * message when a check fails, and a `TypeError` when the CA key or root cannot be used.
 */
export function signCsr(csr: ParsedCsr, opts: SignCsrOptions): SignedLeafCert {
  if (csr.uris.length !== 1) {
    throw new InvalidCsrError(`CSR SAN contains an invalid number of URIs: ${csr.uris.length}`);
  }
  if (csr.emails.length > 0) throw new InvalidCsrError('CSR SAN does not allow specifying email addresses');
  const requested = csr.uris[0] ?? '';
  let id: ParsedSpiffeId;
  try {
    id = parseSpiffeId(requested);
  } catch (err) {
    throw new InvalidCsrError((err as Error).message);
  }
  // The leaf carries the ID rebuilt from what was parsed, so the SAN always parses back to the identity checked.
  const canonical = canonicalSpiffeId(id);
  if (canonical !== lowerCaseHost(requested)) {
    throw new InvalidCsrError(
      `SPIFFE ID in CSR is not in canonical form: ${JSON.stringify(requested)} should be ${JSON.stringify(canonical)}`,
    );
  }
  const uri = checkIdentity(id, canonical, opts);
  const signer = preparedSigner(opts.ca);
  const notBefore = truncateToSecond(new Date(opts.now - CERTIFICATE_TIME_DRIFT_BUFFER_MS));
  const notAfter = truncateToSecond(new Date(notBefore.getTime() + opts.ttlMs));
  const serial = randomSerial();
  const tbs = leafTbs(signer, csr, uri, serial.hex, notBefore, notAfter);
  const certDer = seq(tbs, signer.algorithm, bitString(sign('sha256', tbs, signer.key)));
  const intermediates = (opts.ca.intermediates ?? []).map(ensureTrailingNewline).join('');
  const serialBytes = Buffer.from(serial.hex, 'hex');
  return {
    SerialNumber: colonHex(serialBytes[0] === 0 ? serialBytes.subarray(1) : serialBytes),
    CertPEM: toPem('CERTIFICATE', certDer) + intermediates,
    ...identityFields(id, uri),
    ValidAfter: rfc3339(notBefore),
    ValidBefore: rfc3339(notAfter),
    rootId: opts.ca.root.ID,
    validFrom: notBefore.getTime(),
    validTo: notAfter.getTime(),
  };
}

/** The URI to put in the leaf, after Consul's datacenter and trust-domain checks. */
function checkIdentity(id: ParsedSpiffeId, uri: string, opts: SignCsrOptions): string {
  const td = opts.trustDomain.toLowerCase();
  switch (id.kind) {
    case 'service':
    case 'mesh-gateway':
      if (id.datacenter !== opts.datacenter) {
        throw new InvalidCsrError(
          `SPIFFE ID in CSR from a different datacenter: ${id.datacenter}, we are ${opts.datacenter}`,
        );
      }
      if (id.host !== td) {
        throw new InvalidCsrError(`SPIFFE ID in CSR from a different trust domain: ${id.host}, we are ${td}`);
      }
      return uri;
    case 'agent':
      return agentSpiffeId(td, id.datacenter, id.agent, id.partition);
    case 'server':
    case 'signing':
      throw new InvalidCsrError('SPIFFE ID in CSR must be a service, mesh-gateway, or agent ID');
  }
}

/** `uri` with its scheme and host lower-cased, as {@link parseSpiffeId} reads them. */
function lowerCaseHost(uri: string): string {
  return uri.replace(/^[^:]*:\/\/[^/?#]*/, (authority) => authority.toLowerCase());
}

function identityFields(id: ParsedSpiffeId, uri: string): Partial<SignedLeafCert> {
  if (id.kind === 'service') return { Service: id.service, ServiceURI: uri };
  if (id.kind === 'agent') return { Agent: id.agent, AgentURI: uri };
  return { Kind: 'mesh-gateway', KindURI: uri };
}

/** Key usage bits digitalSignature, keyEncipherment, dataEncipherment, keyAgreement: `03 B8` (3 unused bits). */
const LEAF_KEY_USAGE = tlv(TAG.bitString, Buffer.from([0x03, 0xb8]));
const LEAF_EXT_KEY_USAGE = seq(oid(OID.clientAuth), oid(OID.serverAuth));
const NOT_A_CA = seq();

function leafTbs(
  signer: PreparedSigner,
  csr: ParsedCsr,
  uri: string,
  serialHex: string,
  notBefore: Date,
  notAfter: Date,
): Buffer {
  const names: { tag: number; value: Buffer }[] = [{ tag: SAN_TAG.uri, value: Buffer.from(uri, 'latin1') }];
  for (const d of csr.dnsNames) names.push({ tag: SAN_TAG.dns, value: Buffer.from(d, 'latin1') });
  for (const ip of csr.ipAddresses) names.push({ tag: SAN_TAG.ip, value: ip });
  const extensions = seq(
    extension(OID.keyUsage, true, LEAF_KEY_USAGE),
    extension(OID.extKeyUsage, false, LEAF_EXT_KEY_USAGE),
    extension(OID.basicConstraints, true, NOT_A_CA),
    extension(OID.subjectKeyIdentifier, false, octetString(keyId(csr.spki))),
    extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, signer.keyId))),
    // The subject is empty, so the SAN is critical (RFC 5280 §4.2.1.6), as Go marks it.
    extension(OID.subjectAltName, true, generalNames(names)),
  );
  return seq(
    explicit(0, smallInteger(2)),
    integerHex(serialHex),
    signer.algorithm,
    signer.issuer,
    seq(time(notBefore), time(notAfter)),
    seq(),
    csr.spki,
    explicit(3, extensions),
  );
}

interface PreparedSigner {
  readonly key: KeyObject;
  /** AlgorithmIdentifier DER for the CA key type. */
  readonly algorithm: Buffer;
  /** DER of the root certificate's subject: the leaf's issuer. */
  readonly issuer: Buffer;
  /** The leaf's AuthorityKeyIdentifier: the root's SubjectKeyIdentifier (its key ID when it has none). */
  readonly keyId: Buffer;
}

/**
 * Parsed signing material per root record. Root records are replaced (not mutated) when the CA changes, so a
 * weak map keyed by the record needs no invalidation and cannot grow past the records alive.
 */
const prepared = new WeakMap<CARootRecord, { pem: string; signer: PreparedSigner }>();

function preparedSigner(ca: SigningRoot): PreparedSigner {
  const hit = prepared.get(ca.root);
  if (hit?.pem === ca.signingKeyPem) return hit.signer;
  const signer = prepareSigner(ca);
  prepared.set(ca.root, { pem: ca.signingKeyPem, signer });
  return signer;
}

function prepareSigner(ca: SigningRoot): PreparedSigner {
  let rootCert: X509Certificate;
  try {
    rootCert = new X509Certificate(ca.root.RootCert);
  } catch {
    throw new TypeError('CA root certificate is not a valid PEM X.509 certificate');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(ca.signingKeyPem);
  } catch {
    throw new TypeError('CA signing key is not a valid PEM private key');
  }
  const spki = rootCert.publicKey.export({ type: 'spki', format: 'der' });
  const keySpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!spki.equals(keySpki)) throw new TypeError('CA signing key does not match the root certificate');
  let algorithm: Buffer;
  if (key.asymmetricKeyType === 'ec') algorithm = seq(oid(OID.ecdsaWithSha256));
  else if (key.asymmetricKeyType === 'rsa') algorithm = seq(oid(OID.sha256WithRsa), Buffer.from([5, 0]));
  else throw new TypeError('CA signing key must be an EC or RSA key');
  const authorityKeyId = issuerKeyId(new x509.X509Certificate(rootCert.raw));
  return { key, algorithm, issuer: subjectOf(rootCert.raw), keyId: authorityKeyId };
}

/** The subject Name DER of a certificate: the sixth field of its TBSCertificate (after the version). */
function subjectOf(certDer: Buffer): Buffer {
  const cert = readWhole(certDer, TAG.sequence, 'CA certificate');
  const [tbs] = children(cert, 'CA certificate');
  const fields = expectConstructed(tbs, TAG.sequence, 'CA certificate');
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subject = fields[offset + 4];
  if (subject?.tag !== TAG.sequence) throw new TypeError('CA certificate: malformed subject');
  return Buffer.from(subject.raw);
}
