import dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';
import { MAX_UDP_ANSWER_LIMIT } from './dns-config.js';
import {
  HEADER_BYTES,
  MAX_LABEL_BYTES,
  MAX_NAME_BYTES,
  QTYPE,
  type DnsHeader,
  type DnsQuery,
  type Rcode,
} from './parser.js';

/** RFC 1035 §4.2.1: plain DNS over UDP carries at most 512 bytes. */
export const DEFAULT_MAX_UDP_BYTES = 512;
/** Consul's `maxUDPDatagramSize` (65535 − 68): larger EDNS sizes are clamped to this. */
export const MAX_UDP_DATAGRAM_BYTES = 65_535 - 68;
/** Consul's TCP limit (64 KiB minus the DNS raw overhead). */
export const MAX_TCP_MESSAGE_BYTES = 65_523;
/** Consul stops at this many answers before measuring a TCP answer (1024 for SRV: more never fit). */
const TCP_MAX_ANSWERS = 4096;
const TCP_MAX_SRV_ANSWERS = 1024;
/** UDP header bytes Consul subtracts from the budget. */
const UDP_HEADER_BYTES = 8;

const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_CD = 0x0010;

export type Transport = 'udp' | 'tcp';

/** The sections and flags of a reply before it is sized and encoded. */
export interface ReplyDraft {
  rcode: Rcode;
  authoritative: boolean;
  recursionAvailable: boolean;
  answers: Answer[];
  authorities: Answer[];
  /** Additional records other than OPT (added by the serializer when the query had EDNS). */
  additionals: Answer[];
}

/** Limits for one reply: Consul's `udp_answer_limit` and `enable_truncate`. */
export interface TrimOptions {
  udpAnswerLimit: number;
  enableTruncate: boolean;
}

/** The size limit of a reply (512, the EDNS size up to 65,467, or 65,523 over TCP) and its answer budget. */
export function replyLimits(query: DnsQuery, transport: Transport): { maxSize: number; budget: number } {
  if (transport === 'tcp') return { maxSize: MAX_TCP_MESSAGE_BYTES, budget: MAX_TCP_MESSAGE_BYTES };
  let maxSize = DEFAULT_MAX_UDP_BYTES;
  if (query.edns && query.edns.udpSize > maxSize)
    maxSize = Math.min(query.edns.udpSize, MAX_UDP_DATAGRAM_BYTES);
  return { maxSize, budget: maxSize - UDP_HEADER_BYTES };
}

/** Header flags of a reply without TC (QR is added by the encoder). */
export function replyFlags(
  query: DnsQuery,
  draft: Pick<ReplyDraft, 'rcode' | 'authoritative' | 'recursionAvailable'>,
): number {
  let flags: number = draft.rcode;
  if (draft.authoritative) flags |= FLAG_AA;
  if (draft.recursionAvailable) flags |= FLAG_RA;
  if (query.recursionDesired) flags |= FLAG_RD;
  if (query.checkingDisabled) flags |= FLAG_CD;
  return flags;
}

/** True when dns-packet will encode `name` exactly: every label 1..63 bytes, no empty label, ≤ 255 bytes in all. */
export function isEncodableName(name: string): boolean {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return true;
  let total = 1;
  for (const label of trimmed.split('.')) {
    const len = Buffer.byteLength(label);
    if (len === 0 || len > MAX_LABEL_BYTES) return false;
    total += len + 1;
  }
  return total <= MAX_NAME_BYTES;
}

/** A header-only reply (FORMERR, NOTIMP for a bad opcode): no question, as miekg/dns answers rejected messages. */
export function encodeHeaderOnly(header: DnsHeader, rcode: Rcode): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  out.writeUInt16BE(header.id, 0);
  out.writeUInt16BE(FLAG_QR | (header.opcode << 11) | (header.flags & (FLAG_RD | FLAG_CD)) | rcode, 2);
  return out;
}

/** The OPT record a reply carries: none without EDNS in the query. */
export function optRecord(query: DnsQuery): Answer[] {
  const edns = query.edns;
  if (!edns) return [];
  return [
    {
      type: 'OPT',
      name: '.',
      // Consul echoes the requester's size (setEDNS).
      udpPayloadSize: edns.udpSize,
      extendedRcode: 0,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options:
        edns.clientSubnet === null
          ? []
          : // Scope 0: every answer is valid for any client subnet.
            [{ code: 8, data: withScopeZero(edns.clientSubnet), ip: undefined }],
    },
  ];
}

function withScopeZero(ecs: Buffer): Buffer {
  const copy = Buffer.from(ecs);
  copy[3] = 0;
  return copy;
}

function packet(query: DnsQuery, draft: ReplyDraft, truncated: boolean, opt: Answer[]): Packet {
  let flags = replyFlags(query, draft);
  if (truncated) flags |= FLAG_TC;
  return {
    type: 'response',
    id: query.header.id,
    flags,
    questions: [],
    answers: draft.answers,
    authorities: draft.authorities,
    additionals: [...draft.additionals, ...opt],
  };
}

function size(query: DnsQuery, p: Packet): number {
  return dnsPacket.encodingLength(p) + query.questionWire.length;
}

/**
 * Keeps only the additional records that back a kept SRV answer (Consul's `syncExtra`). Extras are only ever SRV
 * target addresses and node-meta TXT, so this drops nothing else.
 */
function syncExtra(all: readonly Answer[], answers: readonly Answer[]): Answer[] {
  const targets = new Set<string>();
  for (const a of answers) if (a.type === 'SRV') targets.add(a.data.target.toLowerCase());
  if (targets.size === 0) return [...all];
  return all.filter((r) => targets.has(r.name.toLowerCase()));
}

/**
 * Sizes and encodes a reply. Trimming follows Consul's `trimUDPResponse`/`trimTCPResponse`:
 *
 * - UDP: the budget is 512 bytes, or the EDNS size when larger (capped at {@link MAX_UDP_DATAGRAM_BYTES}); without
 *   EDNS at most `min(8, udp_answer_limit)` answers are sent; then answers (with their SRV extras, after dropping the
 *   authority section) are cut until the message fits. TC is set on a cut only with `enable_truncate`.
 * - TCP: at most 4096 answers (1024 SRV) and 65,523 bytes.
 *
 * NOTE: names are never compressed, so the measured size is the size on the wire; Consul measures 512-byte UDP
 * answers uncompressed too, so it keeps the same records there. If even one answer cannot fit, the reply is sent
 * empty with TC set so the client retries over TCP.
 */
export function encodeReply(
  query: DnsQuery,
  draft: ReplyDraft,
  transport: Transport,
  trim: TrimOptions,
): Buffer {
  const opt = optRecord(query);
  const original = draft.answers.length;
  let answers = draft.answers;
  let authorities = draft.authorities;
  let additionals = draft.additionals;
  const { maxSize, budget } = replyLimits(query, transport);
  const cap = answerCap(query, transport, maxSize, trim.udpAnswerLimit);
  if (answers.length > cap) {
    answers = answers.slice(0, cap);
    additionals = syncExtra(draft.additionals, answers);
  }
  const build = (n: number): Packet => {
    const kept = answers.slice(0, n);
    const extras = n === answers.length ? additionals : syncExtra(draft.additionals, kept);
    return packet(query, { ...draft, answers: kept, authorities, additionals: extras }, false, opt);
  };
  let count = answers.length;
  if (count > 1 && size(query, build(count)) > budget) {
    authorities = [];
    // Binary search for the most answers that fit.
    let lo = 1;
    let hi = count;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (size(query, build(mid)) <= budget) lo = mid;
      else hi = mid - 1;
    }
    count = lo;
  }
  let final = build(count);
  let truncated = count < original && trim.enableTruncate;
  if (size(query, final) > maxSize) {
    // Even the smallest answer does not fit: an empty, truncated reply makes the client retry over TCP.
    final = packet(query, { ...draft, answers: [], authorities: [], additionals: [] }, true, opt);
    truncated = true;
  }
  final.flags = (final.flags ?? 0) | (truncated ? FLAG_TC : 0);
  return withQuestion(dnsPacket.encode(final), query.questionWire);
}

/**
 * Answers kept before measuring: over UDP without an EDNS size above 512, `min(8, udp_answer_limit)`; over TCP
 * 4096 (1024 SRV); otherwise no cap.
 */
export function answerCap(
  query: DnsQuery,
  transport: Transport,
  maxSize: number,
  udpAnswerLimit: number,
): number {
  if (transport === 'tcp') return query.qtype === QTYPE.SRV ? TCP_MAX_SRV_ANSWERS : TCP_MAX_ANSWERS;
  return maxSize === DEFAULT_MAX_UDP_BYTES
    ? Math.min(MAX_UDP_ANSWER_LIMIT, udpAnswerLimit)
    : Number.POSITIVE_INFINITY;
}

/** Splices the question, byte for byte as received, after the header dns-packet wrote (with QDCOUNT 0). */
function withQuestion(body: Buffer, question: Buffer): Buffer {
  const out = Buffer.allocUnsafe(body.length + question.length);
  body.copy(out, 0, 0, HEADER_BYTES);
  question.copy(out, HEADER_BYTES);
  body.copy(out, HEADER_BYTES + question.length, HEADER_BYTES);
  out.writeUInt16BE(1, 4);
  return out;
}

/** A reply with only a question and a header (REFUSED, SERVFAIL, NOTIMP for a class): no AA, plus EDNS if asked. */
export function encodeBare(query: DnsQuery, rcode: Rcode, recursionAvailable: boolean): Buffer {
  const draft: ReplyDraft = {
    rcode,
    authoritative: false,
    recursionAvailable,
    answers: [],
    authorities: [],
    additionals: [],
  };
  return withQuestion(dnsPacket.encode(packet(query, draft, false, optRecord(query))), query.questionWire);
}
