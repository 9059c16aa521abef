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
/**
 * What the other end announced beyond Consul's protocol. Entente peers exchange the gRPC metadata header
 * {@link ENTENTE_PEERING_HEADER}; a Consul peer sends none, and then only Consul's message forms are used.
 */
export interface PeerFeatures {
  /** The peer accepts an exported service split across several responses (no message-size cliff). */
  readonly chunkedExports: boolean;
}
export const NO_PEER_FEATURES: PeerFeatures = { chunkedExports: false };
/** gRPC metadata key (request and response headers) carrying Entente's peering features. */
export const ENTENTE_PEERING_HEADER = 'x-entente-peering';
/** Its value: the features this build speaks. */
export const ENTENTE_PEERING_FEATURES = 'chunked-exports';

/** Parses the header's value. */
export function parsePeerFeatures(value: string | undefined): PeerFeatures {
  const set = new Set((value ?? '').split(',').map((x) => x.trim()));
  return { chunkedExports: set.has('chunked-exports') };
}

/**
 * ResourceID of one part of a chunked exported service: `<service>\u0000<part>/<parts>` (1-based). The NUL cannot
 * occur in a service name, and only peers that announced `chunked-exports` ever receive this form.
 */
export function chunkResourceId(service: string, part: number, parts: number): string {
  return `${service}\u0000${part}/${parts}`;
}

export function parseChunkResourceId(
  id: string,
): { service: string; part: number; parts: number } | undefined {
  const at = id.indexOf('\u0000');
  if (at < 0) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(id.slice(at + 1));
  if (!m) return undefined;
  const part = Number(m[1]);
  const parts = Number(m[2]);
  if (!(part >= 1 && part <= parts && parts <= 1_000_000)) return undefined;
  return { service: id.slice(0, at), part, parts };
}

export interface BidiStream {
  /** What the peer announced (Entente extensions); Consul peers announce nothing. */
  readonly peerFeatures: PeerFeatures;
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
  deadlineExceeded: 4,
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
