import type { BidiStream, PeerFeatures, ReplicationMessage, StreamError } from '../messages.js';

/** One side of an in-memory stream pair, with the failure it was ended with (for assertions). */
export interface MemoryStream extends BidiStream {
  readonly failedWith: StreamError | undefined;
  readonly sent: ReplicationMessage[];
  /** Silently drops everything this side sends from now on, its end and failure included (a black-holed path). */
  blackhole(): void;
}

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
  #closed = false;
  #blackholed = false;

  constructor(features: PeerFeatures) {
    this.peerFeatures = features;
  }

  blackhole(): void {
    this.#blackholed = true;
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

  send(msg: ReplicationMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('stream closed'));
    this.sent.push(msg);
    if (!this.#blackholed) this.peer.deliver(structuredClone(msg));
    return Promise.resolve();
  }

  async recv(): Promise<ReplicationMessage | null> {
    const v =
      this.#queue.length > 0
        ? this.#queue.shift()
        : await new Promise<ReplicationMessage | null | Error>((r) => (this.#waiter = r));
    if (v === undefined) return null;
    if (v instanceof Error) throw v;
    if (v === null) this.#queue.unshift(null);
    return v;
  }

  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#blackholed) this.peer.deliver(null);
  }

  fail(err: StreamError): void {
    this.failedWith = err;
    this.#closed = true;
    if (!this.#blackholed) this.peer.deliver(new Error(`stream failed: ${err.message}`));
    this.deliver(null);
  }
}
