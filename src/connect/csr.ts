/**
 * Certificate signing requests as Consul's agent makes them (`agent/connect/csr.go`, `CreateCSR`) and as its
 * servers read them: an empty subject, one URI SAN (the SPIFFE ID) plus optional DNS/IP SANs, the SAN extension
 * requested critical (Consul's `HackSANExtensionForCSR`, since the subject is empty), ECDSA P-256 with SHA-256.
 *
 * @packageDocumentation
 */
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';

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
  octetString,
  oid,
  oidBytes,
  readElement,
  readWhole,
  seq,
  set,
  smallInteger,
} from './der.js';

/** A fresh leaf key and the CSR for it, both PEM. */
export interface LeafKeyAndCsr {
  /** SEC 1 PEM (`EC PRIVATE KEY`), as Consul's `GeneratePrivateKey`. Secret. */
  readonly keyPem: string;
  readonly csrPem: string;
  /** The CSR's DER, for a signer in the same process (skips a PEM round trip). */
  readonly csrDer: Buffer;
}

/** What a CSR asks for, read and signature-checked by {@link parseCsr}. */
export interface ParsedCsr {
  /** DER `SubjectPublicKeyInfo` of the requested key. */
  readonly spki: Buffer;
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  /** Raw 4- or 16-byte addresses. */
  readonly ipAddresses: readonly Buffer[];
  readonly emails: readonly string[];
}

/**
 * Generates an EC P-256 key and a CSR for `spiffeId` (plus `dnsNames`, `ipAddresses`), as Consul's agent does
 * before asking the servers to sign. DNS names are cut at the first `:` and de-duplicated, as Consul does.
 */
export function createLeafCsr(
  spiffeId: string,
  dnsNames: readonly string[] = [],
  ipAddresses: readonly string[] = [],
): LeafKeyAndCsr {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // JWK export reads the key's numbers directly; the DER/PEM encoders of OpenSSL 3 cost several times a
  // signature on a fresh key, so the SPKI and SEC 1 encodings are assembled here instead.
  const jwk = privateKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
  const spki = Buffer.concat([P256_SPKI_PREFIX, point]);
  const names: { tag: number; value: Buffer }[] = [
    { tag: SAN_TAG.uri, value: Buffer.from(spiffeId, 'latin1') },
  ];
  for (const dns of uniqueHosts(dnsNames))
    names.push({ tag: SAN_TAG.dns, value: Buffer.from(dns, 'latin1') });
  for (const ip of ipAddresses) names.push({ tag: SAN_TAG.ip, value: ipBytes(ip) });
  const san = extension(OID.subjectAltName, true, generalNames(names));
  const attributes = explicit(0, seq(oid(OID.extensionRequest), set(seq(san))));
  const info = seq(smallInteger(0), seq(), spki, attributes);
  const signature = sign('sha256', info, privateKey);
  const csrDer = seq(info, seq(oid(OID.ecdsaWithSha256)), bitString(signature));
  return {
    keyPem: toPem('EC PRIVATE KEY', sec1(Buffer.from(jwk.d ?? '', 'base64url'), point)),
    csrPem: toPem('CERTIFICATE REQUEST', csrDer),
    csrDer,
  };
}

/** Options of {@link parseCsr}. */
export interface ParseCsrOptions {
  /**
   * Check the request's self-signature (default true). Consul's servers do not (`connect.ParseCSR` only parses);
   * the agent skips it for a CSR it made itself in the same process, where it proves nothing and costs more than
   * signing the leaf (an ECDSA verification and a key import).
   */
  readonly checkSignature?: boolean;
}

/**
 * Reads a PKCS #10 request (PEM or DER) and, unless told not to, checks its self-signature. Accepts ECDSA and RSA
 * requests signed with SHA-256 (what Consul's agents send). Throws a `TypeError` naming the problem; never echoes
 * the input.
 */
export function parseCsr(csr: string | Buffer, opts: ParseCsrOptions = {}): ParsedCsr {
  const der = typeof csr === 'string' ? fromPem(csr, 'CERTIFICATE REQUEST') : csr;
  const top = readWhole(der, TAG.sequence, 'CSR');
  const [info, alg, sig] = children(top, 'CSR');
  if (info === undefined || alg === undefined || sig?.tag !== TAG.bitString) {
    throw new TypeError('CSR: malformed CertificationRequest');
  }
  const infoParts = expectConstructed(info, TAG.sequence, 'CSR info');
  const spkiEl = infoParts[2];
  if (spkiEl?.tag !== TAG.sequence) throw new TypeError('CSR: missing subject public key');
  if (opts.checkSignature !== false) {
    let publicKey: KeyObject;
    try {
      publicKey = importSpki(spkiEl.raw);
    } catch {
      throw new TypeError('CSR: subject public key is not valid');
    }
    checkSignature(info.raw, alg, sig.content, publicKey);
  }
  const sans = readRequestedSans(infoParts[3]);
  return { spki: Buffer.from(spkiEl.raw), ...sans };
}

function checkSignature(signed: Buffer, alg: { raw: Buffer }, sigBits: Buffer, key: KeyObject): void {
  const algOk =
    (key.asymmetricKeyType === 'ec' && alg.raw.equals(seq(oid(OID.ecdsaWithSha256)))) ||
    (key.asymmetricKeyType === 'rsa' && alg.raw.equals(seq(oid(OID.sha256WithRsa), Buffer.from([5, 0]))));
  if (!algOk) throw new TypeError('CSR: unsupported signature algorithm (want ECDSA or RSA with SHA-256)');
  if (sigBits[0] !== 0) throw new TypeError('CSR: malformed signature');
  if (!verify('sha256', signed, key, sigBits.subarray(1))) {
    throw new TypeError('CSR: signature does not verify');
  }
}

function readRequestedSans(
  attrs: ReturnType<typeof readElement> | undefined,
): Pick<ParsedCsr, 'uris' | 'dnsNames' | 'ipAddresses' | 'emails'> {
  const out = {
    uris: [] as string[],
    dnsNames: [] as string[],
    ipAddresses: [] as Buffer[],
    emails: [] as string[],
  };
  if (attrs === undefined) return out;
  if (attrs.tag !== 0xa0) throw new TypeError('CSR: malformed attributes');
  for (const attr of children(attrs, 'CSR attribute')) {
    const [type, values] = expectConstructed(attr, TAG.sequence, 'CSR attribute');
    if (type?.tag !== TAG.oid || !type.content.equals(OID.extensionRequest)) continue;
    for (const exts of expectConstructed(values, TAG.set, 'CSR extensionRequest')) {
      for (const ext of expectConstructed(exts, TAG.sequence, 'CSR extensions')) {
        const parts = expectConstructed(ext, TAG.sequence, 'CSR extension');
        const id = parts[0];
        const value = parts[parts.length - 1];
        if (id?.tag !== TAG.oid || !id.content.equals(OID.subjectAltName)) continue;
        if (value?.tag !== TAG.octetString) throw new TypeError('CSR: malformed SAN extension');
        readGeneralNames(value.content, out);
      }
    }
  }
  return out;
}

function readGeneralNames(
  der: Buffer,
  out: { uris: string[]; dnsNames: string[]; ipAddresses: Buffer[]; emails: string[] },
): void {
  for (const name of expectConstructed(readElement(der, 0, 'CSR SAN'), TAG.sequence, 'CSR SAN')) {
    if (name.tag === SAN_TAG.uri) out.uris.push(name.content.toString('latin1'));
    else if (name.tag === SAN_TAG.dns) out.dnsNames.push(name.content.toString('latin1'));
    else if (name.tag === SAN_TAG.ip) out.ipAddresses.push(Buffer.from(name.content));
    else if (name.tag === SAN_TAG.email) out.emails.push(name.content.toString('latin1'));
  }
}

/** The DER of a P-256 `SubjectPublicKeyInfo` up to the uncompressed point (`04 || x || y`, 65 bytes). */
const P256_SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');
const PRIME256V1 = oidBytes('1.2.840.10045.3.1.7');

/** A public key from SPKI DER; P-256 keys through JWK, which Node imports faster than DER. */
function importSpki(spki: Buffer): KeyObject {
  if (
    spki.length === P256_SPKI_PREFIX.length + 65 &&
    spki.subarray(0, P256_SPKI_PREFIX.length).equals(P256_SPKI_PREFIX)
  ) {
    const point = spki.subarray(P256_SPKI_PREFIX.length);
    if (point[0] === 4) {
      return createPublicKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: point.subarray(1, 33).toString('base64url'),
          y: point.subarray(33).toString('base64url'),
        },
        format: 'jwk',
      });
    }
  }
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** SEC 1 `ECPrivateKey` DER for a P-256 key, with the curve and public key, as Go's `MarshalECPrivateKey`. */
function sec1(d: Buffer, point: Buffer): Buffer {
  const scalar = Buffer.concat([Buffer.alloc(Math.max(0, 32 - d.length)), d]);
  return seq(
    smallInteger(1),
    octetString(scalar),
    explicit(0, oid(PRIME256V1)),
    explicit(1, bitString(point)),
  );
}

/** PEM armour of `der` under `label`, 64-column base64, trailing newline. */
export function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER of the first PEM block labelled `label`. */
export function fromPem(pem: string, label: string): Buffer {
  const begin = `-----BEGIN ${label}-----`;
  const start = pem.indexOf(begin);
  const end = pem.indexOf(`-----END ${label}-----`, start);
  if (start < 0 || end < 0) throw new TypeError(`not a PEM ${label}`);
  return Buffer.from(pem.slice(start + begin.length, end).replace(/\s+/g, ''), 'base64');
}

function uniqueHosts(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const n of names) {
    const host = n.split(':')[0] ?? '';
    if (host !== '') out.add(host);
  }
  return [...out];
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail = ''] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return out;
}
