/**
 * When a certificate is renewed, and how long to wait after a failed attempt. Pure functions of times and a
 * random draw, so the schedule is testable without timers.
 *
 * @packageDocumentation
 */

/** How the certificate manager times renewals and retries. */
export interface RenewalPolicy {
  /**
   * Renewal starts at this fraction of the lifetime (`NotBefore` to `NotAfter`). Default 0.6, Consul's soft-expiry
   * mark (`agent/leafcert`, `calculateSoftExpiry`).
   */
  readonly renewAtFraction: number;
  /**
   * Width of the random window after {@link renewAtFraction}, as a fraction of the lifetime. Default 0.1: a renewal
   * lands between 60 % and 70 % of the lifetime, so servers that issued together do not renew together, and 30 % of
   * the lifetime (about 21 h of a 72 h certificate) is left for retries. Consul draws from 60–90 %.
   */
  readonly jitterFraction: number;
  /** First wait after a failed attempt (ms); doubles per consecutive failure. Default 1 s. */
  readonly retryInitialMs: number;
  /** Longest wait between failed attempts (ms). Default 60 s, Consul's cache refresh cap. */
  readonly retryMaxMs: number;
  /**
   * After the active CA root changes, each certificate signed by another root is re-issued after a random delay
   * in `[0, rootChangeSpreadMs)`, so a rotation does not turn into a burst of signing. The old certificate stays
   * served meanwhile (peers keep trusting the old root during a rotation). Default 5 s.
   */
  readonly rootChangeSpreadMs: number;
}

export const DEFAULT_RENEWAL_POLICY: RenewalPolicy = Object.freeze({
  renewAtFraction: 0.6,
  jitterFraction: 0.1,
  retryInitialMs: 1_000,
  retryMaxMs: 60_000,
  rootChangeSpreadMs: 5_000,
});

/**
 * The time (ms since the epoch) to renew a certificate valid from `validFrom` to `validTo`:
 * a random point of `[renewAt, renewAt + jitter)`, where `renewAt = validFrom + lifetime × renewAtFraction` and
 * `jitter = lifetime × jitterFraction`. When `now` is already inside the window the draw starts at `now`; past
 * the window (or for an empty lifetime) it is `now`: renew at once.
 *
 * @param random - a draw from `[0, 1)`.
 */
export function renewalTime(
  now: number,
  validFrom: number,
  validTo: number,
  policy: RenewalPolicy,
  random: () => number,
): number {
  const lifetime = validTo - validFrom;
  if (!(lifetime > 0)) return now;
  const windowStart = validFrom + lifetime * policy.renewAtFraction;
  const windowEnd = windowStart + lifetime * policy.jitterFraction;
  if (now >= windowEnd) return now;
  const from = Math.max(windowStart, now);
  return Math.floor(from + random() * (windowEnd - from));
}

/**
 * The wait before retry number `failures` (1 for the first retry): `retryInitialMs × 2^(failures−1)`, capped at
 * `retryMaxMs`, then drawn from its upper half so that servers failing together spread out.
 *
 * @param random - a draw from `[0, 1)`.
 */
export function retryDelay(failures: number, policy: RenewalPolicy, random: () => number): number {
  const exp = Math.min(Math.max(failures - 1, 0), 30);
  const capped = Math.min(policy.retryMaxMs, policy.retryInitialMs * 2 ** exp);
  return Math.floor(capped / 2 + random() * (capped / 2));
}
