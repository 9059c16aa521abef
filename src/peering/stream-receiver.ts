import type { Logger } from '../logging/index.js';
import { applyResponse, type ApplyContext } from './apply-response.js';
import { STREAM_CODE, StreamError, type BidiStream, type ReplicationMessage } from './messages.js';
import { MAX_INFLIGHT_IMPORTS } from './stream-limits.js';
import type { StreamSender } from './stream-sender.js';
import type { Subscriptions } from './subscriptions.js';
import type { PeeringWrite } from './store.js';
import type { StreamTracker } from './tracker.js';

export interface StreamReceiverOptions {
  stream: BidiStream;
  /** Local peering ID and name (for the tracker and logs). */
  id: string;
  name: string;
  /** The PeerID we put in our requests (the remote's ID on the dialer; empty on the acceptor). */
  remoteId: string;
  subscriptions: Subscriptions;
  sender: StreamSender;
  apply: ApplyContext;
  tracker: StreamTracker;
  logger: Logger;
  write: PeeringWrite;
  now(): number;
  /** A heartbeat arrived. */
  onHeartbeat(): void;
  /** The peer subscribed to a resource type (validated). */
  onSubscribe(url: string): void;
  /** Set when the stream is ending: stop reading. */
  stopped(): boolean;
}

/** How reading ended, when it did not throw. */
export type ReceiveEnd = 'terminated-by-peer' | 'ended' | 'stopped';

/**
 * The receiving half of a peer stream: reads messages in order and routes each one. Subscriptions are checked
 * (see Subscriptions); ACK/NACKs settle the sender's nonces and feed the lag figures; responses are imported
 * pipelined (appended in the peer's order, ACKed when committed, at most {@link MAX_INFLIGHT_IMPORTS} in flight:
 * past that, reading waits, which also bounds the ACKs waiting in the sender's control lane); `Terminated` waits
 * for the imports in flight, then marks the peering terminated.
 *
 * Throws a `StreamError` for protocol violations (the caller fails the stream with it).
 */
export class StreamReceiver {
  readonly #o: StreamReceiverOptions;
  readonly #inflight: Promise<void>[] = [];

  constructor(opts: StreamReceiverOptions) {
    this.#o = opts;
  }

  async run(): Promise<ReceiveEnd> {
    const o = this.#o;
    for (;;) {
      const msg = await o.stream.recv();
      if (o.stopped()) return 'stopped';
      if (msg === null) return 'ended';
      switch (msg.kind) {
        case 'open':
          throw new StreamError(STREAM_CODE.invalidArgument, 'unexpected Open on an established stream');
        case 'heartbeat':
          o.tracker.heartbeat(o.id);
          o.onHeartbeat();
          break;
        case 'terminated':
          await Promise.allSettled(this.#inflight);
          o.logger.info({ peer_name: o.name }, 'peer terminated the peering');
          await o.write({ Type: 'peering-terminated', ID: o.id });
          return 'terminated-by-peer';
        case 'request':
          this.#request(msg);
          break;
        case 'response':
          await this.#response(msg);
          break;
      }
    }
  }

  #request(msg: Extract<ReplicationMessage, { kind: 'request' }>): void {
    const o = this.#o;
    if (o.subscriptions.accept(msg) === 'subscribe') {
      o.onSubscribe(msg.resourceUrl);
      return;
    }
    const sent = o.sender.settle(msg.responseNonce);
    if (msg.error) {
      const text = `client peer was unable to apply resource: ${msg.error.message}`;
      o.tracker.nack(o.id, text);
      o.logger.warn(
        { peer_name: o.name, nonce: msg.responseNonce, error: msg.error.message },
        'peer NACKed a resource',
      );
    } else {
      o.tracker.ack(o.id);
      if (sent) o.tracker.lag(o.id, o.now() - sent.observedAt);
    }
  }

  async #response(msg: Extract<ReplicationMessage, { kind: 'response' }>): Promise<void> {
    const o = this.#o;
    // Pipelined: the update is queued now (so the log keeps the peer's order) and acknowledged when the command
    // holding it has committed; meanwhile the next responses are read and coalesced into one batch command.
    // A failed send already ends the stream (see StreamSender); nothing to handle here.
    const applied = applyResponse(o.apply, msg)
      .then((error) =>
        o.sender.sendControl({
          kind: 'request',
          peerId: o.remoteId,
          responseNonce: msg.nonce,
          resourceUrl: msg.resourceUrl,
          error,
        }),
      )
      .catch(() => undefined);
    this.#inflight.push(applied);
    if (this.#inflight.length >= MAX_INFLIGHT_IMPORTS) await this.#inflight.shift();
  }
}
