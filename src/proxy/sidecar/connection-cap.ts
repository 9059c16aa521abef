/**
 * A listener's connection cap. Overflow policy: a connection accepted while `max` are open is closed at once
 * (RST-free: `destroy()` right after accept, before any byte is read or an upstream dialled) and counted as
 * `rejected_over_cap`; nothing is queued, so a flood costs one accept and one close each.
 */
export class ConnectionCap {
  readonly max: number;
  #open = 0;

  constructor(max: number) {
    if (!(Number.isInteger(max) && max > 0))
      throw new RangeError(`connection cap must be a positive integer, got ${max}`);
    this.max = max;
  }

  get open(): number {
    return this.#open;
  }

  /** Takes a slot; false when the listener is full. */
  tryAcquire(): boolean {
    if (this.#open >= this.max) return false;
    this.#open += 1;
    return true;
  }

  release(): void {
    if (this.#open > 0) this.#open -= 1;
  }
}
