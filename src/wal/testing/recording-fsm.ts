/**
 * Test state machine: keeps every entry, checks the log's ordering contract, and snapshots itself in a simple
 * binary format. Shared by the tests and the crash-test child process.
 *
 * @module
 */
import type { LogHandlers } from '../command-log.js';
import { readU64, writeU64 } from '../record-codec.js';

const ENTRY_HEADER_BYTES = 12;

/** A {@link LogHandlers} that records everything it is given. */
export class RecordingFsm implements LogHandlers {
  /** The state: every entry so far (restored or applied), by index. */
  readonly entries = new Map<number, Buffer>();
  /** Indexes passed to apply() in this lifetime, in call order. */
  readonly applied: number[] = [];
  /** Index passed to restore(), if it was called. */
  restoredAt: number | undefined;
  /** Contract violations seen (apply out of order, restore not first or twice). Tests assert it stays empty. */
  readonly violations: string[] = [];
  /** Index of the state. */
  lastIndex = 0;

  restore(index: number, data: Buffer): void {
    if (this.restoredAt !== undefined || this.applied.length > 0)
      this.violations.push(`late restore(${index})`);
    this.restoredAt = index;
    this.entries.clear();
    let offset = 0;
    while (offset < data.length) {
      const entryIndex = readU64(data, offset) ?? -1;
      const length = data.readUInt32LE(offset + 8);
      offset += ENTRY_HEADER_BYTES;
      this.entries.set(entryIndex, Buffer.from(data.subarray(offset, offset + length)));
      offset += length;
    }
    this.lastIndex = index;
  }

  apply(index: number, data: Buffer): unknown {
    if (index !== this.lastIndex + 1) this.violations.push(`apply(${index}) after ${this.lastIndex}`);
    this.applied.push(index);
    this.entries.set(index, data);
    this.lastIndex = index;
    return `applied:${index}`;
  }

  snapshot(): { index: number; data: Buffer } {
    let size = 0;
    for (const data of this.entries.values()) size += ENTRY_HEADER_BYTES + data.length;
    const out = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const [index, data] of this.entries) {
      writeU64(out, offset, index);
      out.writeUInt32LE(data.length, offset + 8);
      data.copy(out, offset + ENTRY_HEADER_BYTES);
      offset += ENTRY_HEADER_BYTES + data.length;
    }
    return { index: this.lastIndex, data: out };
  }

  /** Entry `index` as a UTF-8 string (test convenience). */
  text(index: number): string | undefined {
    return this.entries.get(index)?.toString('utf8');
  }
}
