import type { Clock } from '../lib/clock.js';

export interface HeartbeatsOptions {
  clock: Clock;
  /** How often to send one (ms); Consul: 15 s. */
  intervalMs: number;
  /** Silence from the peer after which the stream is dropped (ms); Consul: 2 min. */
  timeoutMs: number;
  /** Asks the sender for a heartbeat (it coalesces). */
  send(): void;
  /** Nothing arrived from the peer for `timeoutMs`. Called at most once. */
  onTimeout(): void;
}

/** Heartbeats out every `intervalMs`; `received()` on every message in re-arms the silence timeout. */
export class Heartbeats {
  readonly #o: HeartbeatsOptions;
  #out: unknown;
  #in: unknown;
  #closed = false;

  constructor(opts: HeartbeatsOptions) {
    this.#o = opts;
    this.#scheduleOut();
    this.received();
  }

  /** The peer is alive (a heartbeat, as Consul counts it). */
  received(): void {
    if (this.#closed) return;
    this.#o.clock.clearTimeout(this.#in);
    this.#in = this.#o.clock.setTimeout(() => {
      if (this.#closed) return;
      this.close();
      this.#o.onTimeout();
    }, this.#o.timeoutMs);
  }

  close(): void {
    this.#closed = true;
    this.#o.clock.clearTimeout(this.#out);
    this.#o.clock.clearTimeout(this.#in);
  }

  #scheduleOut(): void {
    this.#out = this.#o.clock.setTimeout(() => {
      if (this.#closed) return;
      this.#o.send();
      this.#scheduleOut();
    }, this.#o.intervalMs);
  }
}
