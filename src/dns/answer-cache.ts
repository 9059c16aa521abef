import type { Instance } from './lookup.js';
import { HEADER_BYTES } from './parser.js';
import type { Transport } from './serializer.js';

/**
 * A bounded cache of encoded service answers (A/AAAA/ANY for `…service…` names), keyed by the query's bytes after
 * the ID and the transport, so a hit skips validation, routing, the health filter and record building.
 *
 * Equal bytes mean an equal question, flags and EDNS record: the validator's verdict and the route are the same,
 * so neither is redone. What can change is the catalog: an entry holds the `serviceInstances` result (array and
 * index) it was built from, and the responder uses it only while the store still returns that very array at that
 * index (the store rebuilds the array whenever the service's index moves: any change to its instances, their nodes
 * or their checks, and on a snapshot restore). Shuffling, answer limits and trimming run on every query, on the
 * pre-encoded records, exactly as {@link encodeReply} does them.
 */

/** Entries kept at most (oldest dropped first). */
export const ANSWER_CACHE_MAX_ENTRIES = 1_024;
/** Bytes kept at most (keys and encoded records, estimated); oldest dropped first. */
export const ANSWER_CACHE_MAX_BYTES = 4 * 1024 * 1024;
/** Queries longer than this are never cached (the key is the query). */
export const MAX_CACHED_QUERY_BYTES = 512;
/** Services with more healthy instances than this are answered without the cache. */
export const MAX_CACHED_INSTANCES = 4_096;

/** Per-record overhead counted against the byte bound besides the record bytes. */
const ENTRY_OVERHEAD_BYTES = 256;
const RECORD_OVERHEAD_BYTES = 48;
const FLAG_TC = 0x0200;

/** One cached answer: a question's records, per healthy instance, and how to size the reply. */
export interface CachedAnswer {
  readonly key: string;
  /** What the entry was built from: used only while `serviceInstances(undefined, peer, service)` returns both. */
  readonly peer: string;
  readonly service: string;
  readonly instances: readonly Instance[];
  readonly index: number;
  /** One slot per healthy instance, in catalog order: its encoded A/AAAA record, or null when it has none. */
  readonly records: readonly (Buffer | null)[];
  /** De-duplication class of each slot (equal records share one), -1 for an empty slot. */
  readonly classes: Int32Array;
  /** Per-class mark of the last query that took it (see {@link encodeCachedAnswer}). */
  readonly seen: Uint32Array;
  stamp: number;
  /** Header (ID 0, flags without TC, QDCOUNT 1, ANCOUNT 0, ARCOUNT 0/1) followed by the question as received. */
  readonly head: Buffer;
  /** The OPT record (empty without EDNS). */
  readonly opt: Buffer;
  /** `a_record_limit` (0: none). */
  readonly aRecordLimit: number;
  /** Answers kept before measuring: UDP without EDNS `min(8, udp_answer_limit)`, TCP 4096. */
  readonly maxAnswers: number;
  /** The size limit, and the budget the answers are cut to (UDP: minus the UDP header). */
  readonly maxSize: number;
  readonly budget: number;
  readonly enableTruncate: boolean;
  readonly bytes: number;
}

/** Inputs of {@link newCachedAnswer}. */
export interface CachedAnswerInit {
  key: string;
  peer: string;
  service: string;
  instances: readonly Instance[];
  index: number;
  records: readonly (Buffer | null)[];
  classes: Int32Array;
  classCount: number;
  head: Buffer;
  opt: Buffer;
  aRecordLimit: number;
  maxAnswers: number;
  maxSize: number;
  budget: number;
  enableTruncate: boolean;
}

export function newCachedAnswer(init: CachedAnswerInit): CachedAnswer {
  let bytes = ENTRY_OVERHEAD_BYTES + init.key.length * 2 + init.head.length + init.opt.length;
  for (const r of init.records) bytes += RECORD_OVERHEAD_BYTES + (r?.length ?? 0);
  return {
    key: init.key,
    peer: init.peer,
    service: init.service,
    instances: init.instances,
    index: init.index,
    records: init.records,
    classes: init.classes,
    seen: new Uint32Array(init.classCount),
    stamp: 0,
    head: init.head,
    opt: init.opt,
    aRecordLimit: init.aRecordLimit,
    maxAnswers: init.maxAnswers,
    maxSize: init.maxSize,
    budget: init.budget,
    enableTruncate: init.enableTruncate,
    bytes,
  };
}

/** The cache key of a message: transport and every byte after the ID; null when the message is not cacheable. */
export function answerCacheKey(raw: Buffer, transport: Transport): string | null {
  if (raw.length < HEADER_BYTES || raw.length > MAX_CACHED_QUERY_BYTES) return null;
  return (transport === 'udp' ? 'u' : 't') + raw.toString('latin1', 2);
}

/** Counters for tests and metrics. */
export interface AnswerCacheStats {
  /** Replies encoded from a stored entry. */
  hits: number;
  /** Entries built (first query of its kind, or after `stale`). */
  misses: number;
  /** Entries found but built from an older catalog state, dropped (and rebuilt). */
  stale: number;
  entries: number;
  bytes: number;
}

/** Insertion-ordered, bounded by entries and bytes; the oldest entries go first. */
export class AnswerCache {
  readonly #entries = new Map<string, CachedAnswer>();
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;
  hits = 0;
  misses = 0;
  stale = 0;

  constructor(maxEntries = ANSWER_CACHE_MAX_ENTRIES, maxBytes = ANSWER_CACHE_MAX_BYTES) {
    this.#maxEntries = Math.max(0, maxEntries);
    this.#maxBytes = Math.max(0, maxBytes);
  }

  get(key: string): CachedAnswer | undefined {
    return this.#entries.get(key);
  }

  /** Stores `entry` unless it alone exceeds a quarter of the byte bound; evicts the oldest to make room. */
  set(entry: CachedAnswer): void {
    this.delete(entry.key);
    if (this.#maxEntries === 0 || entry.bytes > this.#maxBytes / 4) return;
    while (this.#entries.size >= this.#maxEntries || this.#bytes + entry.bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
    this.#entries.set(entry.key, entry);
    this.#bytes += entry.bytes;
  }

  delete(key: string): void {
    const old = this.#entries.get(key);
    if (!old) return;
    this.#entries.delete(key);
    this.#bytes -= old.bytes;
  }

  get stats(): AnswerCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      stale: this.stale,
      entries: this.#entries.size,
      bytes: this.#bytes,
    };
  }
}

/** Scratch arrays reused across queries (answering is synchronous, so one set serves every call). */
let permutation = new Int32Array(64);
let chosen = new Int32Array(64);
let prefix = new Int32Array(65);

function ensureScratch(n: number): void {
  if (permutation.length >= n) return;
  let size = permutation.length;
  while (size < n) size *= 2;
  permutation = new Int32Array(size);
  chosen = new Int32Array(size);
  prefix = new Int32Array(size + 1);
}

/**
 * Encodes the reply to the query `raw` from a cached entry, doing per query exactly what the uncached path does:
 *
 * - the responder's shuffle of the healthy instances (Fisher–Yates, the same calls to `random`), then the first
 *   record of each distinct value in that order, stopping at `a_record_limit`;
 * - `encodeReply`'s trimming: the UDP answer cap without EDNS, the TCP cap, the binary search for the most answers
 *   that fit the budget, and the empty TC reply when not even one fits; TC on a cut only with `enable_truncate`.
 */
export function encodeCachedAnswer(entry: CachedAnswer, raw: Buffer, random: () => number): Buffer {
  const n = entry.records.length;
  ensureScratch(n);
  const perm = permutation;
  for (let i = 0; i < n; i++) perm[i] = i;
  // lookup.ts shuffle(), on slot numbers instead of instances.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = perm[i] as number;
    perm[i] = perm[j] as number;
    perm[j] = a;
  }
  if (entry.stamp >= 0xffffffff) {
    entry.seen.fill(0);
    entry.stamp = 0;
  }
  const stamp = ++entry.stamp;
  const { classes, seen, records } = entry;
  let original = 0;
  for (let k = 0; k < n; k++) {
    const slot = perm[k] as number;
    const c = classes[slot] as number;
    if (c < 0 || seen[c] === stamp) continue;
    seen[c] = stamp;
    chosen[original++] = slot;
    if (original === entry.aRecordLimit) break;
  }
  const count0 = Math.min(original, entry.maxAnswers);
  const base = entry.head.length + entry.opt.length;
  prefix[0] = base;
  for (let i = 0; i < count0; i++) {
    prefix[i + 1] = (prefix[i] as number) + (records[chosen[i] as number] as Buffer).length;
  }
  let count = count0;
  if (count > 1 && (prefix[count] as number) > entry.budget) {
    let lo = 1;
    let hi = count;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((prefix[mid] as number) <= entry.budget) lo = mid;
      else hi = mid - 1;
    }
    count = lo;
  }
  let truncated = count < original && entry.enableTruncate;
  if ((prefix[count] as number) > entry.maxSize) {
    count = 0;
    truncated = true;
  }
  const out = Buffer.allocUnsafe(prefix[count] as number);
  entry.head.copy(out, 0);
  out[0] = raw[0] ?? 0;
  out[1] = raw[1] ?? 0;
  if (truncated) out.writeUInt16BE(out.readUInt16BE(2) | FLAG_TC, 2);
  out.writeUInt16BE(count, 6);
  let off = entry.head.length;
  for (let i = 0; i < count; i++) {
    const rec = records[chosen[i] as number] as Buffer;
    rec.copy(out, off);
    off += rec.length;
  }
  entry.opt.copy(out, off);
  return out;
}
