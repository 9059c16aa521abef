/**
 * The one place that loads `@peculiar/x509`, plus the small encoding helpers the CA needs.
 *
 * Internal to `src/connect/`: the rest of Entente sees PEM strings only.
 *
 * @packageDocumentation
 */
import './reflect-shim.js';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

export { x509 };

/** ECDSA over NIST P-256 with SHA-256: the key and signature algorithm of every certificate Entente issues. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/**
 * Colon-separated lower-case hex, as Consul's `connect.HexString` (`fmt.Sprintf("% x")` with `:`).
 * Used for root IDs, signing key IDs and serial numbers.
 */
export function colonHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Plain lower-case hex, the form `@peculiar/x509` takes key identifiers and serial numbers in. */
export function plainHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * Consul's `connect.KeyId`: SHA-256 over the DER `SubjectPublicKeyInfo` (not RFC 5280's SHA-1 over the key
 * bits). Used as SubjectKeyIdentifier and, for the issuer's key, AuthorityKeyIdentifier.
 */
export function keyId(spkiDer: Uint8Array): Buffer {
  return createHash('sha256').update(spkiDer).digest();
}

/**
 * The key identifier a certificate's children must carry as their AuthorityKeyIdentifier: its own
 * SubjectKeyIdentifier when it has one (an operator's OpenSSL root has the 20-byte SHA-1 one), else {@link keyId}
 * of its key. Go's `x509.CreateCertificate` does the same for every non-self-signed child, and OpenSSL's chain
 * building (`X509_check_issued`) refuses an issuer whose SKI differs from the child's AKI.
 */
export function issuerKeyId(cert: x509.X509Certificate): Buffer {
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  return ski === null ? keyId(new Uint8Array(cert.publicKey.rawData)) : Buffer.from(ski.keyId, 'hex');
}

/** The DER of the first PEM block of type `CERTIFICATE`, or `undefined` when there is none. */
export function firstCertificateDer(pem: string): Buffer | undefined {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/.exec(pem);
  if (match === null) return undefined;
  return Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64');
}

/** A PEM string that ends with exactly the newline it had, or one added (Consul's `EnsureTrailingNewline`). */
export function ensureTrailingNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** A date cut to whole seconds: X.509 times carry no fractions, so records and certificates agree. */
export function truncateToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** RFC 3339 in UTC without fractional seconds, as Go marshals a certificate time (`2028-05-22T21:39:23Z`). */
export function rfc3339(date: Date): string {
  return truncateToSecond(date)
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Largest serial we issue: the JSON `SerialNumber` is a uint64 in Consul and must stay exact in JavaScript. */
const MAX_SERIAL = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A random certificate serial number in `[1, 2^53 - 1]`, returned both as the number stored in `CARoot` and as
 * the minimal positive DER INTEGER content in hex (with a `00` prefix when the top bit is set).
 */
export function randomSerial(): { value: number; hex: string } {
  let n = BigInt(`0x${randomBytes(7).toString('hex')}`) & MAX_SERIAL;
  if (n === 0n) n = 1n;
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return { value: Number(n), hex };
}

/** A freshly generated, extractable EC P-256 key pair. */
export async function generateP256(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

/** The key types a CA may use: Consul's `PrivateKeyType`/`PrivateKeyBits` minus EC 224 (not in WebCrypto). */
export type CAKeyType = 'ec' | 'rsa';

/** A WebCrypto key and signature algorithm: ECDSA with its curve, or RSASSA-PKCS1-v1_5; both with a hash. */
export interface CAKeyAlgorithm {
  readonly name: string;
  readonly hash: string;
  readonly namedCurve?: string;
}

/** The WebCrypto algorithm (key + signature) for a CA key, as Go's `SigAlgoForKey` picks the hash. */
export function caKeyAlgorithm(type: CAKeyType, bits: number): CAKeyAlgorithm {
  if (type === 'rsa') {
    if (bits !== 2048 && bits !== 4096) throw new TypeError(`unsupported RSA key length ${bits}`);
    return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  }
  switch (bits) {
    case 256:
      return { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    case 384:
      return { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' };
    case 521:
      return { name: 'ECDSA', namedCurve: 'P-521', hash: 'SHA-512' };
    default:
      throw new TypeError(`unsupported EC key length ${bits}`);
  }
}

/** A fresh, extractable CA key pair of the given type and size. */
export async function generateCAKeyPair(type: CAKeyType, bits: number): Promise<webcrypto.CryptoKeyPair> {
  const alg = caKeyAlgorithm(type, bits);
  if (type === 'rsa') {
    return webcrypto.subtle.generateKey(
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: bits,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      true,
      ['sign', 'verify'],
    );
  }
  return webcrypto.subtle.generateKey({ name: alg.name, namedCurve: alg.namedCurve ?? '' }, true, [
    'sign',
    'verify',
  ]);
}

/** The DER `SubjectPublicKeyInfo` of a WebCrypto public key. */
export async function spkiOf(publicKey: webcrypto.CryptoKey): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.exportKey('spki', publicKey));
}

/**
 * Serialises a WebCrypto private key as Consul's built-in provider stores keys: SEC 1 PEM
 * (`-----BEGIN EC PRIVATE KEY-----`, `x509.MarshalECPrivateKey`) for EC, PKCS #1 (`RSA PRIVATE KEY`) for RSA.
 */
export async function privateKeyToPem(privateKey: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const pem = key.export({ type: key.asymmetricKeyType === 'rsa' ? 'pkcs1' : 'sec1', format: 'pem' });
  return ensureTrailingNewline(pem.toString());
}

/** A parsed CA signing key: the WebCrypto key to sign with, its public half as DER SPKI, its algorithm. */
export interface SigningKey {
  readonly privateKey: webcrypto.CryptoKey;
  readonly spki: Buffer;
  /** The signature algorithm for `@peculiar/x509` (`{ name, hash }`). */
  readonly algorithm: { name: string; hash: string };
  readonly keyType: CAKeyType;
  readonly keyBits: number;
}

const CURVE_BITS: Readonly<Record<string, number>> = { prime256v1: 256, secp384r1: 384, secp521r1: 521 };

/**
 * Loads a CA private key from PEM (SEC 1, PKCS #1 or PKCS #8) for signing: EC P-256/P-384/P-521 or RSA
 * 2048/4096. Throws a `TypeError` for anything else; the message never includes key material.
 */
export async function importSigningKey(pem: string): Promise<SigningKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new TypeError('CA signing key is not a valid PEM private key');
  }
  const { keyType, keyBits } = describeKey(key);
  const alg = caKeyAlgorithm(keyType, keyBits);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const params =
    keyType === 'rsa'
      ? { name: alg.name, hash: alg.hash }
      : { name: alg.name, namedCurve: alg.namedCurve ?? '' };
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, params, false, ['sign']);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return { privateKey, spki, algorithm: { name: alg.name, hash: alg.hash }, keyType, keyBits };
}

/** Type and size of a CA key, as Consul's `KeyInfoFromCert` reports them. Throws a `TypeError` for other keys. */
export function describeKey(key: KeyObject): { keyType: CAKeyType; keyBits: number } {
  if (key.asymmetricKeyType === 'ec') {
    const bits = CURVE_BITS[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (bits !== undefined) return { keyType: 'ec', keyBits: bits };
    throw new TypeError('CA signing key must be an EC P-256, P-384 or P-521 key');
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits === 2048 || bits === 4096) return { keyType: 'rsa', keyBits: bits };
    throw new TypeError('CA signing key must be an RSA key of 2048 or 4096 bits');
  }
  throw new TypeError('CA signing key must be an EC or RSA key');
}
