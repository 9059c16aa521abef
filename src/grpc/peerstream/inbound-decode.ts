/**
 * Inbound `ReplicationMessage` decoding for the stream's deserialiser, with a hand-written fast path for the
 * messages received per change: on the importer a Response whose resource is an `ExportedService` (instances),
 * on the exporter the Request that ACKs (or NACKs) it, one per change and peer.
 *
 * The generic path (`fromBinary` with the generated schema, then `fromProtoMessage`) builds a protobuf-es message
 * tree by reflection, then the domain objects from it: two full copies of every instance per change. The fast
 * path reads the wire bytes once and builds the domain objects ({@link CheckServiceNode}) directly, with the same
 * key order and values as the generic path (`inbound-decode.test.ts` checks it on real encoded messages and on
 * random and mutated ones).
 *
 * It is deliberately conservative: whatever it is not certain to decode exactly as the generic path does, it
 * hands to the generic path, which then decides (decodes, returns `undecodable`, or throws). That covers every
 * other message kind and resource type, a type URL that differs from `ResourceURL`, `Connect`/`Proxy` (converted
 * through their JSON form), non-empty `Definition`/`EnterpriseMeta`/`Ports`/`AI`, a singular message field that
 * appears twice (protobuf merges them), a known field with an unexpected wire type, non-canonical varints,
 * groups, a map key `__proto__`, invalid UTF-8, unknown service kinds, and any truncation or overrun. Unknown
 * fields are skipped, as the generic path does (it keeps them, but the domain ignores them).
 *
 * The outcome for any bytes is therefore the generic one: same message, or the same refusal (the deserialiser
 * throws, which grpc-js turns into an `INTERNAL` status for the call). The fast path itself never throws.
 *
 * @packageDocumentation
 */
import { fromBinary } from '@bufbuild/protobuf';

import { ReplicationMessageSchema } from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import {
  TYPE_URL,
  importedStatus,
  type CheckServiceNode,
  type ReplicationMessage,
  type StatusError,
} from '../../peering/index.js';
import { SERVICE_KINDS, type ServiceAddress, type ServiceKind } from '../../types/index.js';
import { fromProtoMessage } from './convert.js';

/** A received message the build does not know (no payload, or a later release's oneof member): ignored. */
export const IGNORED_MESSAGE = Object.freeze({ kind: 'ignored' as const });

/** What the stream's deserialiser yields: a domain message, or {@link IGNORED_MESSAGE}. */
export type InboundMessage = ReplicationMessage | typeof IGNORED_MESSAGE;

/** The fast path declined: the generic path decides. */
export const NOT_HANDLED = Symbol('not handled');

/**
 * Decodes one received frame. Throws for bytes that are not a `ReplicationMessage` (as `fromBinary` does).
 */
export function decodeInbound(bytes: Uint8Array): InboundMessage {
  const fast = decodeFast(bytes);
  if (fast !== NOT_HANDLED) return fast;
  return decodeGeneric(bytes) ?? IGNORED_MESSAGE;
}

/** The reference path: the generated protobuf-es decoder and the domain converter. */
export function decodeGeneric(bytes: Uint8Array): ReplicationMessage | undefined {
  return fromProtoMessage(fromBinary(ReplicationMessageSchema, bytes));
}

/** The fast path alone (exported for the equivalence tests). Never throws. */
export function decodeFast(bytes: Uint8Array): ReplicationMessage | typeof NOT_HANDLED {
  try {
    const buf = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return readReplicationMessage(new Reader(buf), buf.length);
  } catch {
    // Bail (or any surprise): the generic path decides, including whether to refuse.
    return NOT_HANDLED;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Wire reading. Every read is bounded by the end of the message it belongs to; anything off bails.

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

class Bail extends Error {}
const BAIL = new Bail('not handled by the fast path');

function bail(): never {
  throw BAIL;
}

/** Up to this many bytes, an ASCII string is built char by char (see Reader.string). */
const SHORT_STRING = 12;

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  /** The next byte, before `end` (else bail). */
  byte(end: number): number {
    if (this.pos >= end) bail();
    return this.buf[this.pos++] ?? bail();
  }

  /** A uint32 varint as protobuf-es reads it; at most 5 bytes, the 5th ≤ 0x0f (else bail). */
  uint32(end: number): number {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte(end);
      result |= (b & 0x7f) << shift;
      if (b < 0x80) return result >>> 0;
    }
    const last = this.byte(end);
    if (last > 0x0f) bail();
    return (result | (last << 28)) >>> 0;
  }

  int32(end: number): number {
    return this.uint32(end) | 0;
  }

  /** A bool: only the canonical one-byte forms (protobuf-es reads longer ones as 64-bit varints). */
  bool(end: number): boolean {
    const b = this.byte(end);
    if (b >= 0x80) bail();
    return b !== 0;
  }

  /** A tag: field number > 0 and a wire type protobuf-es accepts; groups bail. */
  tag(end: number): number {
    const tag = this.uint32(end);
    const wire = tag & 7;
    if (tag >>> 3 === 0 || (wire !== VARINT && wire !== I64 && wire !== LEN && wire !== I32)) bail();
    return tag;
  }

  /** A length-delimited field's end (its content starts at `pos`). */
  delimited(end: number): number {
    const len = this.uint32(end);
    const stop = this.pos + len;
    if (stop > end) bail();
    return stop;
  }

  string(end: number): string {
    const stop = this.delimited(end);
    const start = this.pos;
    this.pos = stop;
    const buf = this.buf;
    // Short ASCII strings (most of an instance) are built char by char: cheaper than a Buffer slice call.
    let short = '';
    for (let i = start; i < stop; i++) {
      const b = buf[i] ?? 0;
      if (b > 0x7f) {
        // Invalid UTF-8 throws here, and bails: protobuf-es validates proto3 strings the same way.
        return utf8Strict.decode(buf.subarray(start, stop));
      }
      if (stop - start <= SHORT_STRING) short += String.fromCharCode(b);
    }
    return stop - start <= SHORT_STRING ? short : buf.toString('latin1', start, stop);
  }

  /** Skips an unknown field's value (varints at most 10 bytes). */
  skip(wire: number, end: number): void {
    switch (wire) {
      case VARINT:
        this.skipVarint(end);
        return;
      case I64:
        this.pos += 8;
        break;
      case I32:
        this.pos += 4;
        break;
      default:
        this.pos = this.delimited(end);
        return;
    }
    if (this.pos > end) bail();
  }

  skipVarint(end: number): void {
    for (let i = 0; i < 10; i++) {
      if (this.byte(end) < 0x80) return;
    }
    bail();
  }

  /** Expects wire type `want` for a known field (protobuf-es would misread another). */
  static expect(tag: number, want: number): void {
    if ((tag & 7) !== want) bail();
  }
}

/** A known message field this build does not model: only an empty one is certain to decode (else bail). */
function skipEmptyMessage(r: Reader, tag: number, end: number): void {
  Reader.expect(tag, LEN);
  if (r.delimited(end) !== r.pos) bail();
}

/** `RaftIndex` (two uint64s), validated and ignored (the domain has no Raft index from peers). */
function skipRaftIndex(r: Reader, tag: number, end: number): void {
  Reader.expect(tag, LEN);
  const stop = r.delimited(end);
  while (r.pos < stop) {
    const t = r.tag(stop);
    if (t >>> 3 === 1 || t >>> 3 === 2) {
      Reader.expect(t, VARINT);
      r.skipVarint(stop);
    } else r.skip(t & 7, stop);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Messages

/**
 * Only a lone Response (per change, on the importer) or Request (its ACK, per change and peer, on the exporter)
 * is handled; any other payload (or none) goes to the generic path.
 */
function readReplicationMessage(r: Reader, end: number): ReplicationMessage {
  let msg: ReplicationMessage | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    if (field === 3 && msg === undefined) {
      Reader.expect(tag, LEN);
      msg = readResponse(r, r.delimited(end));
    } else if (field === 2 && msg === undefined) {
      Reader.expect(tag, LEN);
      msg = readRequest(r, r.delimited(end));
    } else if (field >= 1 && field <= 5) bail();
    else r.skip(tag & 7, end);
  }
  return msg ?? bail();
}

function readRequest(r: Reader, end: number): ReplicationMessage {
  let peerId = '';
  let responseNonce = '';
  let resourceUrl = '';
  let error: StatusError | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        Reader.expect(tag, LEN);
        peerId = r.string(end);
        break;
      case 2:
        Reader.expect(tag, LEN);
        responseNonce = r.string(end);
        break;
      case 3:
        Reader.expect(tag, LEN);
        resourceUrl = r.string(end);
        break;
      case 5:
        if (error !== undefined) bail(); // a repeated message field merges
        Reader.expect(tag, LEN);
        error = readStatus(r, r.delimited(end));
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  return { kind: 'request', peerId, responseNonce, resourceUrl, error };
}

/** A NACK's status; `details` (never set by Consul) go to the generic path. */
function readStatus(r: Reader, end: number): StatusError {
  let code = 0;
  let message = '';
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        Reader.expect(tag, VARINT);
        code = r.int32(end);
        break;
      case 2:
        Reader.expect(tag, LEN);
        message = r.string(end);
        break;
      case 3:
        return bail();
      default:
        r.skip(tag & 7, end);
    }
  }
  return { code, message };
}

interface AnyParts {
  typeUrl: string;
  valueStart: number;
  valueEnd: number;
}

function readResponse(r: Reader, end: number): ReplicationMessage {
  let nonce = '';
  let resourceUrl = '';
  let resourceId = '';
  let operation = 0;
  let any: AnyParts | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        Reader.expect(tag, LEN);
        nonce = r.string(end);
        break;
      case 2:
        Reader.expect(tag, LEN);
        resourceUrl = r.string(end);
        break;
      case 3:
        Reader.expect(tag, LEN);
        resourceId = r.string(end);
        break;
      case 4:
        if (any !== undefined) bail(); // a repeated message field merges
        Reader.expect(tag, LEN);
        any = readAny(r, r.delimited(end));
        break;
      case 5:
        Reader.expect(tag, VARINT);
        operation = r.int32(end);
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  if (any === undefined) {
    return { kind: 'response', nonce, resourceUrl, resourceId, resource: undefined, operation };
  }
  // Only the hot resource; a mismatched type URL gets the generic path's exact `undecodable` text.
  if (any.typeUrl !== resourceUrl || resourceUrl !== TYPE_URL.exportedService) bail();
  const nodes = readExportedService(r, any.valueStart, any.valueEnd);
  r.pos = end;
  return {
    kind: 'response',
    nonce,
    resourceUrl,
    resourceId,
    resource: { type: 'exported-service', nodes },
    operation,
  };
}

function readAny(r: Reader, end: number): AnyParts {
  let typeUrl = '';
  let valueStart = 0;
  let valueEnd = 0;
  while (r.pos < end) {
    const tag = r.tag(end);
    const field = tag >>> 3;
    if (field === 1) {
      Reader.expect(tag, LEN);
      typeUrl = r.string(end);
    } else if (field === 2) {
      Reader.expect(tag, LEN);
      valueEnd = r.delimited(end);
      valueStart = r.pos;
      r.pos = valueEnd;
    } else r.skip(tag & 7, end);
  }
  return { typeUrl, valueStart, valueEnd };
}

function readExportedService(r: Reader, start: number, end: number): CheckServiceNode[] {
  const nodes: CheckServiceNode[] = [];
  r.pos = start;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag >>> 3 === 1) {
      Reader.expect(tag, LEN);
      nodes.push(readCheckServiceNode(r, r.delimited(end)));
    } else r.skip(tag & 7, end);
  }
  return nodes;
}

type DomainNode = CheckServiceNode['Node'];
type DomainService = CheckServiceNode['Service'];
type DomainCheck = CheckServiceNode['Checks'][number];

function readCheckServiceNode(r: Reader, end: number): CheckServiceNode {
  let node: DomainNode | undefined;
  let service: DomainService | undefined;
  const checks: DomainCheck[] = [];
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        if (node !== undefined) bail();
        Reader.expect(tag, LEN);
        node = readNode(r, r.delimited(end));
        break;
      case 2:
        if (service !== undefined) bail();
        Reader.expect(tag, LEN);
        service = readService(r, r.delimited(end));
        break;
      case 3:
        Reader.expect(tag, LEN);
        checks.push(readCheck(r, r.delimited(end)));
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  // A missing Node/Service is Go's zero value, as in the generic converter.
  r.pos = end;
  return {
    Node: node ?? readNode(r, end),
    Service: service ?? readService(r, end),
    Checks: checks,
  };
}

/** `map<string, string>` entry into `into` (later keys overwrite, as protobuf-es does). */
function readStringMapEntry(r: Reader, tag: number, end: number, into: Record<string, string>): void {
  Reader.expect(tag, LEN);
  const stop = r.delimited(end);
  let key = '';
  let value = '';
  while (r.pos < stop) {
    const t = r.tag(stop);
    if (t === ((1 << 3) | LEN)) key = r.string(stop);
    else if (t === ((2 << 3) | LEN)) value = r.string(stop);
    else bail();
  }
  if (key === '__proto__') bail();
  into[key] = value;
}

function readNode(r: Reader, end: number): DomainNode {
  let id = '';
  let name = '';
  let address = '';
  let datacenter = '';
  let peerName = '';
  const tagged: Record<string, string> = {};
  const meta: Record<string, string> = {};
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag >>> 3) {
      case 1:
        Reader.expect(tag, LEN);
        id = r.string(end);
        break;
      case 2:
        Reader.expect(tag, LEN);
        name = r.string(end);
        break;
      case 3:
        Reader.expect(tag, LEN);
        address = r.string(end);
        break;
      case 4:
        Reader.expect(tag, LEN);
        datacenter = r.string(end);
        break;
      case 5:
        readStringMapEntry(r, tag, end, tagged);
        break;
      case 6:
        readStringMapEntry(r, tag, end, meta);
        break;
      case 7:
        skipRaftIndex(r, tag, end);
        break;
      case 8: // Partition: not modelled, validated
        Reader.expect(tag, LEN);
        r.string(end);
        break;
      case 9:
        Reader.expect(tag, LEN);
        peerName = r.string(end);
        break;
      case 10: // a node's Locality is not modelled
        readLocality(r, tag, end);
        break;
      default:
        r.skip(tag & 7, end);
    }
  }
  const out: DomainNode = {
    ID: id,
    Node: name,
    Address: address,
    Datacenter: datacenter,
    TaggedAddresses: tagged,
    Meta: meta,
  };
  if (peerName !== '') out.PeerName = peerName;
  return out;
}

/** `Locality` as `{Region?, Zone?}`, or undefined when empty (as the generic converter leaves it out). */
function readLocality(r: Reader, tag: number, end: number): { Region?: string; Zone?: string } | undefined {
  Reader.expect(tag, LEN);
  const stop = r.delimited(end);
  let region = '';
  let zone = '';
  while (r.pos < stop) {
    const t = r.tag(stop);
    if (t >>> 3 === 1) {
      Reader.expect(t, LEN);
      region = r.string(stop);
    } else if (t >>> 3 === 2) {
      Reader.expect(t, LEN);
      zone = r.string(stop);
    } else r.skip(t & 7, stop);
  }
  if (region === '' && zone === '') return undefined;
  return { ...(region ? { Region: region } : {}), ...(zone ? { Zone: zone } : {}) };
}

/** Mutable parts of a NodeService being read. */
interface ServiceParts {
  kind: string;
  id: string;
  service: string;
  tags: string[];
  address: string;
  meta: Record<string, string>;
  port: number;
  weights: { Passing: number; Warning: number } | undefined;
  enableTagOverride: boolean;
  tagged: Record<string, ServiceAddress> | undefined;
  socketPath: string;
  peerName: string;
  locality: { Region?: string; Zone?: string } | undefined;
  localitySeen: boolean;
}

function readService(r: Reader, end: number): DomainService {
  const p: ServiceParts = {
    kind: '',
    id: '',
    service: '',
    tags: [],
    address: '',
    meta: {},
    port: 0,
    weights: undefined,
    enableTagOverride: false,
    tagged: undefined,
    socketPath: '',
    peerName: '',
    locality: undefined,
    localitySeen: false,
  };
  while (r.pos < end) readServiceField(r, r.tag(end), end, p);
  if (!(SERVICE_KINDS as readonly string[]).includes(p.kind)) bail();
  const out: DomainService = {
    Kind: p.kind as ServiceKind,
    ID: p.id,
    Service: p.service,
    Tags: p.tags,
    Address: p.address,
    Meta: p.meta,
    Port: p.port,
    Weights: p.weights ?? { Passing: 1, Warning: 1 },
    EnableTagOverride: p.enableTagOverride,
  };
  if (p.tagged !== undefined) out.TaggedAddresses = p.tagged;
  if (p.socketPath !== '') out.SocketPath = p.socketPath;
  if (p.locality !== undefined) out.Locality = p.locality;
  if (p.peerName !== '') out.PeerName = p.peerName;
  return out;
}

function readServiceField(r: Reader, tag: number, end: number, p: ServiceParts): void {
  switch (tag >>> 3) {
    case 1:
      Reader.expect(tag, LEN);
      p.kind = r.string(end);
      return;
    case 2:
      Reader.expect(tag, LEN);
      p.id = r.string(end);
      return;
    case 3:
      Reader.expect(tag, LEN);
      p.service = r.string(end);
      return;
    case 4:
      Reader.expect(tag, LEN);
      p.tags.push(r.string(end));
      return;
    case 5:
      Reader.expect(tag, LEN);
      p.address = r.string(end);
      return;
    case 6:
      readStringMapEntry(r, tag, end, p.meta);
      return;
    case 7:
      Reader.expect(tag, VARINT);
      p.port = r.int32(end);
      return;
    case 8:
      if (p.weights !== undefined) bail();
      p.weights = readWeights(r, tag, end);
      return;
    case 9:
      Reader.expect(tag, VARINT);
      p.enableTagOverride = r.bool(end);
      return;
    case 11: // Proxy and Connect convert through their JSON form: the generic path
    case 12:
    case 16: // EnterpriseMeta, Ports, AI: not modelled; only empty ones are certain
    case 20:
    case 21:
      skipEmptyMessage(r, tag, end);
      return;
    case 13: // LocallyRegisteredAsSidecar: not modelled, validated
      Reader.expect(tag, VARINT);
      r.bool(end);
      return;
    case 14:
      skipRaftIndex(r, tag, end);
      return;
    case 15:
      readServiceAddressEntry(r, tag, end, (p.tagged ??= {}));
      return;
    case 17:
      Reader.expect(tag, LEN);
      p.socketPath = r.string(end);
      return;
    case 18:
      Reader.expect(tag, LEN);
      p.peerName = r.string(end);
      return;
    case 19:
      if (p.localitySeen) bail();
      p.localitySeen = true;
      p.locality = readLocality(r, tag, end);
      return;
    default:
      r.skip(tag & 7, end);
  }
}

function readWeights(r: Reader, tag: number, end: number): { Passing: number; Warning: number } {
  Reader.expect(tag, LEN);
  const stop = r.delimited(end);
  let passing = 0;
  let warning = 0;
  while (r.pos < stop) {
    const t = r.tag(stop);
    if (t >>> 3 === 1) {
      Reader.expect(t, VARINT);
      passing = r.int32(stop);
    } else if (t >>> 3 === 2) {
      Reader.expect(t, VARINT);
      warning = r.int32(stop);
    } else r.skip(t & 7, stop);
  }
  return { Passing: passing, Warning: warning };
}

/** `map<string, ServiceAddress>` entry; a value given twice in one entry merges in protobuf: bail. */
function readServiceAddressEntry(
  r: Reader,
  tag: number,
  end: number,
  into: Record<string, ServiceAddress>,
): void {
  Reader.expect(tag, LEN);
  const stop = r.delimited(end);
  let key = '';
  let value: ServiceAddress | undefined;
  while (r.pos < stop) {
    const t = r.tag(stop);
    if (t === ((1 << 3) | LEN)) key = r.string(stop);
    else if (t === ((2 << 3) | LEN) && value === undefined) value = readServiceAddress(r, r.delimited(stop));
    else bail();
  }
  if (key === '__proto__') bail();
  into[key] = value ?? { Address: '', Port: 0 };
}

function readServiceAddress(r: Reader, end: number): ServiceAddress {
  let address = '';
  let port = 0;
  while (r.pos < end) {
    const t = r.tag(end);
    if (t >>> 3 === 1) {
      Reader.expect(t, LEN);
      address = r.string(end);
    } else if (t >>> 3 === 2) {
      Reader.expect(t, VARINT);
      port = r.int32(end);
    } else r.skip(t & 7, end);
  }
  return { Address: address, Port: port };
}

/** The string fields of a HealthCheck by field number (the rest are handled in {@link readCheckField}). */
const CHECK_STRINGS: readonly (keyof CheckParts | undefined)[] = [
  undefined,
  'node',
  'checkId',
  'name',
  'status',
  'notes',
  'output',
  'serviceId',
  'serviceName',
];

interface CheckParts {
  node: string;
  checkId: string;
  name: string;
  status: string;
  notes: string;
  output: string;
  serviceId: string;
  serviceName: string;
  serviceTags: string[];
  type: string;
  exposedPort: number;
  interval: string;
  timeout: string;
  peerName: string;
}

function readCheck(r: Reader, end: number): DomainCheck {
  const p: CheckParts = {
    node: '',
    checkId: '',
    name: '',
    status: '',
    notes: '',
    output: '',
    serviceId: '',
    serviceName: '',
    serviceTags: [],
    type: '',
    exposedPort: 0,
    interval: '',
    timeout: '',
    peerName: '',
  };
  while (r.pos < end) readCheckField(r, r.tag(end), end, p);
  const out: DomainCheck = {
    Node: p.node,
    CheckID: p.checkId,
    Name: p.name,
    Status: importedStatus(p.status),
    Notes: p.notes,
    Output: p.output,
    ServiceID: p.serviceId,
    ServiceName: p.serviceName,
    ServiceTags: p.serviceTags,
    Type: p.type,
    Interval: p.interval,
    Timeout: p.timeout,
    ExposedPort: p.exposedPort,
    Definition: {},
  };
  if (p.peerName !== '') out.PeerName = p.peerName;
  return out;
}

function readCheckField(r: Reader, tag: number, end: number, p: CheckParts): void {
  const field = tag >>> 3;
  const key = CHECK_STRINGS[field];
  if (key !== undefined) {
    Reader.expect(tag, LEN);
    (p as unknown as Record<string, string>)[key] = r.string(end);
    return;
  }
  switch (field) {
    case 9:
      Reader.expect(tag, LEN);
      p.serviceTags.push(r.string(end));
      return;
    case 10: // Definition, EnterpriseMeta: not modelled; only empty ones are certain
    case 13:
      skipEmptyMessage(r, tag, end);
      return;
    case 11:
      skipRaftIndex(r, tag, end);
      return;
    case 12:
      Reader.expect(tag, LEN);
      p.type = r.string(end);
      return;
    case 14:
      Reader.expect(tag, VARINT);
      p.exposedPort = r.int32(end);
      return;
    case 15:
      Reader.expect(tag, LEN);
      p.interval = r.string(end);
      return;
    case 16:
      Reader.expect(tag, LEN);
      p.timeout = r.string(end);
      return;
    case 17:
      Reader.expect(tag, LEN);
      p.peerName = r.string(end);
      return;
    default:
      r.skip(tag & 7, end);
  }
}
