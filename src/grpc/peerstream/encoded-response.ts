/**
 * Outgoing `ReplicationMessage`s in wire form, with the part of a Response every peer shares encoded once.
 *
 * A Response carries one resource to one peer: `Nonce` (field 1) is the peer's, `ResourceURL`, `ResourceID`,
 * `Resource` and `operation` (fields 2–5) are the same for every peer that gets this version of the resource
 * (the exporter hands each stream the same resource object, see peering/exporter.ts). So fields 2–5 are encoded
 * once per resource object and each stream only writes its nonce in front: the per-peer cost of a change is a
 * few header bytes and one copy, not a protobuf encode of the instances' wrapper.
 *
 * The bytes are exactly what `toBinary(ReplicationMessageSchema, toProtoMessage(msg))` produces (protobuf-es
 * writes fields in field-number order, and the Nonce is field 1), so nothing on the wire changes
 * (encoded-response.test.ts compares them, and decodes them with the generated types).
 *
 * @packageDocumentation
 */
import { toBinary } from '@bufbuild/protobuf';

import {
  ReplicationMessageSchema,
  type ReplicationMessage as PbReplicationMessage,
} from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import type { ReplicationMessage, Resource } from '../../peering/index.js';
import { toProtoMessage } from './convert.js';

/** A message already serialised; the stream's serialiser passes its bytes through. */
export class EncodedMessage {
  constructor(readonly bytes: Buffer) {}
}

/** What the grpc-js call writes: a generated message (encoded by the serialiser) or pre-encoded bytes. */
export type OutgoingWireMessage = PbReplicationMessage | EncodedMessage;

type ResponseMessage = Extract<ReplicationMessage, { kind: 'response' }>;

/** `ReplicationMessage.response` is field 3, length-delimited; `Response.Nonce` is field 1, length-delimited. */
const RESPONSE_TAG = (3 << 3) | 2;
const NONCE_TAG = (1 << 3) | 2;

/**
 * The shared tail (fields 2–5 of the Response) per resource object, for the URL/ID/operation it was sent with.
 * One entry per live resource object (the exporter keeps one version per exported service); entries go with
 * their objects. NOTE: relies on resources being immutable once built (the exporter's contract).
 */
const TAILS = new WeakMap<Resource, { key: string; tail: Buffer }>();

/**
 * The wire form of `msg`: responses with a resource as bytes around the shared tail, requests (the ACK an
 * importer sends per change) written by hand, the rest as messages.
 */
export function toWireMessage(msg: ReplicationMessage): OutgoingWireMessage {
  if (msg.kind === 'request') return new EncodedMessage(encodeRequest(msg));
  if (msg.kind !== 'response' || msg.resource === undefined) return toProtoMessage(msg);
  return new EncodedMessage(encodeResponse(msg, msg.resource));
}

type RequestMessage = Extract<ReplicationMessage, { kind: 'request' }>;

/** `ReplicationMessage.request` is field 2; `Request` fields 1–3 are strings, `Error` (a `Status`) is field 5. */
const REQUEST_TAG = (2 << 3) | 2;
const ERROR_TAG = (5 << 3) | 2;
const STATUS_CODE_TAG = 1 << 3;

/**
 * A Request as protobuf-es writes it (fields in number order, proto3 defaults left out, a negative `code` as a
 * 10-byte varint); `encoded-response.test.ts` compares the bytes with the generated encoder's.
 */
function encodeRequest(msg: RequestMessage): Buffer {
  const peerId = Buffer.from(msg.peerId, 'utf8');
  const nonce = Buffer.from(msg.responseNonce, 'utf8');
  const url = Buffer.from(msg.resourceUrl, 'utf8');
  const message = msg.error === undefined ? undefined : Buffer.from(msg.error.message, 'utf8');
  const code = msg.error?.code ?? 0;
  const status =
    message === undefined
      ? 0
      : (code === 0 ? 0 : 1 + int32Size(code)) + (message.length === 0 ? 0 : stringSize(message));
  const inner =
    stringSize(peerId) +
    stringSize(nonce) +
    stringSize(url) +
    (message === undefined ? 0 : 1 + varintSize(status) + status);
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  let at = 0;
  out[at++] = REQUEST_TAG;
  at = writeVarint(out, at, inner);
  at = writeString(out, at, 1, peerId);
  at = writeString(out, at, 2, nonce);
  at = writeString(out, at, 3, url);
  if (message !== undefined) {
    out[at++] = ERROR_TAG;
    at = writeVarint(out, at, status);
    if (code !== 0) {
      out[at++] = STATUS_CODE_TAG;
      at = writeInt32(out, at, code);
    }
    writeString(out, at, 2, message);
  }
  return out;
}

/** Bytes of a non-empty string field with a one-byte tag (proto3 leaves an empty one out). */
function stringSize(b: Buffer): number {
  return b.length === 0 ? 0 : 1 + varintSize(b.length) + b.length;
}

function writeString(out: Buffer, at: number, field: number, b: Buffer): number {
  if (b.length === 0) return at;
  out[at++] = (field << 3) | 2;
  at = writeVarint(out, at, b.length);
  return at + b.copy(out, at);
}

/** An int32 is written as a varint of its 64-bit two's complement: 10 bytes when negative. */
function int32Size(n: number): number {
  return n < 0 ? 10 : varintSize(n);
}

function writeInt32(out: Buffer, at: number, n: number): number {
  if (n >= 0) return writeVarint(out, at, n);
  // Low 32 bits as 5 groups of 7 with the sign extended, then 0xff × 4 and 0x01.
  let low = n >>> 0;
  for (let i = 0; i < 4; i++) {
    out[at++] = (low & 0x7f) | 0x80;
    low >>>= 7;
  }
  out[at++] = low | 0x70 | 0x80;
  for (let i = 0; i < 4; i++) out[at++] = 0xff;
  out[at++] = 0x01;
  return at;
}

function encodeResponse(msg: ResponseMessage, resource: Resource): Buffer {
  const tail = sharedTail(msg, resource);
  // The nonce is written straight into the output (no intermediate buffer per peer and change).
  const nonceLength = Buffer.byteLength(msg.nonce, 'utf8');
  const nonceField = nonceLength === 0 ? 0 : 1 + varintSize(nonceLength) + nonceLength;
  const inner = nonceField + tail.length;
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  let at = 0;
  out[at++] = RESPONSE_TAG;
  at = writeVarint(out, at, inner);
  if (nonceLength > 0) {
    // proto3: an empty string is not written (as protobuf-es does).
    out[at++] = NONCE_TAG;
    at = writeVarint(out, at, nonceLength);
    at += out.write(msg.nonce, at, 'utf8');
  }
  tail.copy(out, at);
  return out;
}

function sharedTail(msg: ResponseMessage, resource: Resource): Buffer {
  const key = `${msg.resourceUrl}\n${msg.resourceId}\n${String(msg.operation)}`;
  const hit = TAILS.get(resource);
  if (hit?.key === key) return hit.tail;
  // The Response without its nonce; fields 2–5 follow the outer tag and length.
  const whole = toBinary(ReplicationMessageSchema, toProtoMessage({ ...msg, nonce: '' }));
  let headerSize = 1;
  while ((whole[headerSize] ?? 0) & 0x80) headerSize++;
  headerSize++;
  const tail = Buffer.from(whole.buffer, whole.byteOffset + headerSize, whole.byteLength - headerSize);
  TAILS.set(resource, { key, tail });
  return tail;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[at++] = n;
  return at;
}
