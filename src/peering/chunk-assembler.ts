import { systemClock, type Clock } from '../lib/clock.js';
import type { CheckServiceNode } from './messages.js';
import { MAX_CHUNK_PARTS, type StreamLimits } from './stream-limits.js';

interface Assembly {
  parts: number;
  bytes: number;
  /** When its first kept part arrived (clock ms); the age bound counts from here. */
  startedAt: number;
  received: Map<number, { nodes: CheckServiceNode[]; bytes: number }>;
}

/** A partly received service dropped because it was not completed in time. */
export interface ChunkEviction {
  service: string;
  ageMs: number;
  partsReceived: number;
  parts: number;
  bytes: number;
}

export interface ChunkAssemblerOptions {
  limits: Pick<StreamLimits, 'chunkAssemblyMaxBytes' | 'chunkAssemblyMaxServices' | 'chunkAssemblyTimeoutMs'>;
  /** Drives the age bound; defaults to the system clock. */
  clock?: Clock | undefined;
  /** Told of each service evicted by age (the stream logs it and counts it in a metric). */
  onEvict?: ((e: ChunkEviction) => void) | undefined;
}

/**
 * Reassembles chunked exported services (ResourceID `<name>\0<part>/<parts>`) from their parts.
 *
 * Bounds and overflow policy (a size violation throws, and the caller NACKs the part):
 * - a declared part count over {@link MAX_CHUNK_PARTS} is refused before anything is kept;
 * - at most `chunkAssemblyMaxServices` services are being assembled at once: the first part of one more is
 *   refused (nothing still in time is evicted to make room);
 * - a service may hold at most `chunkAssemblyMaxBytes` (JSON size of its instances) while assembling: the part
 *   that would pass it is refused and the service's parts so far are dropped, freeing the memory;
 * - a service may stay partly received at most `chunkAssemblyTimeoutMs` from its first part: past it, its parts
 *   are dropped (by a timer, so a peer that stops sending parts frees the memory too) and `onEvict` is told. The
 *   service keeps its last complete version; a later part of the evicted update starts a new assembly (which ages
 *   out the same way), and the exporter's next version of the service, or the next stream's resync, replaces it.
 *
 * Part 1, or a different part count, starts the service over (a newer version is being sent). {@link close} stops
 * the timer; the stream calls it when it ends, and everything held goes with the assembler.
 */
export class ChunkAssembler {
  readonly #o: ChunkAssemblerOptions;
  readonly #clock: Clock;
  /** Oldest first: an assembly that starts over is moved to the end. */
  readonly #byService = new Map<string, Assembly>();
  #timer: unknown;
  #closed = false;

  constructor(o: ChunkAssemblerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? systemClock;
  }

  /** Services partly received. */
  get assembling(): number {
    return this.#byService.size;
  }

  /** Bytes held for partly received services. */
  get bytes(): number {
    let n = 0;
    for (const a of this.#byService.values()) n += a.bytes;
    return n;
  }

  /** A whole (unchunked) service arrived: any parts of an older version are dropped. */
  discard(service: string): void {
    this.#byService.delete(service);
  }

  /**
   * Adds one part; answers every instance of the service once all its parts are here, else undefined.
   * Throws when a size bound would be passed (see the class comment).
   */
  add(
    chunk: { service: string; part: number; parts: number },
    nodes: CheckServiceNode[],
  ): CheckServiceNode[] | undefined {
    if (chunk.parts > MAX_CHUNK_PARTS) {
      throw new Error(`a service in ${chunk.parts} parts exceeds the limit of ${MAX_CHUNK_PARTS}`);
    }
    this.#evictExpired();
    const limits = this.#o.limits;
    let acc = this.#byService.get(chunk.service);
    if (!acc && this.#byService.size >= limits.chunkAssemblyMaxServices) {
      throw new Error(
        `more than ${limits.chunkAssemblyMaxServices} services are partly received ` +
          '(peering chunk_assembly_max_services)',
      );
    }
    if (!acc || acc.parts !== chunk.parts || chunk.part === 1) {
      acc = { parts: chunk.parts, bytes: 0, startedAt: this.#clock.now(), received: new Map() };
      this.#byService.delete(chunk.service);
      this.#byService.set(chunk.service, acc);
    }
    const size = jsonBytes(nodes);
    const bytes = acc.bytes - (acc.received.get(chunk.part)?.bytes ?? 0) + size;
    if (bytes > limits.chunkAssemblyMaxBytes) {
      this.#byService.delete(chunk.service);
      throw new Error(
        `service ${JSON.stringify(chunk.service)} passes ${limits.chunkAssemblyMaxBytes} bytes ` +
          'while being assembled from parts (peering chunk_assembly_max_bytes)',
      );
    }
    acc.bytes = bytes;
    acc.received.set(chunk.part, { nodes, bytes: size });
    if (acc.received.size < acc.parts) {
      this.#arm();
      return undefined;
    }
    this.#byService.delete(chunk.service);
    const all: CheckServiceNode[] = [];
    for (let i = 1; i <= acc.parts; i++) for (const n of acc.received.get(i)?.nodes ?? []) all.push(n);
    return all;
  }

  /** Stops the age timer and drops everything held. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#byService.clear();
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One timer at a time, due when the oldest assembly expires; it re-arms for the next oldest. */
  #arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const oldest = this.#byService.values().next();
    if (oldest.done === true) return;
    const due = oldest.value.startedAt + this.#o.limits.chunkAssemblyTimeoutMs - this.#clock.now();
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#evictExpired();
        this.#arm();
      },
      Math.max(0, due),
    );
  }

  #evictExpired(): void {
    const now = this.#clock.now();
    const maxAge = this.#o.limits.chunkAssemblyTimeoutMs;
    for (const [service, a] of this.#byService) {
      const ageMs = now - a.startedAt;
      if (ageMs < maxAge) break; // oldest first: the rest are younger
      this.#byService.delete(service);
      this.#o.onEvict?.({ service, ageMs, partsReceived: a.received.size, parts: a.parts, bytes: a.bytes });
    }
  }
}

function jsonBytes(nodes: readonly CheckServiceNode[]): number {
  return Buffer.byteLength(JSON.stringify(nodes));
}
