/** Consul's `checks.DefaultBufSize`: check output is capped at 4 KiB. */
export const DEFAULT_CHECK_OUTPUT_MAX_BYTES = 4 * 1024;

/**
 * Caps a TTL check's output as Consul's `CheckTTL.SetStatus` does: the first `max` bytes, then
 * ` ... (captured <max> of <total> bytes)`. Lengths are in UTF-8 bytes, as Go counts them.
 */
export function truncateOutput(output: string, max = DEFAULT_CHECK_OUTPUT_MAX_BYTES): string {
  const buf = Buffer.from(output, 'utf8');
  if (buf.length <= max) return output;
  return `${buf.subarray(0, max).toString('utf8')} ... (captured ${max} of ${buf.length} bytes)`;
}

/**
 * Keeps the last `max` bytes written, like the `circbuf` Consul reads an HTTP check's body into: a large body costs
 * at most `2 * max` bytes of memory and the output shows its tail.
 */
export class TailBuffer {
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(readonly max: number) {}

  write(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size > 2 * this.max) this.#compact();
  }

  #compact(): void {
    const all = Buffer.concat(this.#chunks);
    const tail = Buffer.from(all.subarray(Math.max(0, all.length - this.max)));
    this.#chunks = [tail];
    this.#size = tail.length;
  }

  toString(): string {
    this.#compact();
    return (this.#chunks[0] ?? Buffer.alloc(0)).toString('utf8');
  }
}
