/**
 * Capped exponential backoff with jitter (the shape of grpc-js's `BackoffTimeout` and Consul's retry waiter).
 *
 * The n-th consecutive failure (n ≥ 1) waits `min(maxMs, baseMs · 2^(n-1))`, then multiplied by a random
 * factor in `[1 - jitter, 1]`, so many dialers that lost the same peer at the same moment do not retry in
 * lockstep, and no wait ever exceeds `maxMs`. Whatever the number of failures, the next attempt is at most
 * `maxMs` away: a peer that comes back is reached within one cap.
 */
export interface BackoffPolicy {
  /** First wait (ms). */
  baseMs: number;
  /** Longest wait (ms). */
  maxMs: number;
  /** Fraction of each wait that is randomised away, 0–1 (0.2: waits fall in [0.8·d, d]). */
  jitter: number;
}

/** Throws on a policy that could wait forever or not at all by mistake. */
export function validateBackoffPolicy(p: BackoffPolicy): void {
  if (!(Number.isFinite(p.baseMs) && p.baseMs > 0)) throw new RangeError(`backoff base must be > 0 ms`);
  if (!(Number.isFinite(p.maxMs) && p.maxMs >= p.baseMs))
    throw new RangeError(`backoff cap must be finite and at least the base (${p.baseMs} ms)`);
  if (!(p.jitter >= 0 && p.jitter <= 1)) throw new RangeError(`backoff jitter must be within 0–1`);
}

/** The wait (ms) after `failures` consecutive failures (1 = the first); `random` in [0, 1). */
export function backoffDelay(p: BackoffPolicy, failures: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(failures));
  // 2^(n-1) overflows to Infinity for large n; Math.min caps it.
  const full = Math.min(p.maxMs, p.baseMs * 2 ** Math.min(n - 1, 1024));
  return full * (1 - p.jitter * random());
}

/** A failure counter over a policy. */
export class Backoff {
  readonly #p: BackoffPolicy;
  readonly #random: () => number;
  #failures = 0;

  constructor(policy: BackoffPolicy, random: () => number = Math.random) {
    validateBackoffPolicy(policy);
    this.#p = policy;
    this.#random = random;
  }

  /** Consecutive failures so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Records a failure and answers how long to wait before the next attempt (ms). */
  next(): number {
    this.#failures += 1;
    return backoffDelay(this.#p, this.#failures, this.#random);
  }

  /** A success: the next failure waits the base again. */
  reset(): void {
    this.#failures = 0;
  }
}
