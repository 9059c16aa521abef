/**
 * The two methods of `hashicorp.consul.internal.peerstream.PeerStreamService`, their full paths and their
 * protobuf (de)serialisers for grpc-js. Shared by the server and the client so both ends agree byte for byte.
 *
 * @packageDocumentation
 */
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';

import {
  ExchangeSecretRequestSchema,
  ExchangeSecretResponseSchema,
  PeerStreamService,
  ReplicationMessageSchema,
} from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import { EncodedMessage, type OutgoingWireMessage } from './encoded-response.js';
import { decodeInbound, type InboundMessage } from './inbound-decode.js';

/** `hashicorp.consul.internal.peerstream.PeerStreamService` */
export const PEER_STREAM_SERVICE_NAME = PeerStreamService.typeName;

/** Bidi stream of `ReplicationMessage`s. */
export const STREAM_RESOURCES_PATH = `/${PEER_STREAM_SERVICE_NAME}/StreamResources`;

/** Unary `ExchangeSecretRequest` → `ExchangeSecretResponse`. */
export const EXCHANGE_SECRET_PATH = `/${PEER_STREAM_SERVICE_NAME}/ExchangeSecret`;

/** Consul's PermissionDenied text for methods a peer may not call (its gRPC auth interceptor). */
export const INVALID_ENDPOINT_MESSAGE = 'invalid permissions to the specified endpoint';

/** grpc-js serialiser for a generated message. */
export function serializer<Desc extends DescMessage>(schema: Desc): (msg: MessageShape<Desc>) => Buffer {
  return (msg) => {
    const bytes = toBinary(schema, msg);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/**
 * grpc-js deserialiser for a generated message. It throws on malformed bytes; grpc-js turns that into an
 * `INTERNAL` status for the call (as Go's gRPC does for an unmarshal failure), so peer garbage never reaches us.
 */
export function deserializer<Desc extends DescMessage>(schema: Desc): (buf: Buffer) => MessageShape<Desc> {
  return (buf) => fromBinary(schema, buf);
}

const serializeReplicationMessage = serializer(ReplicationMessageSchema);

/**
 * The stream's codec: outgoing messages may come pre-encoded (see encoded-response.ts), passed through as is;
 * incoming ones are decoded straight to the domain (see inbound-decode.ts), throwing on bytes that are not a
 * `ReplicationMessage` (grpc-js fails the call with `INTERNAL`).
 */
export const replicationMessageCodec = {
  serialize: (msg: OutgoingWireMessage): Buffer =>
    msg instanceof EncodedMessage ? msg.bytes : serializeReplicationMessage(msg),
  deserialize: (buf: Buffer): InboundMessage => decodeInbound(buf),
};

export const exchangeSecretCodec = {
  serializeRequest: serializer(ExchangeSecretRequestSchema),
  deserializeRequest: deserializer(ExchangeSecretRequestSchema),
  serializeResponse: serializer(ExchangeSecretResponseSchema),
  deserializeResponse: deserializer(ExchangeSecretResponseSchema),
};
