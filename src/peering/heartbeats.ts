import type { Clock, Timer } from '../lib/clock.js';

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
  #out: Timer | undefined;
  #in: Timer | undefined;
  #closed = false;

  constructor(opts: HeartbeatsOptions) {
    this.#o = opts;
    this.#scheduleOut();
    this.received();
  }

  /** The peer is alive (a heartbeat, as Consul counts it). */
  received(): void {
    if (this.#closed) return;
    this.#in?.cancel();
    this.#in = this.#o.clock.after(this.#o.timeoutMs, () => {
      if (this.#closed) return;
      this.close();
      this.#o.onTimeout();
    });
  }

  close(): void {
    this.#closed = true;
    this.#out?.cancel();
    this.#in?.cancel();
  }

  #scheduleOut(): void {
    this.#out = this.#o.clock.after(this.#o.intervalMs, () => {
      if (this.#closed) return;
      this.#o.send();
      this.#scheduleOut();
    });
  }
}
