import type { Clock } from '../lib/clock.js';
import { formatGoDuration } from '../lib/go/duration.js';
import {
  OPERATION,
  formatNonce,
  type BidiStream,
  type ReplicationMessage,
  type Resource,
} from './messages.js';
import type { StreamLimits, StreamSenderStats } from './stream-limits.js';
import type { PeeringReason } from './tracker.js';

/** One message of a resource as it goes out (a chunked service is several). */
export interface OutgoingResource {
  resourceId: string;
  resource: Resource;
}

/**
 * Answers what to send now for a resource marked dirty: its current parts, or `undefined` when the peer already
 * has the current version (nothing to send). Called when the sender reaches the resource, so intermediate
 * versions are never built.
 */
export type ResolveResource = (url: string, id: string) => readonly OutgoingResource[] | undefined;

export interface StreamSenderOptions {
  stream: BidiStream;
  clock: Clock;
  limits: Pick<StreamLimits, 'maxUnackedResponses' | 'ackTimeoutMs'>;
  resolve: ResolveResource;
  /** The stream must end: a send failed, or the ACK bound passed. Called at most once. */
  onFailure(reason: PeeringReason, message: string): void;
  /** A response was handed to the transport. */
  onResponseSent?(): void;
}

interface ControlItem {
  msg: ReplicationMessage;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface DirtyEntry {
  url: string;
  id: string;
  /** When the oldest change not yet sent was observed (replication lag is measured from it). */
  observedAt: number;
}

interface Batch {
  url: string;
  parts: readonly OutgoingResource[];
  next: number;
  observedAt: number;
}

/**
 * The one sender of a peer stream, state of the world per resource (as xDS servers and etcd watchers do).
 *
 * - **Control lane first**: ACK/NACKs, subscription requests and `Terminated` go before any resource, then a due
 *   heartbeat (coalesced: at most one is ever waiting).
 * - **Resources**: a map keyed by (type URL, resource ID) holds which resources changed, not their payloads.
 *   Marking a resource dirty again moves it to the end and keeps the oldest observation time; when the sender
 *   reaches it, it asks `resolve` for the current version, so N changes of one resource while the peer is slow
 *   cost one entry and one send of the latest state.
 * - **Pending nonces capped**: at `maxUnackedResponses` responses without ACK/NACK, resources wait (the map keeps
 *   coalescing); the parts of a chunked service already started still go, so the cap can be passed by at most
 *   one service's parts.
 * - **ACK bound**: when the oldest unacknowledged response, or a send the transport has not accepted, is older
 *   than `ackTimeoutMs`, the stream fails with `ACK_TIMEOUT` and a message saying what was outstanding.
 *
 * Overflow policy, in short: nothing here grows with the number of changes. The map holds at most one entry per
 * resource the peer subscribes to; the control lane at most `MAX_INFLIGHT_IMPORTS` ACK/NACKs (the receiver stops
 * reading until its ACKs are sent) plus four subscription requests and one Terminated.
 */
export class StreamSender {
  readonly #o: StreamSenderOptions;
  readonly #control: ControlItem[] = [];
  readonly #dirty = new Map<string, DirtyEntry>();
  readonly #unacked = new Map<string, { sentAt: number; observedAt: number }>();
  #batch: Batch | undefined;
  #heartbeatDue = false;
  #nonce = 0;
  #responsesSent = 0;
  /** When the send now in the transport started; undefined when none is. */
  #sendingSince: number | undefined;
  /** The ACK-bound timer's handle (the clock's), undefined when none is armed. */
  #ackTimer: unknown;
  #wake: (() => void) | undefined;
  #closed = false;
  #failed = false;
  readonly #done: Promise<void>;

  constructor(opts: StreamSenderOptions) {
    this.#o = opts;
    this.#done = this.#run();
  }

  /** Resolves when the sender loop has ended (after `close`, or a failure). */
  get done(): Promise<void> {
    return this.#done;
  }

  get stats(): StreamSenderStats {
    return {
      dirty: this.#dirty.size,
      unacked: this.#unacked.size,
      control: this.#control.length,
      responsesSent: this.#responsesSent,
    };
  }

  /**
   * Queues an ACK/NACK, subscription request or Terminated ahead of every resource. Resolves when the transport
   * accepted it; rejects when the stream ends first.
   */
  sendControl(msg: ReplicationMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('stream sender closed'));
    return new Promise<void>((resolve, reject) => {
      this.#control.push({ msg, resolve, reject });
      this.#notify();
    });
  }

  /** Asks for a heartbeat to go out; one already waiting covers it. */
  heartbeat(): void {
    this.#heartbeatDue = true;
    this.#notify();
  }

  /** Records that `(url, id)` changed at `observedAt`; its current version is sent when the sender gets to it. */
  markDirty(url: string, id: string, observedAt: number): void {
    if (this.#closed) return;
    const key = `${url}\n${id}`;
    const prev = this.#dirty.get(key);
    if (prev) this.#dirty.delete(key);
    this.#dirty.set(key, { url, id, observedAt: prev?.observedAt ?? observedAt });
    this.#notify();
  }

  /**
   * The peer answered `nonce` (ACK or NACK). Returns when the change it carried was observed, or undefined for a
   * nonce this stream never sent or already settled.
   */
  settle(nonce: string): { observedAt: number } | undefined {
    const p = this.#unacked.get(nonce);
    if (!p) return undefined;
    this.#unacked.delete(nonce);
    this.#notify();
    return { observedAt: p.observedAt };
  }

  /** Stops the loop; queued control messages are rejected. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#o.clock.clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    const err = new Error('stream sender closed');
    for (const c of this.#control.splice(0)) c.reject(err);
    this.#dirty.clear();
    this.#batch = undefined;
    this.#notify();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const next = this.#next();
      if (!next) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      this.#sendingSince = this.#o.clock.now();
      this.#armAckTimer();
      try {
        await this.#o.stream.send(next.msg);
      } catch (err) {
        next.control?.reject(err instanceof Error ? err : new Error(String(err)));
        this.#fail('STREAM_ERROR', `failed to send: ${err instanceof Error ? err.message : String(err)}`);
        return;
      } finally {
        this.#sendingSince = undefined;
      }
      next.control?.resolve();
      if (next.msg.kind === 'response') {
        this.#responsesSent += 1;
        this.#o.onResponseSent?.();
      }
    }
  }

  /** The next message by priority, or undefined when there is nothing to send now. */
  #next(): { msg: ReplicationMessage; control?: ControlItem } | undefined {
    const control = this.#control.shift();
    if (control) return { msg: control.msg, control };
    if (this.#heartbeatDue) {
      this.#heartbeatDue = false;
      return { msg: { kind: 'heartbeat' } };
    }
    const part = this.#nextPart();
    if (!part) return undefined;
    this.#nonce += 1;
    const nonce = formatNonce(this.#nonce);
    this.#unacked.set(nonce, { sentAt: this.#o.clock.now(), observedAt: part.observedAt });
    return {
      msg: {
        kind: 'response',
        nonce,
        resourceUrl: part.url,
        resourceId: part.out.resourceId,
        resource: part.out.resource,
        operation: OPERATION.upsert,
      },
    };
  }

  #nextPart(): { url: string; out: OutgoingResource; observedAt: number } | undefined {
    for (;;) {
      const b = this.#batch;
      if (b) {
        const out = b.parts[b.next];
        b.next += 1;
        if (b.next >= b.parts.length) this.#batch = undefined;
        if (out) return { url: b.url, out, observedAt: b.observedAt };
        continue;
      }
      if (this.#unacked.size >= this.#o.limits.maxUnackedResponses) return undefined;
      const first = this.#dirty.entries().next();
      if (first.done === true) return undefined;
      const [key, entry] = first.value;
      this.#dirty.delete(key);
      const parts = this.#o.resolve(entry.url, entry.id);
      if (parts === undefined || parts.length === 0) continue;
      this.#batch = { url: entry.url, parts, next: 0, observedAt: entry.observedAt };
    }
  }

  /** The start of the oldest thing the peer still owes us: an unacked response or an unaccepted send. */
  #oldestOutstanding(): number | undefined {
    const firstUnacked = this.#unacked.values().next();
    const a = firstUnacked.done === true ? undefined : firstUnacked.value.sentAt;
    const b = this.#sendingSince;
    if (a === undefined) return b;
    if (b === undefined) return a;
    return Math.min(a, b);
  }

  #armAckTimer(): void {
    if (this.#ackTimer !== undefined || this.#closed) return;
    const oldest = this.#oldestOutstanding();
    if (oldest === undefined) return;
    const wait = Math.max(0, oldest + this.#o.limits.ackTimeoutMs - this.#o.clock.now());
    this.#ackTimer = this.#o.clock.setTimeout(() => {
      this.#ackTimer = undefined;
      this.#checkAcks();
    }, wait);
  }

  #checkAcks(): void {
    if (this.#closed) return;
    const oldest = this.#oldestOutstanding();
    if (oldest === undefined) return;
    const now = this.#o.clock.now();
    if (now - oldest < this.#o.limits.ackTimeoutMs) {
      this.#armAckTimer();
      return;
    }
    const bound = formatGoDuration(this.#o.limits.ackTimeoutMs * 1e6);
    const stuck =
      this.#sendingSince !== undefined && now - this.#sendingSince >= this.#o.limits.ackTimeoutMs
        ? '; the peer has not read from the stream for as long (transport window full)'
        : '';
    this.#fail(
      'ACK_TIMEOUT',
      `the peer did not acknowledge replicated resources within ${bound} ` +
        `(${this.#unacked.size} unacknowledged, ${this.#dirty.size} more waiting)${stuck}; ` +
        'the stream was reset so that the next one resyncs from the current state',
    );
  }

  #fail(reason: PeeringReason, message: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.close();
    this.#o.onFailure(reason, message);
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }
}
