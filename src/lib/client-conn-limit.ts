/**
 * Concurrent connections per client IP, as Consul's `limits.http_max_conns_per_client` counts them
 * (hashicorp/go-connlimit): a connection is counted from accept to close, keyed by the remote IP only (every port
 * of one address is one client), and a limit of 0 means no limit.
 *
 * NOTE: the map holds one entry per client IP with at least one open connection, and never more connections per
 * entry than the limit, so its size is bounded by the number of open sockets (and so by the fd limit).
 *
 * @module
 */

/** The key of a client: its IP, with an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) folded into the IPv4 one. */
export function clientIpKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return '';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.')
    ? remoteAddress.slice('::ffff:'.length)
    : remoteAddress;
}

/** Counts open connections per client IP and refuses one past `max`. */
export class ClientConnLimit {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  /** @param max most concurrent connections per client IP; 0 = no limit (Consul's meaning). */
  constructor(max: number) {
    if (!Number.isSafeInteger(max) || max < 0)
      throw new RangeError(`connection limit must be an integer >= 0`);
    this.#max = max;
  }

  /** The limit (0 = none). */
  get max(): number {
    return this.#max;
  }

  /** Client IPs with at least one open connection. */
  get clients(): number {
    return this.#open.size;
  }

  /** Open connections counted for `key`. */
  count(key: string): number {
    return this.#open.get(key) ?? 0;
  }

  /** Counts one more connection for `key`; false (nothing counted) when that would pass the limit. */
  tryAcquire(key: string): boolean {
    const n = this.#open.get(key) ?? 0;
    if (this.#max > 0 && n >= this.#max) return false;
    this.#open.set(key, n + 1);
    return true;
  }

  /** Forgets one connection of `key` (call exactly once per successful {@link tryAcquire}). */
  release(key: string): void {
    const n = this.#open.get(key) ?? 0;
    if (n <= 1) this.#open.delete(key);
    else this.#open.set(key, n - 1);
  }
}
