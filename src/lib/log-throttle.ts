/**
 * At most one log line per interval for an event that can repeat thousands of times a second (connections refused
 * at a cap, accept failures): the first occurrence is logged at once, later ones within the interval are counted,
 * and the next line logged reports how many were suppressed.
 *
 * @module
 */

/** Default interval between two lines about the same event: 10 s. */
export const DEFAULT_LOG_THROTTLE_MS = 10_000;

/** Decides whether an occurrence of one event may be logged now. */
export class LogThrottle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last = Number.NEGATIVE_INFINITY;
  #suppressed = 0;

  constructor(intervalMs = DEFAULT_LOG_THROTTLE_MS, now: () => number = () => performance.now()) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /**
   * Records one occurrence. Returns the number of occurrences suppressed since the last line when this one should
   * be logged, or `undefined` when it should not (it is counted instead).
   */
  take(): number | undefined {
    const now = this.#now();
    if (now - this.#last < this.#intervalMs) {
      this.#suppressed++;
      return undefined;
    }
    this.#last = now;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    return suppressed;
  }
}
