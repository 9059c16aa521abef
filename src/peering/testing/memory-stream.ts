import type { BidiStream, PeerFeatures, ReplicationMessage, StreamError } from '../messages.js';

/** One side of an in-memory stream pair, with the failure it was ended with (for assertions). */
export interface MemoryStream extends BidiStream {
  readonly failedWith: StreamError | undefined;
  readonly sent: ReplicationMessage[];
  /** Silently drops everything this side sends from now on, its end and failure included (a black-holed path). */
  blackhole(): void;
  /** Messages received by this side and not yet read with `recv`. */
  readonly unread: number;
}

/**
 * Unread messages a side holds before the other side's `send` waits (as HTTP/2 flow control and grpc-js's
 * 16-message buffers make a real sender wait for a reader that stopped reading).
 */
export const MEMORY_STREAM_HIGH_WATER = 16;

/**
 * Two connected in-memory streams (Consul's MockStream): what one side sends, the other receives. Messages are
 * deep-copied so neither side can mutate the other's objects. `fail` or `end` on one side ends the other's recv.
 */
export function memoryStreamPair(
  features: PeerFeatures = { chunkedExports: true },
): [MemoryStream, MemoryStream] {
  const a = new Side(features);
  const b = new Side(features);
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class Side implements MemoryStream {
  peer!: Side;
  readonly peerFeatures: PeerFeatures;
  failedWith: StreamError | undefined;
  readonly sent: ReplicationMessage[] = [];
  readonly #queue: (ReplicationMessage | null | Error)[] = [];
  #waiter: ((v: ReplicationMessage | null | Error) => void) | undefined;
  /** Senders (on the other side) waiting for this side to read. */
  #writable: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #closed = false;
  #blackholed = false;

  constructor(features: PeerFeatures) {
    this.peerFeatures = features;
  }

  blackhole(): void {
    this.#blackholed = true;
  }

  get unread(): number {
    return this.#queue.filter((m) => m !== null && !(m instanceof Error)).length;
  }

  /** Resolves when this side's unread backlog is below the high-water mark (the peer may send more). */
  whenWritable(): Promise<void> {
    if (this.unread <= MEMORY_STREAM_HIGH_WATER || this.#closed) return Promise.resolve();
    return new Promise((resolve, reject) => this.#writable.push({ resolve, reject }));
  }

  /** This side closed: senders waiting on it fail. */
  #releaseWriters(err: Error | undefined): void {
    for (const w of this.#writable.splice(0)) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  deliver(v: ReplicationMessage | null | Error): void {
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w(v);
    } else {
      this.#queue.push(v);
    }
  }

  async send(msg: ReplicationMessage): Promise<void> {
    if (this.#closed) throw new Error('stream closed');
    this.sent.push(msg);
    if (this.#blackholed) return;
    this.peer.deliver(structuredClone(msg));
    // Rejects when either side closes while waiting.
    await this.peer.whenWritable();
  }

  async recv(): Promise<ReplicationMessage | null> {
    const v =
      this.#queue.length > 0
        ? this.#queue.shift()
        : await new Promise<ReplicationMessage | null | Error>((r) => (this.#waiter = r));
    if (this.unread <= MEMORY_STREAM_HIGH_WATER) this.#releaseWriters(undefined);
    if (v === undefined) return null;
    if (v instanceof Error) throw v;
    if (v === null) this.#queue.unshift(null);
    return v;
  }

  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#blackholed) this.peer.deliver(null);
    this.peer.#releaseWriters(new Error('stream closed'));
  }

  fail(err: StreamError): void {
    this.failedWith = err;
    this.#closed = true;
    if (!this.#blackholed) this.peer.deliver(new Error(`stream failed: ${err.message}`));
    this.deliver(null);
    this.peer.#releaseWriters(new Error('stream closed'));
    this.#releaseWriters(new Error('stream closed'));
  }
}
