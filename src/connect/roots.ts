/**
 * The cluster's Connect CA root: generation (Consul's built-in `consul` provider) and the read-side shapes of
 * `GET /v1/connect/ca/roots`.
 *
 * @packageDocumentation
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { CARootRecord } from '../types/index.js';
import { clusterIdOf, signingSpiffeId, trustDomain } from './spiffe-id.js';
import {
  colonHex,
  describeKey,
  ensureTrailingNewline,
  firstCertificateDer,
  generateCAKeyPair,
  importSigningKey,
  issuerKeyId,
  keyId,
  plainHex,
  privateKeyToPem,
  randomSerial,
  rfc3339,
  truncateToSecond,
  x509,
  type CAKeyType,
  type SigningKey,
} from './x509.js';

/** Consul's default `RootCertTTL`, `87600h`: ten 365-day years. */
export const DEFAULT_ROOT_CERT_TTL_DAYS = 3650;

/** `Name` of a root made by the built-in provider in the primary datacenter (`"<Provider> CA Primary Cert"`). */
export const CONSUL_PRIMARY_ROOT_NAME = 'Consul CA Primary Cert';

const DAY_MS = 86_400_000;

/** Options of {@link generateRootCA}. */
export interface GenerateRootOptions {
  /** The cluster ID (a UUID); the trust domain is `<clusterId>.consul`. */
  clusterId: string;
  /** The local datacenter. Recorded for the caller; the root itself does not name it, as in Consul. */
  datacenter: string;
  /** Issue time; defaults to the current time. Cut to whole seconds. */
  now?: Date;
  /** Lifetime in days; defaults to {@link DEFAULT_ROOT_CERT_TTL_DAYS}. `ttlMs` wins when both are given. */
  ttlDays?: number;
  /** Lifetime in milliseconds (the CA configuration's `RootCertTTL`). */
  ttlMs?: number;
  /** Key type and size (`PrivateKeyType`/`PrivateKeyBits`); EC P-256 by default. Ignored with `privateKeyPem`. */
  keyType?: CAKeyType;
  keyBits?: number;
  /** An operator-supplied key (`PrivateKey`) to build the root on instead of a fresh one. Secret. */
  privateKeyPem?: string;
}

/** A new root: the record to store and the PEM signing key to keep beside it (never in the record). */
export interface GeneratedRoot {
  root: CARootRecord;
  /** SEC 1 PEM (`EC PRIVATE KEY`). Secret: store it, never log or render it. */
  signingKeyPem: string;
}

/**
 * Generates a self-signed EC P-256 root like Consul's built-in provider (`ConsulProvider.generateCA`):
 *
 * - subject `CN=pri-<8 base-36 chars>.consul.ca.<first 8 chars of clusterId>.consul` (`connect.CACN`);
 * - basic constraints CA:true (critical), key usage certSign | cRLSign | digitalSignature (critical);
 * - SubjectKeyIdentifier = AuthorityKeyIdentifier = SHA-256 of the SubjectPublicKeyInfo (`connect.KeyId`);
 * - one URI SAN, `spiffe://<clusterId>.consul`;
 * - valid from `now` for `ttlDays`; a random serial (Consul uses a Raft counter; see README).
 *
 * The record's `ID` is the colon-hex SHA-1 of the certificate DER (`connect.CalculateCertFingerprint`) and its
 * `SigningKeyID` the colon-hex SubjectKeyIdentifier. `CreateIndex`/`ModifyIndex` are 0 for the store to set.
 */
export async function generateRootCA(opts: GenerateRootOptions): Promise<GeneratedRoot> {
  const domain = trustDomain(opts.clusterId);
  if (opts.datacenter === '') throw new TypeError('datacenter must not be empty');
  const ttlMs = opts.ttlMs ?? (opts.ttlDays ?? DEFAULT_ROOT_CERT_TTL_DAYS) * DAY_MS;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError('root TTL must be a positive duration');

  const notBefore = truncateToSecond(opts.now ?? new Date());
  const notAfter = new Date(notBefore.getTime() + Math.round(ttlMs));
  const key = await rootKey(opts);
  const ski = keyId(key.spki);
  const serial = randomSerial();
  const name = [{ CN: [rootCommonName(opts.clusterId)] }];

  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial.hex,
    subject: name,
    issuer: name,
    notBefore,
    notAfter,
    publicKey: key.spki,
    signingKey: key.signer.privateKey,
    signingAlgorithm: key.signer.algorithm,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectKeyIdentifierExtension(plainHex(ski)),
      new x509.AuthorityKeyIdentifierExtension(plainHex(ski)),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: signingSpiffeId(domain) }]),
    ],
  });

  const der = new Uint8Array(cert.rawData);
  const root: CARootRecord = {
    ID: colonHex(createHash('sha1').update(der).digest()),
    Name: CONSUL_PRIMARY_ROOT_NAME,
    SerialNumber: serial.value,
    SigningKeyID: colonHex(ski),
    NotBefore: rfc3339(cert.notBefore),
    NotAfter: rfc3339(cert.notAfter),
    RootCert: ensureTrailingNewline(cert.toString('pem')),
    Active: true,
    PrivateKeyType: key.signer.keyType,
    PrivateKeyBits: key.signer.keyBits,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
  return { root, signingKeyPem: key.pem };
}

/** The root's key: the operator's (`privateKeyPem`) or a fresh one of the asked type. */
async function rootKey(
  opts: GenerateRootOptions,
): Promise<{ signer: SigningKey; spki: Buffer; pem: string }> {
  let pem = opts.privateKeyPem;
  if (pem === undefined || pem === '') {
    const pair = await generateCAKeyPair(opts.keyType ?? 'ec', opts.keyBits ?? 256);
    pem = await privateKeyToPem(pair.privateKey);
  }
  const signer = await importSigningKey(pem);
  return { signer, spki: signer.spki, pem };
}

/**
 * Consul's `connect.CACN("consul", CompactUID(), clusterId, true)`: `pri-<uid>.consul.ca.<clusterId[:8]>.consul`,
 * where the uid is 8 characters of a random 64-bit value in base 36.
 */
function rootCommonName(clusterId: string): string {
  const uid = BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .slice(0, 8);
  return `pri-${uid}.consul.ca.${clusterId.slice(0, 8)}.consul`;
}

/** One element of `Roots` in `GET /v1/connect/ca/roots`, keys in Consul's order (`structs.CARoot`). */
export interface CARootJson {
  ID: string;
  Name: string;
  SerialNumber: number;
  SigningKeyID: string;
  ExternalTrustDomain: string;
  NotBefore: string;
  NotAfter: string;
  RootCert: string;
  /** `null` when the root has none, as Go marshals a nil slice (the built-in provider's primary root). */
  IntermediateCerts: string[] | null;
  Active: boolean;
  PrivateKeyType: string;
  PrivateKeyBits: number;
  CreateIndex: number;
  ModifyIndex: number;
}

/** The body of `GET /v1/connect/ca/roots` (`structs.IndexedCARoots`; its `QueryMeta` is `json:"-"`). */
export interface IndexedCARootsJson {
  ActiveRootID: string;
  TrustDomain: string;
  Roots: CARootJson[];
}

/**
 * A stored root as {@link renderCARoots} accepts it: the state record, plus the fields Consul keeps on a root
 * that Entente's record may gain later (rotation, secondary intermediates).
 */
export type RenderableCARoot = CARootRecord & {
  ExternalTrustDomain?: string;
  IntermediateCerts?: readonly string[];
};

/**
 * Renders roots as the JSON body of `GET /v1/connect/ca/roots`, exactly as Consul's `Server.getCARoots`:
 * each field is copied by name (never spread, so a signing key or any other secret on the input cannot leak),
 * `RootCert` gets a trailing newline, `ActiveRootID` is the ID of the active root (`""` if none),
 * `ExternalTrustDomain` defaults to the cluster ID (what `newCARoot` stores), and `IntermediateCerts` is
 * `null` when empty. The blocking-query index travels in the `X-Consul-Index` header, not in the body.
 */
export function renderCARoots(roots: readonly RenderableCARoot[], domain: string): IndexedCARootsJson {
  let activeRootID = '';
  const rendered = roots.map((r): CARootJson => {
    if (r.Active) activeRootID = r.ID;
    const intermediates = r.IntermediateCerts;
    return {
      ID: r.ID,
      Name: r.Name,
      SerialNumber: r.SerialNumber,
      SigningKeyID: r.SigningKeyID,
      ExternalTrustDomain: r.ExternalTrustDomain ?? clusterIdOf(domain),
      NotBefore: r.NotBefore,
      NotAfter: r.NotAfter,
      RootCert: ensureTrailingNewline(r.RootCert),
      IntermediateCerts:
        intermediates === undefined || intermediates.length === 0 ? null : [...intermediates],
      Active: r.Active,
      PrivateKeyType: r.PrivateKeyType,
      PrivateKeyBits: r.PrivateKeyBits,
      CreateIndex: r.CreateIndex,
      ModifyIndex: r.ModifyIndex,
    };
  });
  return { ActiveRootID: activeRootID, TrustDomain: domain, Roots: rendered };
}

/**
 * The body of `GET /v1/connect/ca/roots?pem=true` (`Content-Type: application/pem-certificate-chain`): each
 * root's certificate followed by its intermediates, concatenated, as Consul's `ConnectCARoots` writes them.
 */
export function renderCARootsPem(roots: readonly RenderableCARoot[]): string {
  return roots.map((r) => ensureTrailingNewline(r.RootCert) + (r.IntermediateCerts ?? []).join('')).join('');
}

/**
 * The PEMs a peer must trust to verify this cluster: the `RootCert` of every root, active or not, each with a
 * trailing newline (what the exporter sends as `PeeringTrustBundle.RootPEMs` and puts in a token's `CA`).
 */
export function rootPems(roots: readonly CARootRecord[]): string[] {
  return roots.map((r) => ensureTrailingNewline(r.RootCert));
}

/**
 * The SHA-256 fingerprint of the first certificate in a PEM string, as upper-case colon-separated hex
 * (`AB:CD:…`, the form `openssl x509 -fingerprint -sha256` prints), for showing which CA a token trusts.
 * Throws a `TypeError` when the input holds no parsable certificate.
 */
export function caFingerprint(pem: string): string {
  const der = firstCertificateDer(pem);
  if (der === undefined) throw new TypeError('no PEM certificate found');
  try {
    return new X509Certificate(der).fingerprint256;
  } catch {
    throw new TypeError('PEM block is not a valid X.509 certificate');
  }
}

/**
 * The record of an operator-supplied root (`Config.RootCert` with `Config.PrivateKey`), as Consul's `parseCARoot`
 * builds it: ID = colon-hex SHA-1 of the DER, SigningKeyID = the certificate's SubjectKeyIdentifier (or Consul's
 * key ID when it has none), key type and size from its key. The serial is cut to 53 bits to stay an exact JSON
 * number. Throws a `TypeError` when the PEM is not a CA certificate or the key is not its key.
 */
export function rootRecordFromPem(rootPem: string, privateKeyPem: string): CARootRecord {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(rootPem);
  } catch {
    throw new TypeError('RootCert is not a valid PEM X.509 certificate');
  }
  if (!cert.ca) throw new TypeError('RootCert is not a CA certificate');
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    throw new TypeError('PrivateKey is not a valid PEM private key');
  }
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(spki)) {
    throw new TypeError('PrivateKey does not match RootCert');
  }
  const { keyType, keyBits } = describeKey(key);
  const ski = issuerKeyId(new x509.X509Certificate(rootPem));
  return {
    ID: colonHex(createHash('sha1').update(cert.raw).digest()),
    Name: CONSUL_PRIMARY_ROOT_NAME,
    SerialNumber: Number(BigInt(`0x${cert.serialNumber}`) & BigInt(Number.MAX_SAFE_INTEGER)),
    SigningKeyID: colonHex(ski),
    NotBefore: rfc3339(new Date(cert.validFrom)),
    NotAfter: rfc3339(new Date(cert.validTo)),
    RootCert: ensureTrailingNewline(rootPem.trim()),
    Active: true,
    PrivateKeyType: keyType,
    PrivateKeyBits: keyBits,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/**
 * IDs of the roots to prune at `nowMs`: inactive, rotated out more than twice `leafCertTtlMs` ago (Consul's
 * `pruneCARoots`), so every leaf they signed has expired. The active root is never among them.
 */
export function expiredRootIds(
  roots: readonly CARootRecord[],
  leafCertTtlMs: number,
  nowMs: number,
): string[] {
  return roots
    .filter(
      (r) =>
        !r.Active && r.RotatedOutAt !== undefined && nowMs - Date.parse(r.RotatedOutAt) > 2 * leafCertTtlMs,
    )
    .map((r) => r.ID);
}
