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

/** The wire form of `msg`: responses with a resource as bytes around the shared tail, the rest as messages. */
export function toWireMessage(msg: ReplicationMessage): OutgoingWireMessage {
  if (msg.kind !== 'response' || msg.resource === undefined) return toProtoMessage(msg);
  return new EncodedMessage(encodeResponse(msg, msg.resource));
}

function encodeResponse(msg: ResponseMessage, resource: Resource): Buffer {
  const tail = sharedTail(msg, resource);
  const nonce = Buffer.from(msg.nonce, 'utf8');
  const nonceField = nonce.length === 0 ? 0 : 1 + varintSize(nonce.length) + nonce.length;
  const inner = nonceField + tail.length;
  const out = Buffer.allocUnsafe(1 + varintSize(inner) + inner);
  let at = 0;
  out[at++] = RESPONSE_TAG;
  at = writeVarint(out, at, inner);
  if (nonce.length > 0) {
    // proto3: an empty string is not written (as protobuf-es does).
    out[at++] = NONCE_TAG;
    at = writeVarint(out, at, nonce.length);
    at += nonce.copy(out, at);
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
