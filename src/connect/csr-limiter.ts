/**
 * The server's limits on signing CSRs, as Consul's CA manager applies them (`agent/consul/leader_connect_ca.go`,
 * `SignCertificate`): `CSRMaxPerSecond` (default 50; a token bucket with a burst of one) or, only when that is 0,
 * `CSRMaxConcurrent` (a semaphore). A request waits at most 500 ms (`csrLimitWait`) for its turn, then fails with
 * Consul's `ErrRateLimited`, which the HTTP edge answers with `429 Rate limit reached, try again later`.
 *
 * @packageDocumentation
 */
import { systemClock, type Clock } from '../lib/clock.js';

/** Consul's `structs.ErrRateLimited` text; agents and the HTTP edge recognise the error by it. */
export const RATE_LIMITED_MESSAGE = 'Rate limit reached, try again later';
/** Consul's `csrLimitWait`: how long a CSR may wait for a token or a slot. */
export const CSR_LIMIT_WAIT_MS = 500;
/** Default bound on CSRs queued for a concurrency slot. */
export const DEFAULT_MAX_CSR_WAITERS = 1_024;

/** A CSR refused by the limits; its message is Consul's. */
export class CsrRateLimitedError extends Error {
  override readonly name = 'CsrRateLimitedError';
  constructor() {
    super(RATE_LIMITED_MESSAGE);
  }
}

/** The two settings; 0 (or less) turns a limit off. */
export interface CsrLimits {
  readonly maxPerSecond: number;
  readonly maxConcurrent: number;
}

export interface CsrLimiterOptions {
  clock?: Clock;
  /**
   * Most CSRs waiting for a concurrency slot at once (default {@link DEFAULT_MAX_CSR_WAITERS}). Overflow policy: a
   * CSR arriving when the queue is full is refused at once with {@link CsrRateLimitedError}, as one that waited
   * its 500 ms would be. The rate limit needs no queue: a CSR whose token is more than 500 ms away is refused
   * without waiting, so at most `maxPerSecond / 2 + 1` wait at a time.
   */
  maxWaiters?: number;
}

interface Waiter {
  resolve(): void;
  timer: unknown;
}

/**
 * Admits CSR signings under {@link CsrLimits}. The limits are passed on every call (Consul reads them from the CA
 * configuration each time), so a configuration change applies to the next CSR.
 */
export class CsrLimiter {
  readonly #clock: Clock;
  readonly #maxWaiters: number;
  /** Rate limit: when the next token is available (ms since the epoch), and for which rate. */
  #nextTokenAt = 0;
  #rate = 0;
  #inflight = 0;
  readonly #waiters: Waiter[] = [];

  constructor(opts: CsrLimiterOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#maxWaiters = opts.maxWaiters ?? DEFAULT_MAX_CSR_WAITERS;
  }

  /** Runs `fn` once the limits admit it; rejects with {@link CsrRateLimitedError} when they do not in time. */
  async run<T>(limits: CsrLimits, fn: () => T | Promise<T>): Promise<T> {
    if (limits.maxPerSecond > 0) {
      await this.#takeToken(limits.maxPerSecond);
      return fn();
    }
    if (limits.maxConcurrent > 0) {
      await this.#acquire(limits.maxConcurrent);
      try {
        return await fn();
      } finally {
        this.#release(limits.maxConcurrent);
      }
    }
    return fn();
  }

  /** CSRs signing under the concurrency limit now, and CSRs waiting for a slot (for status and tests). */
  get stats(): { inflight: number; waiting: number } {
    return { inflight: this.#inflight, waiting: this.#waiters.length };
  }

  #takeToken(perSecond: number): Promise<void> {
    const now = this.#clock.now();
    if (perSecond !== this.#rate) {
      // A new limit starts a new bucket (Consul builds a new limiter when the configured limit changes).
      this.#rate = perSecond;
      this.#nextTokenAt = now;
    }
    const at = Math.max(now, this.#nextTokenAt);
    const wait = at - now;
    if (wait > CSR_LIMIT_WAIT_MS) return Promise.reject(new CsrRateLimitedError());
    this.#nextTokenAt = at + 1000 / perSecond;
    if (wait <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#clock.setTimeout(resolve, wait);
    });
  }

  #acquire(size: number): Promise<void> {
    if (this.#inflight < size) {
      this.#inflight++;
      return Promise.resolve();
    }
    if (this.#waiters.length >= this.#maxWaiters) return Promise.reject(new CsrRateLimitedError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          this.#clock.clearTimeout(waiter.timer);
          this.#inflight++;
          resolve();
        },
        timer: undefined,
      };
      waiter.timer = this.#clock.setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new CsrRateLimitedError());
      }, CSR_LIMIT_WAIT_MS);
      this.#waiters.push(waiter);
    });
  }

  #release(size: number): void {
    this.#inflight--;
    while (this.#inflight < size) {
      const next = this.#waiters.shift();
      if (next === undefined) return;
      next.resolve();
    }
  }
}
