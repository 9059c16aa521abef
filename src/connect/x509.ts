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

/** OpenSSL's name for P-256, as reported by `KeyObject.asymmetricKeyDetails.namedCurve`. */
const OPENSSL_P256 = 'prime256v1';

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

/** The DER `SubjectPublicKeyInfo` of a WebCrypto public key. */
export async function spkiOf(publicKey: webcrypto.CryptoKey): Promise<Buffer> {
  return Buffer.from(await webcrypto.subtle.exportKey('spki', publicKey));
}

/**
 * Serialises a WebCrypto private key as SEC 1 PEM (`-----BEGIN EC PRIVATE KEY-----`), the form Consul's
 * built-in provider stores and hands out (`x509.MarshalECPrivateKey`).
 */
export async function privateKeyToPem(privateKey: webcrypto.CryptoKey): Promise<string> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey));
  const pem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    type: 'sec1',
    format: 'pem',
  });
  return ensureTrailingNewline(pem.toString());
}

/** A parsed CA signing key: the WebCrypto key to sign with and its public half as DER SPKI. */
export interface SigningKey {
  readonly privateKey: webcrypto.CryptoKey;
  readonly spki: Buffer;
}

/**
 * Loads an EC P-256 private key from PEM (SEC 1 `EC PRIVATE KEY` or PKCS #8 `PRIVATE KEY`) for signing.
 * Throws a `TypeError` for anything else; the message never includes key material.
 */
export async function importSigningKey(pem: string): Promise<SigningKey> {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new TypeError('CA signing key is not a valid PEM private key');
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== OPENSSL_P256) {
    throw new TypeError('CA signing key must be an EC P-256 key');
  }
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, EC_P256, false, ['sign']);
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  return { privateKey, spki };
}
