/**
 * The few DER (X.690) encodings and reads that leaf signing needs: building a TBSCertificate or a CSR from parts,
 * and walking a CSR or a certificate to the fields we use. Hand-written, so signing a leaf is one
 * `node:crypto` signature plus byte concatenation (see `bench/leaf.ts`), not an object model per certificate.
 *
 * Internal to `src/connect/`. Reads throw a `TypeError` naming what was malformed; they never echo input bytes.
 *
 * @packageDocumentation
 */

/** Universal and context tags used here. */
export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  sequence: 0x30,
  set: 0x31,
  utcTime: 0x17,
  generalizedTime: 0x18,
} as const;

/** Object identifiers, pre-encoded (content bytes only). */
export const OID = {
  ecPublicKey: oidBytes('1.2.840.10045.2.1'),
  ecdsaWithSha256: oidBytes('1.2.840.10045.4.3.2'),
  rsaEncryption: oidBytes('1.2.840.113549.1.1.1'),
  sha256WithRsa: oidBytes('1.2.840.113549.1.1.11'),
  extensionRequest: oidBytes('1.2.840.113549.1.9.14'),
  subjectKeyIdentifier: oidBytes('2.5.29.14'),
  keyUsage: oidBytes('2.5.29.15'),
  subjectAltName: oidBytes('2.5.29.17'),
  basicConstraints: oidBytes('2.5.29.19'),
  authorityKeyIdentifier: oidBytes('2.5.29.35'),
  extKeyUsage: oidBytes('2.5.29.37'),
  serverAuth: oidBytes('1.3.6.1.5.5.7.3.1'),
  clientAuth: oidBytes('1.3.6.1.5.5.7.3.2'),
} as const;

/** GeneralName choices (context-specific, primitive) in a SubjectAltName. */
export const SAN_TAG = { email: 0x81, dns: 0x82, uri: 0x86, ip: 0x87 } as const;

// ---------------------------------------------------------------- encoding

/** One TLV: `tag`, the DER length of `content`, `content`. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export function seq(...parts: Uint8Array[]): Buffer {
  return tlv(TAG.sequence, Buffer.concat(parts));
}

export function set(...parts: Uint8Array[]): Buffer {
  return tlv(TAG.set, Buffer.concat(parts));
}

export function oid(content: Uint8Array): Buffer {
  return tlv(TAG.oid, content);
}

export function octetString(content: Uint8Array): Buffer {
  return tlv(TAG.octetString, content);
}

/** A BIT STRING whose content is whole bytes (0 unused bits): keys and signatures. */
export function bitString(content: Uint8Array): Buffer {
  return tlv(TAG.bitString, Buffer.concat([Buffer.from([0]), content]));
}

/** A non-negative INTEGER from its minimal big-endian magnitude in hex (as `randomSerial().hex`). */
export function integerHex(hex: string): Buffer {
  return tlv(TAG.integer, Buffer.from(hex, 'hex'));
}

export function smallInteger(n: number): Buffer {
  return tlv(TAG.integer, Buffer.from([n]));
}

/** `[n] EXPLICIT` / constructed context tag around `content`. */
export function explicit(n: number, content: Uint8Array): Buffer {
  return tlv(0xa0 | n, content);
}

/** One Extension: `SEQUENCE { extnID, critical BOOLEAN (only when true), extnValue OCTET STRING }`. */
export function extension(id: Uint8Array, critical: boolean, value: Uint8Array): Buffer {
  return critical
    ? seq(oid(id), tlv(TAG.boolean, Buffer.from([0xff])), octetString(value))
    : seq(oid(id), octetString(value));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. Whole seconds, `Z`. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(TAG.utcTime, Buffer.from(digits.slice(2), 'latin1'));
  return tlv(TAG.generalizedTime, Buffer.from(digits, 'latin1'));
}

/** The GeneralNames of a SubjectAltName extension value. */
export function generalNames(names: readonly { tag: number; value: Uint8Array }[]): Buffer {
  return seq(...names.map((n) => tlv(n.tag, n.value)));
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** The content bytes of an OBJECT IDENTIFIER given in dotted form. */
export function oidBytes(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out: number[] = [(arcs[0] ?? 0) * 40 + (arcs[1] ?? 0)];
  for (const arc of arcs.slice(2)) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return Buffer.from(out);
}

// ---------------------------------------------------------------- reading

/** One element read from DER: its tag, its content, and the whole TLV (for signing over it verbatim). */
export interface Element {
  readonly tag: number;
  readonly content: Buffer;
  readonly raw: Buffer;
}

/** Reads the TLV at `offset` of `buf`; `what` names the structure in the error. */
export function readElement(buf: Buffer, offset: number, what: string): Element {
  if (offset + 2 > buf.length) throw new TypeError(`${what}: truncated`);
  const tag = buf[offset] ?? 0;
  if ((tag & 0x1f) === 0x1f) throw new TypeError(`${what}: high tag numbers are not supported`);
  let len = buf[offset + 1] ?? 0;
  let header = 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4) throw new TypeError(`${what}: unsupported length encoding`);
    if (offset + 2 + count > buf.length) throw new TypeError(`${what}: truncated`);
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + (buf[offset + 2 + i] ?? 0);
    header += count;
  }
  const end = offset + header + len;
  if (end > buf.length) throw new TypeError(`${what}: truncated`);
  return { tag, content: buf.subarray(offset + header, end), raw: buf.subarray(offset, end) };
}

/** The children of a constructed element, in order. */
export function children(el: Element, what: string): Element[] {
  const out: Element[] = [];
  let at = 0;
  while (at < el.content.length) {
    const child = readElement(el.content, at, what);
    out.push(child);
    at += child.raw.length;
  }
  return out;
}

/** Reads `buf` as exactly one element of `tag`. */
export function readWhole(buf: Buffer, tag: number, what: string): Element {
  const el = readElement(buf, 0, what);
  if (el.tag !== tag) throw new TypeError(`${what}: unexpected ASN.1 tag`);
  if (el.raw.length !== buf.length) throw new TypeError(`${what}: trailing data`);
  return el;
}

/** `children(el)` after checking the element's tag. */
export function expectConstructed(el: Element | undefined, tag: number, what: string): Element[] {
  if (el?.tag !== tag) throw new TypeError(`${what}: unexpected ASN.1 tag`);
  return children(el, what);
}
