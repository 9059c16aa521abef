import type { Clock } from '../clock.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A {@link Clock} that only moves when told. {@link advance} fires due timers in time order and lets the async work
 * they start (writes) settle before firing the next.
 */
export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, Pending>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#seq;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Number of armed timers. */
  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Moves time forward by `ms`, firing each due timer and settling what it started. `idle`, when given, is awaited
   * too before each step: work that takes real time (signing on the thread pool) finishes before time moves on.
   */
  async advance(ms: number, idle?: () => Promise<void>): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      if (idle) {
        await idle();
        await settle();
      }
      let next: Pending | undefined;
      for (const t of this.#timers.values()) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      }
      if (!next) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = end;
    await settle();
    if (idle) {
      await idle();
      await settle();
    }
  }
}

/** Lets pending promise chains and I/O callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => {
      setImmediate(resolve);
    });
  }
}
