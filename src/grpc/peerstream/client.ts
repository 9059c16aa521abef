/**
 * The dialing side of peering over gRPC: `ExchangeSecret` (during Establish) and `StreamResources` (the
 * leader's replication stream), TLS-verified against the peer's CA roots and server name, with no client
 * certificate (Consul's dialer, research §2.2 and §4.1).
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';

import { create } from '@bufbuild/protobuf';
import {
  Client,
  Metadata,
  connectivityState,
  credentials as grpcCredentials,
  status as GrpcStatus,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientDuplexStream,
} from '@grpc/grpc-js';

import {
  ExchangeSecretRequestSchema,
  type ExchangeSecretRequest,
  type ExchangeSecretResponse,
} from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import type { Logger } from '../../logging/index.js';
import {
  ENTENTE_PEERING_FEATURES,
  ENTENTE_PEERING_HEADER,
  PeerDialError,
  type DialTarget,
  type ExchangeSecretFn,
} from '../../peering/index.js';
import { GrpcBidiStream, type PeerBidiStream } from './bidi.js';
import { classifyGrpcError, reasonRank } from './errors.js';
import {
  EXCHANGE_SECRET_PATH,
  STREAM_RESOURCES_PATH,
  exchangeSecretCodec,
  replicationMessageCodec,
} from './methods.js';
import type { OutgoingWireMessage } from './encoded-response.js';
import type { InboundMessage } from './inbound-decode.js';
import { sleep } from '../../lib/sleep.js';

/** Consul's dialer sets 8 MiB call send/receive limits. */
export const DEFAULT_CLIENT_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/**
 * HTTP/2 keepalive of the dialer: a ping every 15 s, 5 s to answer, also without active calls, so a dead
 * connection (blackholed, or a middlebox that went silent) is noticed within 20 s instead of waiting for the
 * 2 min heartbeat timeout. 15 s is the shortest interval a Consul acceptor tolerates (its enforcement policy
 * answers more frequent pings with GOAWAY `too_many_pings`). Configurable: `peering { keepalive_interval,
 * keepalive_timeout }`. (Consul's own dialer: 30 s / 10 s.)
 */
export const CLIENT_KEEPALIVE_TIME_MS = 15_000;
export const CLIENT_KEEPALIVE_TIMEOUT_MS = 5_000;
/** Consul's ExchangeSecret retry: 2 s per attempt, 3 s per pass over the addresses, 150 ms ± 25 % between. */
export const EXCHANGE_ATTEMPT_TIMEOUT_MS = 2_000;
export const EXCHANGE_PASS_TIMEOUT_MS = 3_000;
export const EXCHANGE_RETRY_WAIT_MS = 150;
/** After the channel reports a failed connection, how long `openStream` waits for the call's classified error. */
const TRANSIENT_FAILURE_GRACE_MS = 250;
/** Bound on one whole `exchangeSecret` (every address, every retry): an establish always ends by then. */
export const EXCHANGE_TOTAL_TIMEOUT_MS = 10_000;
/**
 * How long `openStream` waits for the connection (TCP + TLS + HTTP/2) before giving up. Short, because a dial
 * stuck on a dead path delays the first attempt after the path heals; the manager simply dials again.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3_000;
/**
 * grpc-js's reconnect backoff caps at 120 s by default; the peering manager already backs off (and drops a
 * channel whose dial failed, see `openStream`), so the channel is kept from hiding a recovered peer behind a
 * long transport backoff.
 */
export const CHANNEL_MAX_RECONNECT_BACKOFF_MS = 1_000;

export interface PeerTransportOptions {
  logger: Logger;
  /** Send and receive limit per message; defaults to {@link DEFAULT_CLIENT_MAX_MESSAGE_BYTES}. */
  maxMessageBytes?: number;
  /** Defaults to {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
  /** Defaults to {@link EXCHANGE_ATTEMPT_TIMEOUT_MS}. */
  exchangeAttemptTimeoutMs?: number;
  /** Defaults to {@link EXCHANGE_PASS_TIMEOUT_MS}. */
  exchangePassTimeoutMs?: number;
  /** Defaults to {@link EXCHANGE_RETRY_WAIT_MS} (jittered ± 25 %). */
  exchangeRetryWaitMs?: number;
  /** Defaults to {@link EXCHANGE_TOTAL_TIMEOUT_MS}. */
  exchangeTotalTimeoutMs?: number;
  /** HTTP/2 ping interval (ms); defaults to {@link CLIENT_KEEPALIVE_TIME_MS}. */
  keepaliveTimeMs?: number;
  /** How long a ping may go unanswered before the connection is dropped (ms); {@link CLIENT_KEEPALIVE_TIMEOUT_MS}. */
  keepaliveTimeoutMs?: number;
}

/** How to verify a peer's servers. */
export interface PeerTlsTarget {
  /** `server.<dc>.peering.<trust-domain>`: the SNI sent and the name the certificate must carry. */
  serverName: string;
  /**
   * The peer's Connect CA roots. Never empty: Consul dials plaintext for a token without CA, Entente refuses to
   * (`PeerDialError` `TLS_HANDSHAKE_FAILED`) rather than send secrets and catalog data in clear.
   */
  caPems: readonly string[];
}

export interface PeerTransport {
  /** The unary secret exchange, trying each address in turn (see {@link createPeerTransport}). */
  exchangeSecret: ExchangeSecretFn;
  /**
   * Opens a `StreamResources` call and resolves once the connection to `address` is up (TCP, TLS and HTTP/2),
   * so dial failures reject here, classified as {@link PeerDialError}. `signal` covers the dial only: once
   * open, the stream is ended with `end()`/`fail()`. Later failures reject the stream's `recv`/`send` with a
   * `PeerDialError` (e.g. `SECRET_REJECTED` when the peer refuses the Open's secret).
   */
  openStream(address: string, target: PeerTlsTarget, signal: AbortSignal): Promise<PeerBidiStream>;
  /** Cancels open streams and closes every channel. Idempotent. */
  close(): void;
}

interface CachedChannel {
  key: string;
  client: Client;
}

/**
 * Creates the transport. Channels (one HTTP/2 connection each) are cached per (address, server name, CA set)
 * and shared by exchanges and streams; when the CA set for an address and server name changes (a rotated trust
 * bundle), the old channel is closed (its open calls continue) and a new one verifies against the new roots.
 *
 * `exchangeSecret` rotates through `target.addresses`: each attempt has a 2 s deadline, attempts are 150 ms
 * (± 25 %) apart, and the pass ends once every address was tried and 3 s have elapsed. `PERMISSION_DENIED`
 * aborts at once with `SECRET_REJECTED` "a new peering token must be generated: …"; otherwise the most
 * telling failure (furthest along: stream > TLS > unreachable) is thrown, its message listing every address.
 */
export function createPeerTransport(opts: PeerTransportOptions): PeerTransport {
  const log = opts.logger.child({ subsystem: 'peering-transport' });
  const maxBytes = opts.maxMessageBytes ?? DEFAULT_CLIENT_MAX_MESSAGE_BYTES;
  const channels = new Map<string, CachedChannel>();
  const streams = new Set<ClientDuplexStream<OutgoingWireMessage, InboundMessage>>();
  let closed = false;

  const channelFor = (address: string, target: PeerTlsTarget): Client => {
    if (closed) throw new PeerDialError('STREAM_ERROR', 'peering transport is closed', address);
    const slot = `${address}\u0000${target.serverName}`;
    const key = createHash('sha256').update(target.caPems.join('\u0000')).digest('hex');
    const cached = channels.get(slot);
    if (cached?.key === key) return cached.client;
    if (cached) cached.client.close();
    const client = new Client(address, channelCredentials(target, address), {
      ...channelOptions(target.serverName, maxBytes),
      'grpc.keepalive_time_ms': opts.keepaliveTimeMs ?? CLIENT_KEEPALIVE_TIME_MS,
      'grpc.keepalive_timeout_ms': opts.keepaliveTimeoutMs ?? CLIENT_KEEPALIVE_TIMEOUT_MS,
    });
    channels.set(slot, { key, client });
    return client;
  };

  /**
   * Forgets (and closes) the channel of a failed dial or a lost connection, so the next attempt starts a fresh
   * connection at once instead of waiting behind grpc-js's subchannel backoff or a connect stuck on a dead path.
   */
  const dropChannel = (address: string, target: PeerTlsTarget, client: Client): void => {
    const slot = `${address}\u0000${target.serverName}`;
    if (channels.get(slot)?.client !== client) return;
    channels.delete(slot);
    client.close();
  };

  const isReady = (client: Client): boolean =>
    client.getChannel().getConnectivityState(false) === connectivityState.READY;

  const exchangeOnce = (
    address: string,
    target: DialTarget,
    req: { PeerID: string; EstablishmentSecret: string },
    signal: AbortSignal | undefined,
  ): Promise<string> => {
    const client = channelFor(address, target);
    const timeoutMs = opts.exchangeAttemptTimeoutMs ?? EXCHANGE_ATTEMPT_TIMEOUT_MS;
    return new Promise<string>((resolve, reject) => {
      const call = client.makeUnaryRequest<ExchangeSecretRequest, ExchangeSecretResponse>(
        EXCHANGE_SECRET_PATH,
        exchangeSecretCodec.serializeRequest,
        exchangeSecretCodec.deserializeResponse,
        create(ExchangeSecretRequestSchema, req),
        new Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          signal?.removeEventListener('abort', onAbort);
          if (err) {
            reject(
              classifyGrpcError(err, { operation: 'ExchangeSecret', address, connected: isReady(client) }),
            );
          } else if (!res) {
            reject(
              new PeerDialError('STREAM_ERROR', `ExchangeSecret to ${address} returned no response`, address),
            );
          } else {
            resolve(res.StreamSecret);
          }
        },
      );
      const onAbort = (): void => {
        call.cancel();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  const exchangeSecret: ExchangeSecretFn = async (target, req, signal) => {
    const totalMs = opts.exchangeTotalTimeoutMs ?? EXCHANGE_TOTAL_TIMEOUT_MS;
    const deadline = AbortSignal.timeout(totalMs);
    const bounded = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      return await exchangeAll(target, req, bounded);
    } catch (err) {
      if (!deadline.aborted || signal?.aborted) throw err;
      throw new PeerDialError(
        'ADDRESS_UNREACHABLE',
        `failed to exchange the peering secret: no peer server answered within ${totalMs} ms (tried ${[...new Set(target.addresses)].join(', ')})`,
        target.addresses[0] ?? '',
      );
    }
  };

  const exchangeAll = async (
    target: DialTarget,
    req: { PeerID: string; EstablishmentSecret: string },
    signal: AbortSignal,
  ): Promise<string> => {
    // A token may list an address twice; the pass ends once every *distinct* address was tried.
    const addresses = [...new Set(target.addresses)];
    if (addresses.length === 0) {
      throw new PeerDialError(
        'ADDRESS_UNREACHABLE',
        'no peer server addresses to exchange the secret with',
        '',
      );
    }
    const passMs = opts.exchangePassTimeoutMs ?? EXCHANGE_PASS_TIMEOUT_MS;
    const waitMs = opts.exchangeRetryWaitMs ?? EXCHANGE_RETRY_WAIT_MS;
    const started = Date.now();
    const lastByAddress = new Map<string, PeerDialError>();
    for (let attempt = 0; ; attempt += 1) {
      signal.throwIfAborted();
      const address = addresses[attempt % addresses.length] ?? '';
      try {
        return await exchangeOnce(address, target, req, signal);
      } catch (err) {
        signal.throwIfAborted();
        const e =
          err instanceof PeerDialError
            ? err
            : classifyGrpcError(err, { operation: 'ExchangeSecret', address, connected: false });
        if (e.reason === 'SECRET_REJECTED') {
          throw new PeerDialError(
            'SECRET_REJECTED',
            `a new peering token must be generated: ${e.message}`,
            address,
            e.grpcCode,
          );
        }
        lastByAddress.set(address, e);
        log.debug({ address, reason: e.reason, error: e.message }, 'ExchangeSecret attempt failed');
      }
      if (lastByAddress.size >= addresses.length && Date.now() - started >= passMs) break;
      await delay(jitter(waitMs), signal);
    }
    const all = [...lastByAddress.values()];
    let best = all[0];
    for (const e of all) if (best === undefined || reasonRank(e.reason) > reasonRank(best.reason)) best = e;
    if (best === undefined) throw new PeerDialError('ADDRESS_UNREACHABLE', 'no address was tried', '');
    const text = all.map((e) => e.message).join('; ');
    throw new PeerDialError(
      best.reason,
      `failed to exchange the peering secret: ${text}`,
      best.address,
      best.grpcCode,
    );
  };

  const openStream = async (
    address: string,
    target: PeerTlsTarget,
    signal: AbortSignal,
  ): Promise<PeerBidiStream> => {
    signal.throwIfAborted();
    const client = channelFor(address, target);
    // Announce Entente's extensions; a Consul acceptor ignores the header.
    const md = new Metadata();
    md.set(ENTENTE_PEERING_HEADER, ENTENTE_PEERING_FEATURES);
    const call = client.makeBidiStreamRequest<OutgoingWireMessage, InboundMessage>(
      STREAM_RESOURCES_PATH,
      replicationMessageCodec.serialize,
      replicationMessageCodec.deserialize,
      md,
      {},
    );
    streams.add(call);
    const forget = (): void => {
      streams.delete(call);
    };
    call.once('status', forget);
    call.once('close', forget);
    let opened = false;
    const stream = GrpcBidiStream.client(call, address, {
      logger: log.child({ address }),
      mapError: (err) => {
        const e = classifyGrpcError(err, {
          operation: 'StreamResources',
          address,
          connected: opened || isReady(client),
          established: opened,
        });
        if (e.reason === 'CONNECTION_LOST' || e.reason === 'ADDRESS_UNREACHABLE') {
          dropChannel(address, target, client);
        }
        return e;
      },
    });
    try {
      await waitReady(
        client,
        call,
        opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
        signal,
        address,
        () => stream.error,
      );
    } catch (err) {
      call.cancel();
      dropChannel(address, target, client);
      throw err;
    }
    opened = true;
    return stream;
  };

  const close = (): void => {
    if (closed) return;
    closed = true;
    for (const call of streams) call.cancel();
    streams.clear();
    for (const { client } of channels.values()) client.close();
    channels.clear();
  };

  return { exchangeSecret, openStream, close };
}

/**
 * Resolves when the channel is READY; rejects with the call's classified error if the call fails first (a
 * refused connection or failed handshake fails a non-wait-for-ready call with `UNAVAILABLE` and the cause in
 * the details), with `ADDRESS_UNREACHABLE` on timeout, or with `signal.reason` on abort.
 */
function waitReady(
  client: Client,
  call: ClientDuplexStream<OutgoingWireMessage, InboundMessage>,
  timeoutMs: number,
  signal: AbortSignal,
  address: string,
  callError: () => Error | undefined,
): Promise<void> {
  const channel = client.getChannel();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const deadline = Date.now() + timeoutMs;
    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      call.off('error', onError);
      call.off('status', onStatus);
      if (err === undefined) resolve();
      else reject(err instanceof Error ? err : new Error('dial aborted'));
    };
    const onAbort = (): void => {
      finish(signal.reason);
    };
    const onError = (): void => {
      // The adapter's own 'error' listener ran first (registered earlier) and classified the error.
      finish(
        callError() ?? new PeerDialError('STREAM_ERROR', `StreamResources to ${address} failed`, address),
      );
    };
    const onStatus = (st: { code: number; details: string }): void => {
      if (st.code === (GrpcStatus.OK as number)) {
        // The call completed before the channel reported READY: it was connected.
        finish();
      }
    };
    const watch = (): void => {
      const state = channel.getConnectivityState(true);
      if (state === connectivityState.READY) {
        finish();
        return;
      }
      if (settled) return;
      if (state === connectivityState.TRANSIENT_FAILURE) {
        // NOTE: one connection attempt per dial. Watching on would let grpc-js reconnect on its own backoff
        // (several connections per dial against a peer that resets them); the manager's backoff decides instead.
        // The call fails with the classified cause (certificate, refused, ...) within a few ms; wait for it
        // briefly (onError settles first), then report the bare failure.
        setTimeout(() => {
          finish(
            callError() ??
              new PeerDialError(
                'ADDRESS_UNREACHABLE',
                `dial to ${address} failed: the connection could not be established`,
                address,
                GrpcStatus.UNAVAILABLE,
              ),
          );
        }, TRANSIENT_FAILURE_GRACE_MS);
        return;
      }
      channel.watchConnectivityState(state, deadline, (err) => {
        if (settled) return;
        if (err) {
          finish(
            new PeerDialError(
              'ADDRESS_UNREACHABLE',
              `dial to ${address} failed: no connection within ${timeoutMs} ms (state ${connectivityState[state]})`,
              address,
              GrpcStatus.DEADLINE_EXCEEDED,
            ),
          );
          return;
        }
        watch();
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    call.on('error', onError);
    call.on('status', onStatus);
    watch();
  });
}

function channelCredentials(target: PeerTlsTarget, address: string): ChannelCredentials {
  if (target.caPems.length === 0) {
    throw new PeerDialError(
      'TLS_HANDSHAKE_FAILED',
      `refusing to dial ${address} without TLS: the peering token carried no CA certificates`,
      address,
    );
  }
  const roots = target.caPems.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('');
  return grpcCredentials.createSsl(Buffer.from(roots));
}

function channelOptions(serverName: string, maxBytes: number): ChannelOptions {
  return {
    // SNI and certificate verification use the peering server name, not the dialed address.
    'grpc.ssl_target_name_override': serverName,
    'grpc.default_authority': serverName,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_send_message_length': maxBytes,
    'grpc.max_receive_message_length': maxBytes,
    'grpc.initial_reconnect_backoff_ms': Math.min(250, CHANNEL_MAX_RECONNECT_BACKOFF_MS),
    'grpc.max_reconnect_backoff_ms': CHANNEL_MAX_RECONNECT_BACKOFF_MS,
    // Private subchannels: close() really closes this transport's connections.
    'grpc.use_local_subchannel_pool': 1,
  };
}

function jitter(ms: number): number {
  return ms * (0.75 + Math.random() * 0.5);
}

/** Like `sleep`, but rejects with the abort reason: an aborted exchange must not go on to the next address. */
async function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  await sleep(ms, signal);
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
