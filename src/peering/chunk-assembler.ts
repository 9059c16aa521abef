import type { CheckServiceNode } from './messages.js';
import { MAX_CHUNK_PARTS, type StreamLimits } from './stream-limits.js';

interface Assembly {
  parts: number;
  bytes: number;
  received: Map<number, { nodes: CheckServiceNode[]; bytes: number }>;
}

/**
 * Reassembles chunked exported services (ResourceID `<name>\0<part>/<parts>`) from their parts.
 *
 * Bounds and overflow policy (each violation throws, and the caller NACKs the part):
 * - a declared part count over {@link MAX_CHUNK_PARTS} is refused before anything is kept;
 * - at most `chunkAssemblyMaxServices` services are being assembled at once: the first part of one more is
 *   refused (nothing already received is evicted);
 * - a service may hold at most `chunkAssemblyMaxBytes` (JSON size of its instances) while assembling: the part
 *   that would pass it is refused and the service's parts so far are dropped, freeing the memory.
 *
 * Part 1, or a different part count, starts the service over (a newer version is being sent).
 */
export class ChunkAssembler {
  readonly #limits: Pick<StreamLimits, 'chunkAssemblyMaxBytes' | 'chunkAssemblyMaxServices'>;
  readonly #byService = new Map<string, Assembly>();

  constructor(limits: Pick<StreamLimits, 'chunkAssemblyMaxBytes' | 'chunkAssemblyMaxServices'>) {
    this.#limits = limits;
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
   * Throws when a bound would be passed (see the class comment).
   */
  add(
    chunk: { service: string; part: number; parts: number },
    nodes: CheckServiceNode[],
  ): CheckServiceNode[] | undefined {
    if (chunk.parts > MAX_CHUNK_PARTS) {
      throw new Error(`a service in ${chunk.parts} parts exceeds the limit of ${MAX_CHUNK_PARTS}`);
    }
    let acc = this.#byService.get(chunk.service);
    if (!acc && this.#byService.size >= this.#limits.chunkAssemblyMaxServices) {
      throw new Error(
        `more than ${this.#limits.chunkAssemblyMaxServices} services are partly received ` +
          '(peering chunk_assembly_max_services)',
      );
    }
    if (!acc || acc.parts !== chunk.parts || chunk.part === 1) {
      acc = { parts: chunk.parts, bytes: 0, received: new Map() };
      this.#byService.set(chunk.service, acc);
    }
    const size = jsonBytes(nodes);
    const bytes = acc.bytes - (acc.received.get(chunk.part)?.bytes ?? 0) + size;
    if (bytes > this.#limits.chunkAssemblyMaxBytes) {
      this.#byService.delete(chunk.service);
      throw new Error(
        `service ${JSON.stringify(chunk.service)} passes ${this.#limits.chunkAssemblyMaxBytes} bytes ` +
          'while being assembled from parts (peering chunk_assembly_max_bytes)',
      );
    }
    acc.bytes = bytes;
    acc.received.set(chunk.part, { nodes, bytes: size });
    if (acc.received.size < acc.parts) return undefined;
    this.#byService.delete(chunk.service);
    const all: CheckServiceNode[] = [];
    for (let i = 1; i <= acc.parts; i++) for (const n of acc.received.get(i)?.nodes ?? []) all.push(n);
    return all;
  }
}

function jsonBytes(nodes: readonly CheckServiceNode[]): number {
  return Buffer.byteLength(JSON.stringify(nodes));
}
