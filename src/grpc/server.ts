/**
 * The external gRPC TLS listener peers connect to: `hashicorp.consul.internal.peerstream.PeerStreamService`
 * (`ExchangeSecret` unary, `StreamResources` bidi), served with the Connect-CA-signed peering server
 * certificate and no client-certificate request, as Consul serves the peering SNI (see
 * /work/shared/research/peering-control-plane.md §4.7).
 *
 * @packageDocumentation
 */
import { createSecureContext } from 'node:tls';

import { create } from '@bufbuild/protobuf';
import {
  Metadata,
  Server,
  experimental,
  status as GrpcStatus,
  type ServerDuplexStream,
  type ServerErrorResponse,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';

import { PeeringService } from './generated/hashicorp/consul/internal/peering/peering_pb.js';
import {
  ExchangeSecretResponseSchema,
  type ExchangeSecretRequest,
  type ExchangeSecretResponse,
} from './generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import { toGrpcError } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import {
  ENTENTE_PEERING_FEATURES,
  ENTENTE_PEERING_HEADER,
  PeerDialError,
  StreamError,
  type BidiStream,
} from '../peering/index.js';
import { GrpcBidiStream } from './peerstream/bidi.js';
import {
  EXCHANGE_SECRET_PATH,
  INVALID_ENDPOINT_MESSAGE,
  STREAM_RESOURCES_PATH,
  exchangeSecretCodec,
  replicationMessageCodec,
} from './peerstream/methods.js';
import type { OutgoingWireMessage } from './peerstream/encoded-response.js';
import type { InboundMessage } from './peerstream/inbound-decode.js';

/** Consul's acceptor keeps gRPC's default receive limit. Entente-to-Entente deployments may raise it. */
export const DEFAULT_SERVER_MAX_RECEIVE_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Consul's keepalive enforcement minimum (`keepalive.EnforcementPolicy{MinTime: 15s}`). */
export const SERVER_MIN_PING_INTERVAL_MS = 15_000;

/** Consul's external gRPC server allows 2048 concurrent streams per connection. */
export const SERVER_MAX_CONCURRENT_STREAMS = 2048;

/** Acceptor keepalive: a ping to each dialer every 15 s, dropped after 5 s without an answer. */
export const SERVER_KEEPALIVE_TIME_MS = 15_000;
export const SERVER_KEEPALIVE_TIMEOUT_MS = 5_000;

/** How long `close()` lets calls finish before cancelling them. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/** PEM material of the listener: the peering server leaf (and its key), and the CA that issued it. */
export interface ServerTlsCredentials {
  certPem: string;
  keyPem: string;
  /** Not used for client verification (no client certificate is requested); kept for chain building. */
  caPem: string;
}

/** What the listener dispatches to (implemented by the peering service / manager). */
export interface PeerStreamHandlers {
  /**
   * Burns the establishment secret and returns a new stream secret. Throws a `StreamError` to answer with its
   * gRPC code and message (e.g. `PERMISSION_DENIED` "invalid peering establishment secret"); any other error
   * answers `INTERNAL` without details.
   */
  exchangeSecret(req: { PeerID: string; EstablishmentSecret: string }): Promise<string>;
  /**
   * Runs one `StreamResources` call to completion. Resolving ends the call with status OK (if the handler has
   * not already ended or failed it); rejecting with a `StreamError` ends it with that status, anything else
   * with `INTERNAL`.
   */
  streamResources(stream: BidiStream): Promise<void>;
}

export interface GrpcTlsServerOptions {
  logger: Logger;
  handlers: PeerStreamHandlers;
  /** Read at `listen()` and on `reloadCredentials()`. */
  credentials: () => ServerTlsCredentials;
  /**
   * Largest message accepted, in bytes; defaults to {@link DEFAULT_SERVER_MAX_RECEIVE_MESSAGE_BYTES} like
   * Consul's acceptor. Larger messages end the call with `RESOURCE_EXHAUSTED`. Consul dialers send up to 8 MiB,
   * so between Entente clusters a larger value (e.g. 8 MiB) avoids failing on large exported services.
   */
  maxReceiveMessageBytes?: number;
  /** Grace period of `close()` before open calls are cancelled; defaults to {@link DEFAULT_SHUTDOWN_GRACE_MS}. */
  shutdownGraceMs?: number;
  /**
   * HTTP/2 ping interval towards each connected dialer (ms); defaults to {@link SERVER_KEEPALIVE_TIME_MS}. A dialer
   * that does not answer within `keepaliveTimeoutMs` loses its connection, and its stream ends with
   * `CONNECTION_LOST`: an acceptor no longer reports ACTIVE through a blackhole until the 2 min heartbeat timeout.
   * Clients never police server pings (Consul's dialer included), so short intervals are safe.
   */
  keepaliveTimeMs?: number;
  /** Defaults to {@link SERVER_KEEPALIVE_TIMEOUT_MS}. */
  keepaliveTimeoutMs?: number;
}

/**
 * The peering gRPC TLS server.
 *
 * Only `PeerStreamService` is served. Every method of `hashicorp.consul.internal.peering.PeeringService` (the
 * management API Consul serves on the same port) is registered to answer `PERMISSION_DENIED` "invalid
 * permissions to the specified endpoint", as Consul's interceptor does for the peering SNI. Any other path
 * gets grpc-js's `UNIMPLEMENTED`: grpc-js dispatches unknown paths before interceptors run, so a catch-all
 * is not possible; a peer learns the same thing (it may not call it).
 *
 * Keepalive: grpc-js 1.14 servers do not police client pings, so Consul's 15 s minimum ping interval is passed
 * as `grpc.http2.min_ping_interval_without_data_ms` for the record but not enforced; our own dialer pings
 * every 30 s.
 */
export class GrpcTlsServer {
  readonly #o: GrpcTlsServerOptions;
  readonly #log: Logger;
  readonly #server: Server;
  readonly #identity = new IdentityProvider();
  readonly #streams = new Set<GrpcBidiStream>();
  #listening: Promise<number> | undefined;
  #closing: Promise<void> | undefined;

  constructor(opts: GrpcTlsServerOptions) {
    this.#o = opts;
    this.#log = opts.logger.child({ subsystem: 'grpc' });
    this.#server = new Server({
      'grpc.max_receive_message_length':
        opts.maxReceiveMessageBytes ?? DEFAULT_SERVER_MAX_RECEIVE_MESSAGE_BYTES,
      'grpc.max_concurrent_streams': SERVER_MAX_CONCURRENT_STREAMS,
      'grpc.http2.min_ping_interval_without_data_ms': SERVER_MIN_PING_INTERVAL_MS,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.keepalive_time_ms': opts.keepaliveTimeMs ?? SERVER_KEEPALIVE_TIME_MS,
      'grpc.keepalive_timeout_ms': opts.keepaliveTimeoutMs ?? SERVER_KEEPALIVE_TIMEOUT_MS,
    });
    this.#register();
  }

  /**
   * Binds `host:port` (port 0 picks one) and starts serving. Resolves with the bound port. The credentials are
   * read now; a failure to read or parse them rejects before anything is bound.
   */
  listen(host: string, port: number): Promise<number> {
    if (this.#closing) return Promise.reject(new Error('server is closed'));
    if (this.#listening) return Promise.reject(new Error('server is already listening'));
    try {
      this.#identity.update(loadCredentials(this.#o.credentials));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    // NOTE: grpc-js's typings name the first parameter `caCertificateProvider`, but it is passed on as the
    // identity provider; the second (CA) is null, so no client certificate is requested.
    const creds = experimental.createCertificateProviderServerCredentials(this.#identity, null, false);
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    this.#listening = new Promise<number>((resolve, reject) => {
      this.#server.bindAsync(`${hostPart}:${port}`, creds, (err, bound) => {
        if (err) {
          reject(err);
          return;
        }
        this.#log.info({ address: `${hostPart}:${bound}` }, 'peering gRPC TLS server listening');
        resolve(bound);
      });
    });
    return this.#listening;
  }

  /**
   * Re-reads the credentials (after the leaf was renewed or the CA rotated). New connections present the new
   * certificate; established ones keep theirs. Throws, keeping the current certificate, if the new material
   * does not form a valid key pair.
   */
  reloadCredentials(): void {
    this.#identity.update(loadCredentials(this.#o.credentials));
  }

  /** Number of `StreamResources` calls currently open. */
  get activeStreams(): number {
    return this.#streams.size;
  }

  /**
   * Stops accepting calls, lets open calls finish for the grace period, then cancels the rest
   * (`tryShutdown`, then `forceShutdown`). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      const grace = setTimeout(() => {
        this.#log.debug({ streams: this.#streams.size }, 'grace period over; cancelling open calls');
        this.#server.forceShutdown();
      }, this.#o.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
      grace.unref();
      this.#server.tryShutdown(() => {
        clearTimeout(grace);
        resolve();
      });
    });
    return this.#closing;
  }

  #register(): void {
    this.#server.register<InboundMessage, OutgoingWireMessage>(
      STREAM_RESOURCES_PATH,
      (call: ServerDuplexStream<InboundMessage, OutgoingWireMessage>) => {
        this.#onStream(call);
      },
      replicationMessageCodec.serialize,
      replicationMessageCodec.deserialize,
      'bidi',
    );
    this.#server.register<ExchangeSecretRequest, ExchangeSecretResponse>(
      EXCHANGE_SECRET_PATH,
      (
        call: ServerUnaryCall<ExchangeSecretRequest, ExchangeSecretResponse>,
        cb: sendUnaryData<ExchangeSecretResponse>,
      ) => {
        this.#onExchangeSecret(call, cb);
      },
      exchangeSecretCodec.serializeResponse,
      exchangeSecretCodec.deserializeRequest,
      'unary',
    );
    // Consul's peering SNI only admits PeerStreamService; deny its management service explicitly.
    for (const method of PeeringService.methods) {
      this.#server.register<Buffer, Buffer>(
        `/${PeeringService.typeName}/${method.name}`,
        (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Buffer>) => {
          cb(serviceError(GrpcStatus.PERMISSION_DENIED, INVALID_ENDPOINT_MESSAGE));
        },
        (b: Buffer) => b,
        (b: Buffer) => b,
        'unary',
      );
    }
  }

  #onExchangeSecret(
    call: ServerUnaryCall<ExchangeSecretRequest, ExchangeSecretResponse>,
    cb: sendUnaryData<ExchangeSecretResponse>,
  ): void {
    const req = { PeerID: call.request.PeerID, EstablishmentSecret: call.request.EstablishmentSecret };
    this.#o.handlers.exchangeSecret(req).then(
      (secret) => {
        cb(null, create(ExchangeSecretResponseSchema, { StreamSecret: secret }));
      },
      (err: unknown) => {
        if (err instanceof StreamError) {
          cb(serviceError(err.grpcCode, err.message));
          return;
        }
        const reply = toGrpcError(err);
        if (reply.unexpected) {
          this.#log.error({ err, peer: call.getPeer(), peer_id: req.PeerID }, 'ExchangeSecret failed');
        }
        cb(serviceError(reply.code, reply.message));
      },
    );
  }

  #onStream(call: ServerDuplexStream<InboundMessage, OutgoingWireMessage>): void {
    const log = this.#log.child({ peer: call.getPeer() });
    // Tell Entente dialers which extensions this side speaks (response headers, before any message).
    const md = new Metadata();
    md.set(ENTENTE_PEERING_HEADER, ENTENTE_PEERING_FEATURES);
    call.sendMetadata(md);
    const stream = GrpcBidiStream.server(call, {
      logger: log,
      // Server-side transport errors are the dialer going away: its cancel, a reset, or a keepalive timeout.
      mapError: (err) =>
        new PeerDialError(
          'CONNECTION_LOST',
          `connection to the dialing peer was lost: ${err instanceof Error ? err.message : String(err)}`,
          call.getPeer(),
        ),
    });
    this.#streams.add(stream);
    log.debug('StreamResources call started');
    this.#o.handlers.streamResources(stream).then(
      () => {
        stream.end();
      },
      (err: unknown) => {
        if (err instanceof StreamError) {
          stream.fail(err);
          return;
        }
        const reply = toGrpcError(err);
        if (reply.unexpected) log.error({ err }, 'StreamResources handler failed');
        stream.fail(new StreamError(reply.code, reply.message));
      },
    );
    call.once('close', () => {
      this.#streams.delete(stream);
    });
    call.once('cancelled', () => {
      this.#streams.delete(stream);
    });
  }
}

function serviceError(code: number, details: string): ServerErrorResponse {
  return Object.assign(new Error(details), { code: toGrpcStatus(code), details });
}

/** A numeric code as grpc-js's enum; a value outside it becomes `UNKNOWN`. */
function toGrpcStatus(code: number): GrpcStatus {
  return (
    Object.values(GrpcStatus).find((v): v is GrpcStatus => typeof v === 'number' && v.valueOf() === code) ??
    GrpcStatus.UNKNOWN
  );
}

/** Reads and validates the PEMs (a bad pair must not reach grpc-js, which would then drop every connection). */
function loadCredentials(read: () => ServerTlsCredentials): experimental.IdentityCertificateUpdate {
  const c = read();
  createSecureContext({ cert: c.certPem, key: c.keyPem });
  return { certificate: Buffer.from(c.certPem), privateKey: Buffer.from(c.keyPem) };
}

/**
 * A grpc-js certificate provider holding the current identity. Listeners are called asynchronously: grpc-js
 * registers its own watcher only after subscribing to the provider, so a synchronous first update would be lost.
 */
class IdentityProvider implements experimental.CertificateProvider {
  #latest: experimental.IdentityCertificateUpdate | null = null;
  readonly #listeners = new Set<experimental.IdentityCertificateUpdateListener>();

  update(identity: experimental.IdentityCertificateUpdate): void {
    this.#latest = identity;
    for (const l of this.#listeners) {
      queueMicrotask(() => {
        l(identity);
      });
    }
  }

  addCaCertificateListener(): void {
    // No CA: client certificates are not requested.
  }

  removeCaCertificateListener(): void {
    // No CA listeners are kept.
  }

  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.#listeners.add(listener);
    const latest = this.#latest;
    if (latest !== null) {
      queueMicrotask(() => {
        listener(latest);
      });
    }
  }

  removeIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    this.#listeners.delete(listener);
  }
}
