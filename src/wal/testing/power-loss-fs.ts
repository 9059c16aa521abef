/**
 * A {@link LogFs} over the real filesystem that also keeps a model of what a power loss would leave on disk, for the
 * durability tests. Each file has a **durable image**: bytes reach it only when the kernel would have made them
 * durable, i.e. when `datasync`/`sync` returns (for every write issued before the call), or when a `writev` on a file
 * opened with `O_DSYNC` returns. Until then a write is **pending**. {@link PowerLossFs.crash} captures, synchronously,
 * the files as a power loss at that instant could leave them: every durable image, plus each pending write either
 * dropped, written whole or torn (only a prefix written), chosen by a seeded generator.
 *
 * Simplification: creating, renaming and deleting files is durable at once (the model is about file data; the log's
 * directory fsyncs are covered by reading the code, not by this model).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';

import type { LogFile, LogFs, LogOpenFlags, LogOpenOptions } from '../fs-io.js';
import { NODE_LOG_FS } from '../fs-io.js';

interface PendingWrite {
  readonly position: number;
  readonly bytes: Buffer;
}

/** One file as the model sees it. */
interface ModelFile {
  durable: Buffer;
  pending: PendingWrite[];
}

/** What a crash left in one directory: file name → content. */
export type CrashImage = Map<string, Buffer>;

/** Writes `bytes` at `position` into a copy of `image` (zero-filling any hole), returning the result. */
function overlay(image: Buffer, position: number, bytes: Buffer): Buffer {
  const size = Math.max(image.length, position + bytes.length);
  const out = Buffer.alloc(size);
  image.copy(out, 0);
  bytes.copy(out, position);
  return out;
}

/** A small deterministic generator (mulberry32), so a failing seed can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The real filesystem, plus the power-loss model; see the module comment. */
export class PowerLossFs implements LogFs {
  readonly #files = new Map<string, ModelFile>();
  readonly #random: () => number;
  /** Calls seen, for assertions on how the log makes bytes durable. */
  readonly calls = { datasync: 0, sync: 0, dsyncWrites: 0, plainWrites: 0 };

  constructor(seed: number) {
    this.#random = generator(seed);
  }

  async open(path: string, flags: LogOpenFlags, options?: LogOpenOptions): Promise<LogFile> {
    const fh = await NODE_LOG_FS.open(path, flags, options);
    if (flags === 'r') return fh; // a directory opened for fsync, or a read: nothing to model
    let file = this.#files.get(path);
    if (flags === 'w' || file === undefined) {
      // A new file; or one that existed before the model (its content counts as durable).
      file = { durable: flags === 'w' ? Buffer.alloc(0) : readFileSync(path), pending: [] };
      this.#files.set(path, file);
    }
    return this.#wrap(fh, file, options?.dsync === true);
  }
  readFile(path: string): Promise<Buffer> {
    return NODE_LOG_FS.readFile(path);
  }
  readdir(path: string): Promise<string[]> {
    return NODE_LOG_FS.readdir(path);
  }
  mkdirp(path: string): Promise<void> {
    return NODE_LOG_FS.mkdirp(path);
  }
  async rename(from: string, to: string): Promise<void> {
    await NODE_LOG_FS.rename(from, to);
    const file = this.#files.get(from);
    this.#files.delete(from);
    if (file !== undefined) this.#files.set(to, file);
  }
  async unlink(path: string): Promise<void> {
    await NODE_LOG_FS.unlink(path);
    this.#files.delete(path);
  }

  /**
   * The files of `dir` as a power loss right now could leave them (synchronous, so it captures an exact instant):
   * durable bytes always; each pending write dropped, whole, or cut short at a random length.
   */
  crash(dir: string): CrashImage {
    const image: CrashImage = new Map();
    for (const [path, file] of this.#files) {
      if (dirname(path) !== dir) continue;
      let content = file.durable;
      for (const write of file.pending) {
        const roll = this.#random();
        if (roll < 1 / 3) continue;
        const length = roll < 2 / 3 ? write.bytes.length : Math.floor(this.#random() * write.bytes.length);
        content = overlay(content, write.position, write.bytes.subarray(0, length));
      }
      image.set(basename(path), Buffer.from(content));
    }
    return image;
  }

  #wrap(fh: LogFile, file: ModelFile, dsync: boolean): LogFile {
    const flush = (upTo: number): void => {
      for (const write of file.pending.splice(0, upTo)) {
        file.durable = overlay(file.durable, write.position, write.bytes);
      }
    };
    const sync = async (real: () => Promise<void>): Promise<void> => {
      // Only what was written before the call is certainly covered by it.
      const covered = file.pending.length;
      await real();
      flush(covered);
    };
    return {
      writev: async (buffers, position) => {
        const at = position ?? 0;
        // Pending from the moment it is issued: a crash mid-call may leave any part of it.
        const bytes = Buffer.concat(buffers.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)));
        const write: PendingWrite = { position: at, bytes };
        file.pending.push(write);
        let result: { bytesWritten: number };
        try {
          result = await fh.writev(buffers, position);
        } catch (err) {
          file.pending = file.pending.filter((w) => w !== write);
          throw err;
        }
        const index = file.pending.indexOf(write);
        const done: PendingWrite = { position: at, bytes: bytes.subarray(0, result.bytesWritten) };
        if (index >= 0) file.pending[index] = done;
        if (dsync) {
          this.calls.dsyncWrites++;
          // O_DSYNC: durable on return (this write only; earlier plain writes are not covered).
          file.pending = file.pending.filter((w) => w !== done);
          file.durable = overlay(file.durable, done.position, done.bytes);
        } else {
          this.calls.plainWrites++;
        }
        return result;
      },
      datasync: () => {
        this.calls.datasync++;
        return sync(() => fh.datasync());
      },
      sync: () => {
        this.calls.sync++;
        return sync(() => fh.sync());
      },
      truncate: async (length) => {
        await fh.truncate(length);
        // Modelled as immediately durable: the log syncs right after cutting back anyway.
        if (length !== undefined && file.durable.length > length)
          file.durable = file.durable.subarray(0, length);
        file.pending = file.pending
          .filter((w) => w.position < (length ?? 0))
          .map((w) => ({ position: w.position, bytes: w.bytes.subarray(0, (length ?? 0) - w.position) }));
      },
      close: () => fh.close(),
    };
  }
}
