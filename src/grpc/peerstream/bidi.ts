/**
 * Adapts a grpc-js duplex call (server `ServerDuplexStream` or client `ClientDuplexStream`) of generated
 * `ReplicationMessage`s to the domain {@link BidiStream}.
 *
 * Backpressure, both ways, with no unbounded queue:
 *
 * - **send** writes one message and, when `write()` returns false (the writable buffer reached its high-water
 *   mark of 16 messages), waits for `'drain'` before resolving. Sends are serialised, so concurrent callers
 *   queue behind the one waiting, never inside the transport. HTTP/2 flow control makes `'drain'` wait for the
 *   peer to read.
 * - **recv** pulls with `read()` (paused mode, never a `'data'` listener). grpc-js asks HTTP/2 for the next
 *   message only when the readable buffer is below its high-water mark, so an unread backlog stays at about 16
 *   messages and a slow reader stalls the *peer's* sender instead of growing memory here.
 * - **Overflow policy**: should the readable buffer ever hold more than `maxQueuedMessages` (default 1024)
 *   messages (it cannot with grpc-js 1.14, which pushes only on demand; this guards against a transport change),
 *   the stream is failed with `RESOURCE_EXHAUSTED` rather than buffering without bound.
 *
 * @packageDocumentation
 */
import type {
  ClientDuplexStream,
  Metadata,
  MetadataValue,
  ServerDuplexStream,
  StatusObject,
} from '@grpc/grpc-js';

import {
  ENTENTE_PEERING_HEADER,
  NO_PEER_FEATURES,
  STREAM_CODE,
  StreamError,
  parsePeerFeatures,
  type BidiStream,
  type PeerFeatures,
  type ReplicationMessage,
} from '../../peering/index.js';
import type { Logger } from '../../logging/index.js';
import { toWireMessage, type OutgoingWireMessage } from './encoded-response.js';
import type { InboundMessage } from './inbound-decode.js';

/** Default bound on unread received messages before the stream is failed (see the overflow policy). */
export const DEFAULT_MAX_QUEUED_MESSAGES = 1024;

/** Counters for tests and diagnostics. */
export interface BidiStreamStats {
  /** Messages handed to the transport. */
  sent: number;
  /** Messages received (including ignored payload-less ones). */
  received: number;
  /** Times a send found the writable buffer full and waited for `'drain'`. */
  drainWaits: number;
  /** Largest number of received-but-unread messages observed after a read. */
  maxQueued: number;
}

/** A {@link BidiStream} over gRPC, with counters. */
export interface PeerBidiStream extends BidiStream {
  readonly stats: Readonly<BidiStreamStats>;
  /** The peer's address as grpc-js reports it (`ip:port`), or the dialed address on the client. */
  readonly peer: string;
}

type PbServerStream = ServerDuplexStream<InboundMessage, OutgoingWireMessage>;

/** The part of a grpc-js object-mode duplex call the adapter uses (both sides are Node streams). */
interface DuplexLike {
  read(): unknown;
  readonly readableLength: number;
  readonly readableEnded: boolean;
  write(chunk: OutgoingWireMessage): boolean;
  readonly writableNeedDrain: boolean;
  end(): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}
type PbClientStream = ClientDuplexStream<OutgoingWireMessage, InboundMessage>;

/** Options of {@link GrpcBidiStream}. */
export interface GrpcBidiStreamOptions {
  logger: Logger;
  /**
   * Turns a transport error (grpc-js `ServiceError` on the client) into what `recv`/`send` reject with. The
   * client maps to `PeerDialError` (see errors.ts); the server wraps in a plain `Error`.
   */
  mapError: (err: unknown) => Error;
  /** Defaults to {@link DEFAULT_MAX_QUEUED_MESSAGES}. */
  maxQueuedMessages?: number;
}

type Side =
  { kind: 'server'; call: PbServerStream } | { kind: 'client'; call: PbClientStream; address: string };

/**
 * The adapter. Construct it with {@link GrpcBidiStream.server} or {@link GrpcBidiStream.client}.
 *
 * Lifecycle: `end()` half-closes (client) or finishes the call with status OK once queued writes are flushed
 * (server); `fail(err)` ends the call with `err.grpcCode`/`err.message` (server) or cancels it (client). Both are
 * idempotent, and after either, `send` rejects. `recv` keeps returning what was already received, then `null`
 * (the peer finished cleanly) or rejects (the call failed).
 */
export class GrpcBidiStream implements PeerBidiStream {
  readonly #side: Side;
  readonly #duplex: DuplexLike;
  readonly #log: Logger;
  readonly #mapError: (err: unknown) => Error;
  readonly #maxQueued: number;
  readonly #stats: BidiStreamStats = { sent: 0, received: 0, drainWaits: 0, maxQueued: 0 };
  /** Terminal receive-side error (transport failure, cancellation, local fail). */
  #error: Error | undefined;
  /** The peer half-closed / finished: `recv` yields `null` once the buffer is empty. */
  #readEnded = false;
  /** Server only: the end of the readable side was re-checked for a cancellation (see #recvOne). */
  #endSettled = false;
  /** We ended or failed: no more sends. */
  #closedLocally = false;
  /** Why sends now fail (set with the first terminal event). */
  #sendError: Error | undefined;
  /** Wakes a waiting `recv` or `send`. */
  #wake: (() => void) | undefined;
  #recvChain: Promise<unknown> = Promise.resolve();
  #peerFeatures: PeerFeatures = NO_PEER_FEATURES;
  #sendChain: Promise<unknown> = Promise.resolve();

  private constructor(side: Side, opts: GrpcBidiStreamOptions) {
    this.#side = side;
    if (side.kind === 'server') {
      this.#peerFeatures = parsePeerFeatures(metadataText(side.call.metadata.get(ENTENTE_PEERING_HEADER)));
    } else {
      side.call.on('metadata', (md: Metadata) => {
        this.#peerFeatures = parsePeerFeatures(metadataText(md.get(ENTENTE_PEERING_HEADER)));
      });
    }
    this.#duplex = side.call;
    this.#log = opts.logger;
    this.#mapError = opts.mapError;
    this.#maxQueued = opts.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES;
    const d = this.#duplex;
    // A 'readable' listener keeps the stream in paused mode: grpc-js fills the buffer up to its high-water
    // mark and then waits for read().
    d.on('readable', this.#notify);
    d.on('drain', this.#notify);
    d.on('end', () => {
      this.#readEnded = true;
      this.#notify();
    });
    d.on('error', (err) => {
      // On the server we only see errors we emitted ourselves in fail(); #error is already set then.
      this.#terminate(this.#mapError(err));
    });
    d.on('close', () => {
      if (!this.#readEnded)
        this.#terminate(this.#mapError(new Error('stream closed before the peer finished it')));
      this.#sendError ??= new Error('stream closed');
      this.#notify();
    });
    if (side.kind === 'server') {
      side.call.on('cancelled', () => {
        this.#terminate(
          this.#mapError(new Error('the peer cancelled the stream or its connection was lost')),
        );
      });
    } else {
      side.call.on('status', (st: StatusObject) => {
        // The server finished the call: nothing we send is read any more.
        this.#sendError ??= new Error(`stream finished by the peer (status ${st.code}: ${st.details})`);
        this.#notify();
      });
    }
  }

  /** Wraps a server call (`StreamResources` handler argument). */
  static server(call: PbServerStream, opts: GrpcBidiStreamOptions): GrpcBidiStream {
    return new GrpcBidiStream({ kind: 'server', call }, opts);
  }

  /** Wraps a client call returned by `makeBidiStreamRequest`. */
  static client(call: PbClientStream, address: string, opts: GrpcBidiStreamOptions): GrpcBidiStream {
    return new GrpcBidiStream({ kind: 'client', call, address }, opts);
  }

  /**
   * Entente features the peer announced in its headers (request headers on the server, response headers on the
   * client; the latter arrive before the first message). Consul peers announce none.
   */
  get peerFeatures(): PeerFeatures {
    return this.#peerFeatures;
  }

  get stats(): Readonly<BidiStreamStats> {
    return this.#stats;
  }

  get peer(): string {
    return this.#side.kind === 'server' ? this.#side.call.getPeer() : this.#side.address;
  }

  /** The transport error that ended the stream, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  send(msg: ReplicationMessage): Promise<void> {
    const p = this.#sendChain.then(() => this.#sendOne(msg));
    this.#sendChain = p.catch(() => undefined);
    return p;
  }

  recv(): Promise<ReplicationMessage | null> {
    const p = this.#recvChain.then(() => this.#recvOne());
    this.#recvChain = p.catch(() => undefined);
    return p;
  }

  end(): void {
    if (this.#closedLocally) return;
    this.#closedLocally = true;
    this.#sendError ??= new Error('stream ended locally');
    this.#duplex.end();
    this.#notify();
  }

  fail(err: StreamError): void {
    if (this.#closedLocally) return;
    this.#closedLocally = true;
    this.#sendError ??= err;
    this.#error ??= err;
    if (this.#side.kind === 'server') {
      // grpc-js's ServerDuplexStream turns an 'error' event into the call's final status (code + details).
      const e = Object.assign(new Error(err.message), { code: err.grpcCode, details: err.message });
      this.#side.call.emit('error', e);
    } else {
      this.#side.call.cancel();
    }
    this.#notify();
  }

  async #sendOne(msg: ReplicationMessage): Promise<void> {
    const blocked = this.#sendError ?? this.#error;
    if (blocked) throw blocked;
    const ok = this.#duplex.write(toWireMessage(msg));
    this.#stats.sent += 1;
    if (ok) return;
    this.#stats.drainWaits += 1;
    // Wait until the buffer drained (writableNeedDrain cleared) or the stream can no longer send.
    while (this.#duplex.writableNeedDrain) {
      const err = this.#sendError ?? this.#error;
      if (err) throw err;
      await this.#waitEvent();
    }
  }

  async #recvOne(): Promise<ReplicationMessage | null> {
    for (;;) {
      // Object mode: one message (decoded by the codec's deserialiser) or null.
      const msg = this.#duplex.read() as InboundMessage | null;
      if (msg !== null) {
        this.#stats.received += 1;
        const queued = this.#duplex.readableLength;
        if (queued > this.#stats.maxQueued) this.#stats.maxQueued = queued;
        if (queued > this.#maxQueued) {
          const err = new StreamError(
            STREAM_CODE.resourceExhausted,
            `more than ${this.#maxQueued} received messages are waiting to be processed`,
          );
          this.fail(err);
          throw err;
        }
        if (msg.kind === 'ignored') {
          this.#log.debug({ peer: this.peer }, 'ignoring a replication message without a known payload');
          continue;
        }
        return msg;
      }
      if (this.#error) throw this.#error;
      if (this.#readEnded || this.#duplex.readableEnded) {
        if (this.#side.kind === 'server' && !this.#endSettled) {
          // NOTE: a client cancel (RST_STREAM) first ends the readable side like a half-close; grpc-js reports
          // the cancellation a few ticks later. Let those ticks run before calling it a clean end.
          this.#endSettled = true;
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        return null;
      }
      await this.#waitEvent();
    }
  }

  #terminate(err: Error): void {
    this.#error ??= err;
    this.#sendError ??= this.#error;
    this.#notify();
  }

  readonly #notify = (): void => {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  };

  /** Resolves at the next stream event; one waiter at a time per direction is guaranteed by the chains. */
  #waitEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      const prev = this.#wake;
      this.#wake = () => {
        prev?.();
        resolve();
      };
    });
  }
}

function metadataText(values: MetadataValue[]): string {
  return values.map((v) => (typeof v === 'string' ? v : v.toString('utf8'))).join(',');
}
