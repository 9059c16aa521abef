/**
 * Compiled and cached authorize decisions. An {@link AuthorizeCache} answers `(client URI, target)` from a map of
 * finished `{Authorized, Reason}` results; the map and everything the decisions were computed from (the compiled
 * {@link IntentionSet}, the trust domain → peer map of the stored trust bundles, the local trust domain) are
 * recomputed when any of the three inputs moves:
 *
 * - intentions: the `service-intentions` index (a write or delete of any entry);
 * - trust bundles: the index of stored peer trust bundles and peerings (a bundle re-sent after a peer's root
 *   rotation, a peering established or deleted);
 * - roots: the local CA roots index (a rotation; the local trust domain is read again).
 *
 * Each check costs three index reads (map lookups). {@link AuthorizeCache.invalidate} is the explicit seam for a
 * caller that knows something changed outside those indexes.
 *
 * Bound and overflow policy: at most {@link MAX_CACHED_DECISIONS} results are kept; when a new result would
 * exceed it, the whole map is dropped and refills from the following requests (a client cycling through more
 * distinct URI/target pairs than the bound only loses the cache, never correctness). Parse failures are not
 * cached, and neither is a pair whose URI and target together exceed {@link MAX_CACHED_KEY_CHARS} (decided every
 * time, still correctly), so the map's memory is bounded by entries × that size, not by what a client sends.
 */
import { authorize, parseServiceSpiffeId, type AuthorizeResult, type SpiffeParseError } from './authorize.js';
import type { IntentionSet } from './intention-set.js';

/** Upper bound of cached `(URI, target)` results (see the overflow policy above). */
export const MAX_CACHED_DECISIONS = 16_384;

/**
 * Longest `clientUri.length + target.length` (UTF-16 code units) whose result is cached. Real service SPIFFE IDs
 * and names are far shorter; longer pairs are decided on every request instead of being kept.
 */
export const MAX_CACHED_KEY_CHARS = 512;

/** What the cache reads, each a cheap index read or a rebuild input called only when its index moved. */
export interface AuthorizeSources {
  /** The current compiled intentions (an {@link IntentionView}'s `current()`); its `index` is the intentions index. */
  intentions(): IntentionSet;
  /** Moves whenever a stored peer trust bundle or a peering changes. */
  trustIndex(): number;
  /** Trust domain (lower case) → local peer name, from the stored trust bundles. */
  peerTrustDomains(): ReadonlyMap<string, string>;
  /** Moves whenever the local CA roots change. */
  rootsIndex(): number;
  /** The local trust domain (`<cluster id>.consul`), read again when the roots index moved. */
  localTrustDomain(): string;
  /** Consul's `IntentionDefaultAllow`. */
  readonly defaultAllow: boolean;
}

interface Compiled {
  readonly intentionsIndex: number;
  readonly trustIndex: number;
  readonly rootsIndex: number;
  readonly set: IntentionSet;
  readonly peers: ReadonlyMap<string, string>;
  readonly localTrustDomain: string;
}

export class AuthorizeCache {
  readonly #sources: AuthorizeSources;
  #compiled: Compiled | undefined;
  /** target → client URI → result. */
  #decisions = new Map<string, Map<string, AuthorizeResult>>();
  #size = 0;
  #rebuilds = 0;

  constructor(sources: AuthorizeSources) {
    this.#sources = sources;
  }

  /** How many times the inputs were recompiled (for tests and metrics). */
  get rebuilds(): number {
    return this.#rebuilds;
  }

  /** Cached results right now. */
  get size(): number {
    return this.#size;
  }

  /** Drops every cached decision and compiled input; the next check recompiles. */
  invalidate(): void {
    this.#compiled = undefined;
    this.#decisions = new Map();
    this.#size = 0;
  }

  /** The decision for a client certificate URI connecting to `target`, or why the URI is not a service ID. */
  check(clientUri: string, target: string): AuthorizeResult | SpiffeParseError {
    const c = this.#current();
    const byUri = this.#decisions.get(target);
    const hit = byUri?.get(clientUri);
    if (hit !== undefined) return hit;
    const client = parseServiceSpiffeId(clientUri);
    if (typeof client === 'string') return client;
    const result = Object.freeze(
      authorize(c.set, {
        target,
        client,
        localTrustDomain: c.localTrustDomain,
        peerForTrustDomain: (td) => c.peers.get(td),
        defaultAllow: this.#sources.defaultAllow,
      }),
    );
    if (clientUri.length + target.length <= MAX_CACHED_KEY_CHARS)
      this.#remember(target, clientUri, result, byUri);
    return result;
  }

  #remember(
    target: string,
    uri: string,
    result: AuthorizeResult,
    existing: Map<string, AuthorizeResult> | undefined,
  ): void {
    if (this.#size >= MAX_CACHED_DECISIONS) {
      this.#decisions = new Map();
      this.#size = 0;
      existing = undefined;
    }
    let byUri = existing;
    if (byUri === undefined) {
      byUri = new Map();
      this.#decisions.set(target, byUri);
    }
    byUri.set(uri, result);
    this.#size++;
  }

  /** The compiled inputs, recompiled (and the decisions dropped) when any index moved. */
  #current(): Compiled {
    const s = this.#sources;
    const set = s.intentions();
    const trustIndex = s.trustIndex();
    const rootsIndex = s.rootsIndex();
    const c = this.#compiled;
    if (
      c !== undefined &&
      c.intentionsIndex === set.index &&
      c.trustIndex === trustIndex &&
      c.rootsIndex === rootsIndex
    ) {
      return c;
    }
    const sameTrust = c !== undefined && c.trustIndex === trustIndex;
    const sameRoots = c !== undefined && c.rootsIndex === rootsIndex;
    const next: Compiled = {
      intentionsIndex: set.index,
      trustIndex,
      rootsIndex,
      set,
      peers: sameTrust ? c.peers : s.peerTrustDomains(),
      localTrustDomain: sameRoots ? c.localTrustDomain : s.localTrustDomain().toLowerCase(),
    };
    this.#compiled = next;
    this.#decisions = new Map();
    this.#size = 0;
    this.#rebuilds++;
    return next;
  }
}
