import type { HealthCheck, Node, NodeService } from '../types/index.js';

/**
 * The peer-stream protocol in domain terms. The gRPC edge (src/grpc/peerstream/) converts these to and from
 * Consul's protobuf messages (package hashicorp.consul.internal.peerstream); this module never sees protobuf.
 */

const TYPE_PREFIX = 'type.googleapis.com/';
export const TYPE_URL = {
  exportedService: `${TYPE_PREFIX}hashicorp.consul.internal.peerstream.ExportedService`,
  exportedServiceList: `${TYPE_PREFIX}hashicorp.consul.internal.peerstream.ExportedServiceList`,
  trustBundle: `${TYPE_PREFIX}hashicorp.consul.internal.peering.PeeringTrustBundle`,
  serverAddresses: `${TYPE_PREFIX}hashicorp.consul.internal.peering.PeeringServerAddresses`,
} as const;
export type TypeUrl = (typeof TYPE_URL)[keyof typeof TYPE_URL];
export const KNOWN_TYPE_URLS: ReadonlySet<string> = new Set(Object.values(TYPE_URL));

/** Consul's Operation enum: only UPSERT is used since 1.14. */
export const OPERATION = { unspecified: 0, upsert: 1 } as const;

/** One replicated instance: node, service and (flattened) checks, in Entente's catalog shapes, indexes zeroed. */
export interface CheckServiceNode {
  Node: Omit<Node, 'CreateIndex' | 'ModifyIndex'>;
  Service: Omit<NodeService, 'CreateIndex' | 'ModifyIndex'>;
  Checks: Omit<HealthCheck, 'CreateIndex' | 'ModifyIndex'>[];
}

/** A decoded resource. `unknown` carries what could not be decoded, so the handler can NACK it. */
export type Resource =
  | { type: 'exported-service'; nodes: CheckServiceNode[] }
  | { type: 'exported-service-list'; services: string[] }
  | { type: 'trust-bundle'; trustDomain: string; rootPems: string[]; exportedPartition: string }
  | { type: 'server-addresses'; addresses: string[] }
  | { type: 'undecodable'; typeUrl: string; error: string };

export interface RemoteInfo {
  Partition: string;
  Datacenter: string;
}

export interface StatusError {
  code: number;
  message: string;
}

export type ReplicationMessage =
  | { kind: 'open'; peerId: string; streamSecretId: string; remote: RemoteInfo | undefined }
  | {
      kind: 'request';
      peerId: string;
      responseNonce: string;
      resourceUrl: string;
      error: StatusError | undefined;
    }
  | {
      kind: 'response';
      nonce: string;
      resourceUrl: string;
      resourceId: string;
      resource: Resource | undefined;
      operation: number;
    }
  | { kind: 'terminated' }
  | { kind: 'heartbeat' };

/**
 * A bidirectional message stream (one gRPC StreamResources call), as the stream handler needs it. Implemented by
 * the gRPC edge and by an in-memory pair for tests.
 */
export interface BidiStream {
  /** Sends one message; resolves when the transport accepted it (honours backpressure). Rejects if closed. */
  send(msg: ReplicationMessage): Promise<void>;
  /** The next received message; `null` once the peer half-closed; rejects on a transport error. */
  recv(): Promise<ReplicationMessage | null>;
  /** Half-closes our sending side (dialer, graceful end). */
  end(): void;
  /** Tears the stream down with an error status, as a gRPC server handler does when it returns an error. */
  fail(err: StreamError): void;
}

/** gRPC status codes the protocol uses. */
export const STREAM_CODE = {
  invalidArgument: 3,
  notFound: 5,
  permissionDenied: 7,
  resourceExhausted: 8,
  failedPrecondition: 9,
  aborted: 10,
  internal: 13,
  unavailable: 14,
} as const;

/** An error that ends a stream with a gRPC status. */
export class StreamError extends Error {
  override readonly name = 'StreamError';
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Nonces are opaque to the receiver; we emit Consul's `%08x` counter for byte compatibility. */
export function formatNonce(n: number): string {
  return n.toString(16).padStart(8, '0');
}
