import dnsPacket from 'dns-packet';

/** Wire-format constants used by the parser, the serializer and the responder. */
export const HEADER_BYTES = 12;
/** RFC 1035 §2.3.4: a name is at most 255 octets on the wire, a label at most 63. */
export const MAX_NAME_BYTES = 255;
export const MAX_LABEL_BYTES = 63;
/**
 * Compression pointers followed while reading one name. A legal name has at most 127 labels, so more jumps than
 * that can only be a loop or an attack; the backward-only rule below already makes loops impossible, this bounds work.
 */
export const MAX_POINTER_JUMPS = 127;

export const OPCODE_QUERY = 0;
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;
export type Rcode = (typeof RCODE)[keyof typeof RCODE];

export const QTYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  AXFR: 252,
  ANY: 255,
} as const;

export const QCLASS = { IN: 1, ANY: 255 } as const;

const FLAG_QR = 0x8000;
const FLAG_RD = 0x0100;
const FLAG_CD = 0x0010;
const EDNS_OPTION_CLIENT_SUBNET = 8;

/** The fixed 12-byte header, readable even when the rest of the message is garbage. */
export interface DnsHeader {
  id: number;
  /** The raw 16-bit flags word. */
  flags: number;
  opcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

/** The EDNS(0) pseudo-record of a query (RFC 6891). */
export interface EdnsInfo {
  /** Requester's UDP payload size, as sent (may be below 512). */
  udpSize: number;
  version: number;
  /** DNSSEC OK bit. */
  dnssecOk: boolean;
  /** Client-subnet option (RFC 7871) as raw option data, echoed back with scope 0. */
  clientSubnet: Buffer | null;
}

/** A query that passed validation: exactly one question, sections within bounds. */
export interface DnsQuery {
  header: DnsHeader;
  /** Raw label bytes of QNAME, in order, without the root label; case preserved. */
  labels: readonly Buffer[];
  qtype: number;
  qclass: number;
  /** The question exactly as it will be echoed: uncompressed QNAME + QTYPE + QCLASS. */
  questionWire: Buffer;
  edns: EdnsInfo | null;
  /** RD bit: copied into the reply. */
  recursionDesired: boolean;
  /** CD bit: copied into the reply. */
  checkingDisabled: boolean;
  /** The packet as received (forwarded as is to recursors). */
  raw: Buffer;
}

/**
 * What the validator decided:
 * - `drop`: no reply at all (shorter than a header, or a response: replying could amplify or loop);
 * - `reject`: header-only reply with `rcode` (FORMERR for malformed messages, NOTIMP for other opcodes);
 * - `query`: a query to route.
 */
export type ParseOutcome =
  | { kind: 'drop'; reason: string }
  | { kind: 'reject'; header: DnsHeader; rcode: Rcode; reason: string }
  | { kind: 'query'; query: DnsQuery };

/** Internal: thrown by the bounded readers below, always caught inside {@link parseQuery}. */
class WireError extends Error {}

/** Reads the fixed header, or `null` when there are fewer than 12 bytes. */
export function readHeader(buf: Buffer): DnsHeader | null {
  if (buf.length < HEADER_BYTES) return null;
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    flags,
    opcode: (flags >> 11) & 0xf,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

/**
 * Reads one (possibly compressed) name starting at `start`. Returns the labels and the offset just past the name in
 * the original position (not after a pointer target).
 *
 * NOTE: pointers must go strictly backwards from the label that holds them (RFC 1035 §4.1.4 "prior occurrence"),
 * which makes loops impossible; jumps, label count and total length are bounded on top of that.
 */
export function readName(buf: Buffer, start: number): { labels: Buffer[]; end: number } {
  const labels: Buffer[] = [];
  let offset = start;
  let end = -1;
  let jumps = 0;
  let wireLength = 1; // the root label
  for (;;) {
    if (offset >= buf.length) throw new WireError('name runs past the end of the message');
    const len = buf[offset] ?? 0;
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (offset + 1 >= buf.length) throw new WireError('truncated compression pointer');
      const target = ((len & 0x3f) << 8) | (buf[offset + 1] ?? 0);
      if (target >= offset) throw new WireError('compression pointer does not point backwards');
      if (++jumps > MAX_POINTER_JUMPS) throw new WireError('too many compression pointers');
      if (end < 0) end = offset + 2;
      offset = target;
      continue;
    }
    if (kind !== 0) throw new WireError('reserved label type');
    if (len === 0) {
      if (end < 0) end = offset + 1;
      return { labels, end };
    }
    if (offset + 1 + len > buf.length) throw new WireError('label runs past the end of the message');
    wireLength += len + 1;
    if (wireLength > MAX_NAME_BYTES) throw new WireError('name longer than 255 octets');
    labels.push(buf.subarray(offset + 1, offset + 1 + len));
    offset += len + 1;
  }
}

/** Skips one resource record; returns its type, class, TTL and the rdata bounds. */
function readRecord(
  buf: Buffer,
  start: number,
): { labels: Buffer[]; type: number; klass: number; ttl: number; rdata: Buffer; end: number } {
  const { labels, end: nameEnd } = readName(buf, start);
  if (nameEnd + 10 > buf.length) throw new WireError('record header runs past the end of the message');
  const type = buf.readUInt16BE(nameEnd);
  const klass = buf.readUInt16BE(nameEnd + 2);
  const ttl = buf.readUInt32BE(nameEnd + 4);
  const rdlength = buf.readUInt16BE(nameEnd + 8);
  const rdStart = nameEnd + 10;
  if (rdStart + rdlength > buf.length) throw new WireError('rdata runs past the end of the message');
  return {
    labels,
    type,
    klass,
    ttl,
    rdata: buf.subarray(rdStart, rdStart + rdlength),
    end: rdStart + rdlength,
  };
}

function readEdns(klass: number, ttl: number, rdata: Buffer): EdnsInfo {
  let clientSubnet: Buffer | null = null;
  let off = 0;
  while (off < rdata.length) {
    if (off + 4 > rdata.length) throw new WireError('truncated EDNS option');
    const code = rdata.readUInt16BE(off);
    const len = rdata.readUInt16BE(off + 2);
    if (off + 4 + len > rdata.length) throw new WireError('EDNS option runs past the record');
    if (code === EDNS_OPTION_CLIENT_SUBNET)
      clientSubnet = validClientSubnet(rdata.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return { udpSize: klass, version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0, clientSubnet };
}

/** RFC 7871 §6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS (just enough bytes for the prefix). */
function validClientSubnet(data: Buffer): Buffer | null {
  if (data.length < 4) return null;
  const family = data.readUInt16BE(0);
  const source = data[2] ?? 0;
  const maxBits = family === 1 ? 32 : family === 2 ? 128 : -1;
  if (maxBits < 0 || source > maxBits) return null;
  if (data.length !== 4 + Math.ceil(source / 8)) return null;
  return data;
}

/** Lower-case ASCII of a label, for matching (DNS names compare case-insensitively, RFC 4343). */
export function labelText(label: Buffer): string {
  return label.toString('latin1').toLowerCase();
}

/**
 * Validates an incoming message. Never throws: every malformed input maps to `drop` or `reject`.
 *
 * Accepts what Consul's DNS library (miekg/dns `DefaultMsgAcceptFunc`) accepts: QR clear, opcode QUERY, exactly one
 * question, at most one answer and one authority record, at most two additional records (OPT + TSIG), at most one
 * OPT. The whole message must also decode with `dns-packet` (a second, independent check).
 */
export function parseQuery(raw: Buffer): ParseOutcome {
  const header = readHeader(raw);
  if (!header) return { kind: 'drop', reason: 'shorter than a DNS header' };
  if ((header.flags & FLAG_QR) !== 0) return { kind: 'drop', reason: 'message is a response' };
  if (header.opcode !== OPCODE_QUERY) {
    return { kind: 'reject', header, rcode: RCODE.NOTIMP, reason: `opcode ${header.opcode} not implemented` };
  }
  const formErr = (reason: string): ParseOutcome => ({
    kind: 'reject',
    header,
    rcode: RCODE.FORMERR,
    reason,
  });
  if (header.qdcount !== 1) return formErr(`expected one question, got ${header.qdcount}`);
  if (header.ancount > 1 || header.nscount > 1 || header.arcount > 2) return formErr('too many records');
  try {
    const question = readName(raw, HEADER_BYTES);
    if (question.end + 4 > raw.length) return formErr('question runs past the end of the message');
    const qtype = raw.readUInt16BE(question.end);
    const qclass = raw.readUInt16BE(question.end + 2);
    let off = question.end + 4;
    for (let i = 0; i < header.ancount + header.nscount; i++) off = readRecord(raw, off).end;
    let edns: EdnsInfo | null = null;
    for (let i = 0; i < header.arcount; i++) {
      const rr = readRecord(raw, off);
      off = rr.end;
      if (rr.type !== QTYPE.OPT) continue;
      if (edns !== null) return formErr('more than one OPT record');
      if (rr.labels.length !== 0) return formErr('OPT record not owned by the root');
      edns = readEdns(rr.klass, rr.ttl, rr.rdata);
    }
    // Defence in depth: the packet must also be acceptable to the library that encodes our answers.
    dnsPacket.decode(raw);
    return {
      kind: 'query',
      query: {
        header,
        labels: question.labels,
        qtype,
        qclass,
        questionWire: encodeQuestion(question.labels, qtype, qclass),
        edns,
        recursionDesired: (header.flags & FLAG_RD) !== 0,
        checkingDisabled: (header.flags & FLAG_CD) !== 0,
        raw,
      },
    };
  } catch (err) {
    return formErr(err instanceof WireError ? err.message : 'undecodable message');
  }
}

/** Encodes a question uncompressed, labels byte for byte (case and any odd bytes preserved). */
export function encodeQuestion(labels: readonly Buffer[], qtype: number, qclass: number): Buffer {
  let size = 1 + 4;
  for (const l of labels) size += l.length + 1;
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const l of labels) {
    out[off++] = l.length;
    l.copy(out, off);
    off += l.length;
  }
  out[off++] = 0;
  out.writeUInt16BE(qtype, off);
  out.writeUInt16BE(qclass, off + 2);
  return out;
}
