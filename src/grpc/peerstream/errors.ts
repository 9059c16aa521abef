/**
 * The one mapping from gRPC failures seen by the dialing side to {@link PeerDialError} reasons.
 *
 * | gRPC outcome                                                        | reason                  |
 * | ------------------------------------------------------------------- | ----------------------- |
 * | `PERMISSION_DENIED`                                                 | `SECRET_REJECTED`       |
 * | any code whose details say "peering must be enabled"                | `PEERING_DISABLED_ON_PEER` |
 * | `UNAVAILABLE` on a stream that was up (reset, dropped, keepalive)   | `CONNECTION_LOST`       |
 * | `UNAVAILABLE` saying the socket was reset/closed during the dial    | `ADDRESS_UNREACHABLE`   |
 * | `UNAVAILABLE` whose details mention TLS/certificates/handshake      | `TLS_HANDSHAKE_FAILED`  |
 * | `UNAVAILABLE` with a socket/DNS error or "No connection established" | `ADDRESS_UNREACHABLE`  |
 * | `DEADLINE_EXCEEDED` before the channel ever became READY            | `ADDRESS_UNREACHABLE`   |
 * | anything else (incl. server-sent `UNAVAILABLE`, `RESOURCE_EXHAUSTED`) | `STREAM_ERROR`        |
 *
 * The message always names the address and carries the gRPC code name and details text.
 *
 * @packageDocumentation
 */
import { fromBinary } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { status as GrpcStatus, type Metadata } from '@grpc/grpc-js';

import { StatusSchema as RpcStatusSchema } from '../generated/google/rpc/status_pb.js';
import { LeaderAddressSchema } from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import { PeerDialError, type PeeringReason } from '../../peering/index.js';

/** What grpc-js rejects calls with (`ServiceError`), narrowed to what we read. */
export interface GrpcErrorLike {
  code: number;
  details: string;
  metadata?: Metadata;
}

export function isGrpcError(err: unknown): err is GrpcErrorLike {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as Partial<Record<'code' | 'details', unknown>>;
  return typeof e.code === 'number' && typeof e.details === 'string';
}

/** The gRPC codes the classification reads (numeric: grpc-js's `status` is a TS enum). */
const CODE = {
  deadlineExceeded: GrpcStatus.DEADLINE_EXCEEDED as number,
  permissionDenied: GrpcStatus.PERMISSION_DENIED as number,
  unavailable: GrpcStatus.UNAVAILABLE as number,
} as const;

/** `UNAVAILABLE` with this text means the TLS handshake (or certificate verification) failed. */
const TLS_FAILURE_RE =
  /\b(tls|ssl|certificate|cert|handshake|self[- ]signed|unable to verify|altnames|hostname\/ip does not match|alert|wrong version number|ERR_TLS_\w+|ERR_SSL_\w+|EPROTO)\b/i;

/**
 * `UNAVAILABLE` with this text means the connection itself broke (reset, closed, dropped by keepalive). Checked
 * before {@link TLS_FAILURE_RE}: Node words a reset during the handshake "Client network socket disconnected
 * before secure TLS connection was established", which is a lost connection, not a certificate problem.
 */
const DROPPED_RE =
  /\b(ECONNRESET|EPIPE|ETIMEDOUT|socket disconnected before secure TLS|socket hang up|Connection dropped|connection closed|Connection reset)\b/i;

/** `UNAVAILABLE` with this text means no transport could be established (nothing answered, or DNS failed). */
const UNREACHABLE_RE =
  /\b(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EADDRNOTAVAIL|No connection established|Failed to connect|Name resolution failed|DNS resolution failed|connection closed|Connection dropped)\b/i;

/** The upper-case gRPC code name, e.g. `PERMISSION_DENIED`. */
export function grpcCodeName(code: number): string {
  const name = (GrpcStatus as unknown as Record<number, string | undefined>)[code];
  return name ?? `CODE_${code}`;
}

/** Context for {@link classifyGrpcError}. */
export interface ClassifyContext {
  /** What was attempted, for the message: `dial`, `ExchangeSecret`, `StreamResources`. */
  operation: string;
  /** The peer server address (`host:port`). */
  address: string;
  /** Whether the channel had reached READY; a deadline before that means nothing answered. */
  connected: boolean;
  /**
   * Whether this call's stream was up (dialled and connected) before it failed: a transport failure then means
   * an established connection was lost (`CONNECTION_LOST`), not that the peer cannot be reached.
   */
  established?: boolean;
}

/** The reason for a gRPC failure seen by the dialer (see the table in this module's doc). */
export function reasonFor(
  code: number,
  details: string,
  connected: boolean,
  established = false,
): PeeringReason {
  if (code === CODE.permissionDenied) return 'SECRET_REJECTED';
  // Consul and Entente both answer this text when peering is switched off on the peer.
  if (/peering must be enabled/i.test(details)) return 'PEERING_DISABLED_ON_PEER';
  if (code === CODE.unavailable) {
    if (established && (DROPPED_RE.test(details) || UNREACHABLE_RE.test(details))) return 'CONNECTION_LOST';
    if (DROPPED_RE.test(details)) return 'ADDRESS_UNREACHABLE';
    if (TLS_FAILURE_RE.test(details)) return 'TLS_HANDSHAKE_FAILED';
    if (UNREACHABLE_RE.test(details)) return 'ADDRESS_UNREACHABLE';
    return 'STREAM_ERROR';
  }
  if (code === CODE.deadlineExceeded) return connected ? 'STREAM_ERROR' : 'ADDRESS_UNREACHABLE';
  return 'STREAM_ERROR';
}

/**
 * Classifies any failure of a call to a peer into a {@link PeerDialError}. Non-gRPC errors (a local bug, an
 * abort) become `STREAM_ERROR` with their message. A `LeaderAddress` status detail (sent by Consul followers
 * with `FAILED_PRECONDITION`) is appended to the message as a hint.
 */
export function classifyGrpcError(err: unknown, ctx: ClassifyContext): PeerDialError {
  if (err instanceof PeerDialError) return err;
  if (!isGrpcError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return new PeerDialError(
      'STREAM_ERROR',
      `${ctx.operation} to ${ctx.address} failed: ${text}`,
      ctx.address,
    );
  }
  const reason = reasonFor(err.code, err.details, ctx.connected, ctx.established);
  const leader = leaderHint(err.metadata);
  // grpc-js appends an empty "Resolution note: " to connection failures; it says nothing.
  const details = err.details.replace(/\.? Resolution note: *$/, '');
  const message =
    `${ctx.operation} to ${ctx.address} failed: ${grpcCodeName(err.code)}: ${details}` +
    (leader === undefined ? '' : ` (leader address hint: ${leader})`);
  return new PeerDialError(reason, message, ctx.address, err.code);
}

/** Reads `hashicorp.consul.internal.peerstream.LeaderAddress` from `grpc-status-details-bin`, if present. */
function leaderHint(metadata: Metadata | undefined): string | undefined {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return undefined;
  try {
    const st = fromBinary(RpcStatusSchema, raw);
    for (const d of st.details) {
      const la = anyUnpack(d, LeaderAddressSchema);
      if (la !== undefined && la.address !== '') return la.address;
    }
  } catch {
    // A malformed detail is not worth failing over; the status itself is what matters.
  }
  return undefined;
}

/** Rank used to pick the most telling failure among several addresses: further along the dial wins. */
export function reasonRank(reason: PeeringReason): number {
  if (reason === 'ADDRESS_UNREACHABLE') return 0;
  if (reason === 'TLS_HANDSHAKE_FAILED') return 1;
  return 2;
}
