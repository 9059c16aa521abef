import type { KVEntry } from '../../types/index.js';
import { IDX } from '../index-table.js';
import { applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, Table, TableDeps } from '../table.js';
import type { WatchSet } from '../watch.js';
import { cmp } from './keys.js';
import type { QueryResult } from './catalog.js';

export type KvCommand =
  | {
      Type: 'kv';
      Verb: 'set' | 'cas' | 'delete' | 'delete-cas' | 'delete-tree';
      Key: string;
      /** base64 */
      Value: string | null;
      Flags: number;
      Index: number;
    }
  | {
      /**
       * Tombstone GC (Consul's `TombstoneReap`): drops the tombstones of deletes at or below `ReapIndex`. Sent by
       * the agent's reaper once they are older than the tombstone TTL; applied the same on every server.
       */
      Type: 'kv-reap';
      ReapIndex: number;
    };

interface KvSection {
  KV: (Omit<KVEntry, 'Value'> & { Value: string | null })[];
  KVTombstones: [string, number][];
  ReapedThrough: number;
}

/**
 * KV entries and tombstones. A delete leaves a tombstone (key → delete index) so a prefix read reports the index
 * of a delete under it; tombstones are reaped by `kv-reap` commands. Index keys: `kvs` (table); `kv.<key>` is a
 * watch topic only (never stored), and prefix watches match the changed keys.
 *
 * NOTE: a prefix read never goes backwards across a reap: its index is at least `ReapedThrough`, the highest
 * tombstone index ever reaped, which is at least the index of any delete under the prefix whose tombstone is gone.
 * So a client blocked on a prefix sees the delete (woken when it happened) or, reading later, an index above its
 * own: it never misses one.
 */
export class KvTable implements Table<KvCommand> {
  readonly name = 'kv';
  readonly commands = ['kv', 'kv-reap'] as const;
  readonly #deps: TableDeps;
  #kv = new Map<string, KVEntry>();
  #tombstones = new Map<string, number>();
  #reapedThrough = 0;

  constructor(deps: TableDeps) {
    this.#deps = deps;
  }

  apply(ctx: ApplyContext, cmd: KvCommand): ApplyResult {
    return cmd.Type === 'kv-reap' ? this.#reap(cmd.ReapIndex) : this.#write(ctx, cmd);
  }

  #write(ctx: ApplyContext, cmd: Extract<KvCommand, { Type: 'kv' }>): ApplyResult {
    const kv = this.#kv;
    const prev = kv.get(cmd.Key);
    switch (cmd.Verb) {
      case 'set':
      case 'cas': {
        if (cmd.Verb === 'cas') {
          if (cmd.Index === 0 ? prev !== undefined : prev?.ModifyIndex !== cmd.Index) return applyOk(false);
        }
        kv.set(cmd.Key, {
          Key: cmd.Key,
          Flags: cmd.Flags,
          Value: cmd.Value === null ? null : Buffer.from(cmd.Value, 'base64'),
          LockIndex: prev?.LockIndex ?? 0,
          CreateIndex: prev?.CreateIndex ?? ctx.index,
          ModifyIndex: ctx.index,
        });
        this.#tombstones.delete(cmd.Key);
        this.#touched(ctx, cmd.Key);
        break;
      }
      case 'delete':
        if (prev) this.#delete(ctx, cmd.Key);
        break;
      case 'delete-cas':
        if (!prev || prev.ModifyIndex !== cmd.Index) return applyOk(false);
        this.#delete(ctx, cmd.Key);
        break;
      case 'delete-tree':
        for (const key of [...kv.keys()]) if (key.startsWith(cmd.Key)) this.#delete(ctx, key);
        break;
    }
    ctx.bump(IDX.kvs);
    return applyOk();
  }

  #delete(ctx: ApplyContext, key: string): void {
    this.#kv.delete(key);
    this.#tombstones.set(key, ctx.index);
    this.#touched(ctx, key);
  }

  #touched(ctx: ApplyContext, key: string): void {
    ctx.fire(IDX.kv(key));
    ctx.touchKey(key);
  }

  /** Drops tombstones at or below `reapIndex`; answers how many. Nothing a read returns changes, so nothing fires. */
  #reap(reapIndex: number): ApplyResult {
    let reaped = 0;
    for (const [key, idx] of this.#tombstones) {
      if (idx > reapIndex) continue;
      this.#tombstones.delete(key);
      this.#reapedThrough = Math.max(this.#reapedThrough, idx);
      reaped++;
    }
    return applyOk(reaped);
  }

  // ---------------------------------------------------------------- reads

  kvGet(ws: WatchSet | undefined, key: string): QueryResult<KVEntry | null> {
    ws?.add(IDX.kv(key));
    const entry = this.#kv.get(key) ?? null;
    // After a reap the table index stands in for the tombstone: it moved with the delete, so it is not lower.
    const index = entry?.ModifyIndex ?? this.#tombstones.get(key) ?? this.#deps.indexes.get(IDX.kvs);
    return { index: Math.max(1, index), value: entry };
  }

  /** Entries whose key starts with `prefix`, sorted by key; the index covers deletions under the prefix too. */
  kvList(ws: WatchSet | undefined, prefix: string): QueryResult<KVEntry[]> {
    ws?.addPrefix(prefix);
    let index = 0;
    const out: KVEntry[] = [];
    for (const entry of this.#kv.values()) {
      if (!entry.Key.startsWith(prefix)) continue;
      out.push(entry);
      index = Math.max(index, entry.ModifyIndex);
    }
    for (const [key, idx] of this.#tombstones) if (key.startsWith(prefix)) index = Math.max(index, idx);
    if (index === 0) index = this.#deps.indexes.get(IDX.kvs);
    out.sort((a, b) => cmp(a.Key, b.Key));
    return { index: Math.max(1, index, this.#reapedThrough), value: out };
  }

  /** Number of tombstones held, and the oldest one's index (0 when none): what the reaper looks at. */
  tombstoneStats(): { count: number; oldestIndex: number } {
    let oldest = 0;
    for (const idx of this.#tombstones.values()) if (oldest === 0 || idx < oldest) oldest = idx;
    return { count: this.#tombstones.size, oldestIndex: oldest };
  }

  // ---------------------------------------------------------------- snapshot

  snapshot(): KvSection {
    return {
      KV: [...this.#kv.values()].map((e) => ({
        ...e,
        Value: e.Value === null ? null : e.Value.toString('base64'),
      })),
      KVTombstones: [...this.#tombstones.entries()],
      ReapedThrough: this.#reapedThrough,
    };
  }

  restore(section: unknown): void {
    const s = section as Partial<KvSection> | undefined;
    this.#kv = new Map();
    for (const e of s?.KV ?? [])
      this.#kv.set(e.Key, { ...e, Value: e.Value === null ? null : Buffer.from(e.Value, 'base64') });
    this.#tombstones = new Map(s?.KVTombstones ?? []);
    this.#reapedThrough = s?.ReapedThrough ?? 0;
  }
}
