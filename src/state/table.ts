import type { IndexTable } from './index-table.js';
import type { ApplyResult } from './result.js';

/**
 * What a table's `apply` may do besides changing its own maps: move index-table keys (which wakes the blocking
 * queries that read them) and name the KV keys a change touched (for prefix watches). One context per applied
 * command; `index` is the command's log index.
 */
export interface ApplyContext {
  readonly index: number;
  /** Sets `key` in the index table to this command's index and fires it as a watch topic. */
  bump(key: string): void;
  /** Fires `topic` without storing it in the index table (watch-only topics, e.g. `kv.<key>`). */
  fire(topic: string): void;
  /** A KV key this command changed, matched against prefix watches. */
  touchKey(key: string): void;
  /**
   * Drops a per-object index key (its object is gone); the topic still fires. Call it after the last bump of the
   * key, and only for keys whose table key this command also bumped, so reads that fall back to the table key never
   * go backwards. A later bump in the same command (the object came back) sets the key again.
   */
  retire(key: string): void;
}

/** A command as a table declares it: a discriminated union member on `Type`. */
export interface CommandShape {
  readonly Type: string;
}

/**
 * One table of the state machine: its commands, how it applies them, its part of a snapshot, its index keys.
 * Adding a table is one file implementing this, plus one line in `tables/registry.ts`.
 *
 * NOTE: apply must be deterministic (same state + command → same state, on every server replaying the log) and
 * must answer errors instead of throwing, leaving state untouched.
 */
export interface Table<C extends CommandShape = CommandShape> {
  /** Snapshot section name; never renamed (snapshots on disk carry it). */
  readonly name: string;
  /** The command types this table applies. A type belongs to exactly one table. */
  readonly commands: readonly C['Type'][];
  /**
   * Per command type, the upgrades from older encodings: `upgrades[t][i]` turns version `i + 1` into `i + 2`, so
   * the current version of `t` is `upgrades[t].length + 1` (1 when absent). Old log entries are upgraded on
   * decode; see `command-codec.ts`.
   */
  readonly upgrades?: Readonly<Partial<Record<C['Type'], readonly CommandUpgrade[]>>>;
  apply(ctx: ApplyContext, cmd: C): ApplyResult;
  /** This table's snapshot section (plain JSON). */
  snapshot(): unknown;
  /** Replaces this table's state with a section written by {@link snapshot} (undefined: the table is empty). */
  restore(section: unknown): void;
}

/** Turns one encoded version of a command into the next. */
export type CommandUpgrade = (old: Record<string, unknown>) => Record<string, unknown>;

/** Shared by tables: the index table. */
export interface TableDeps {
  readonly indexes: IndexTable;
}
