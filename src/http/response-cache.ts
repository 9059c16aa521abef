/**
 * Rendered bodies of catalog and health reads, keyed by the request (path and query, minus `index`/`wait`) and
 * the result's index. A read whose index did not move answers the same data, so its rendering can be reused:
 * clients polling or blocking on a busy service pay for the query, not for building and serializing the JSON
 * again. Bounded by entries and bytes; least recently used first out (approximately: a hit moves its entry to the
 * back of the eviction order only when more than {@link RESPONSE_CACHE_REFRESH_LAG} answers were cached since it last
 * moved, so the hottest entries do not pay a map delete and insert on every request).
 *
 * NOTE: only for reads whose output is fully determined by the index of what they read. Reads that depend on
 * anything else (node meta filters, live stream status) must not use it.
 */
export const RESPONSE_CACHE_MAX_ENTRIES = 512;
export const RESPONSE_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/**
 * Insertions after which a hit entry is moved to the back of the eviction order again. An entry hit at least once
 * per this many insertions is never the oldest, so it is not evicted by the entry cap.
 */
export const RESPONSE_CACHE_REFRESH_LAG = RESPONSE_CACHE_MAX_ENTRIES / 4;
/** Bodies larger than this are never cached (one would evict everything else). */
export const RESPONSE_CACHE_MAX_ENTRY_BYTES = 8 * 1024 * 1024;

interface Entry {
  index: number;
  /** ms timestamp when the body was rendered (`Age` of a `?cached` hit). */
  at: number;
  /** Encoded once: sockets take bytes, and encoding a large string per request costs as much as rendering. */
  body: Buffer;
  /** The cache's insertion count when this entry last moved to the back of the eviction order. */
  moved: number;
}

export class ResponseCache {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  #inserts = 0;
  hits = 0;
  misses = 0;

  /** The cached body for `key` at `index`, or the freshly rendered one (then cached). */
  get(key: string, index: number, render: () => string): Buffer {
    return this.lookup(key, index, render).body;
  }

  /**
   * Like {@link get}, also telling whether the body was reused (`hit`) and how long ago it was rendered (`ageMs`,
   * 0 on a miss): what `?cached` reads report as `X-Cache` and `Age`.
   */
  lookup(key: string, index: number, render: () => string): { body: Buffer; hit: boolean; ageMs: number } {
    const now = Date.now();
    const hit = this.#entries.get(key);
    if (hit?.index === index) {
      // Refresh recency, when it moved far enough towards the front.
      if (this.#inserts - hit.moved > RESPONSE_CACHE_REFRESH_LAG) {
        this.#entries.delete(key);
        this.#entries.set(key, hit);
        hit.moved = this.#inserts;
      }
      this.hits += 1;
      return { body: hit.body, hit: true, ageMs: Math.max(0, now - hit.at) };
    }
    this.misses += 1;
    const body = Buffer.from(render());
    if (hit) this.#remove(key, hit);
    if (body.length <= RESPONSE_CACHE_MAX_ENTRY_BYTES) {
      this.#inserts += 1;
      this.#entries.set(key, { index, at: now, body, moved: this.#inserts });
      this.#bytes += body.length;
      this.#evict();
    }
    return { body, hit: false, ageMs: 0 };
  }

  get size(): number {
    return this.#entries.size;
  }

  #remove(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= e.body.length;
  }

  #evict(): void {
    for (const [key, e] of this.#entries) {
      if (this.#entries.size <= RESPONSE_CACHE_MAX_ENTRIES && this.#bytes <= RESPONSE_CACHE_MAX_BYTES) return;
      this.#remove(key, e);
    }
  }
}

/** Cache key of a request: path plus the query parameters that shape the answer, in a stable order. */
export function cacheKey(url: Pick<URL, 'pathname' | 'search' | 'searchParams'>): string {
  if (url.search === '') return `${url.pathname}?`;
  const params = [...url.searchParams.entries()]
    .filter(([k]) => k !== 'index' && k !== 'wait' && k !== 'token')
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1));
  // Encoded, so no value can imitate another parameter (`?stale=%26tag%3Dx` is not `?stale&tag=x`).
  return `${url.pathname}?${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}
