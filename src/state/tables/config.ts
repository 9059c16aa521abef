import { IDX } from '../index-table.js';
import { applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, Table, TableDeps } from '../table.js';
import type { WatchSet } from '../watch.js';
import type { QueryResult } from './catalog.js';
import { cmp } from './keys.js';

export type ConfigCommand =
  | { Type: 'config-set'; Entry: Record<string, unknown>; Cas: number | null }
  | { Type: 'config-delete'; Kind: string; Name: string; Cas: number | null };

export interface ConfigEntryRecord {
  entry: Record<string, unknown> & { Kind: string; Name: string };
  CreateIndex: number;
  ModifyIndex: number;
}

/**
 * Config entries by kind and name. Index keys: `config-entries` (table), `config.<kind>`, `config.<kind>/<name>`
 * (dropped with the entry; reads fall back to the table key).
 */
export class ConfigTable implements Table<ConfigCommand> {
  readonly name = 'config';
  readonly commands = ['config-set', 'config-delete'] as const;
  readonly #deps: TableDeps;
  #byKind = new Map<string, Map<string, ConfigEntryRecord>>();

  constructor(deps: TableDeps) {
    this.#deps = deps;
  }

  apply(ctx: ApplyContext, cmd: ConfigCommand): ApplyResult {
    return cmd.Type === 'config-set'
      ? this.#set(ctx, cmd.Entry, cmd.Cas)
      : this.#delete(ctx, cmd.Kind, cmd.Name, cmd.Cas);
  }

  #set(ctx: ApplyContext, entry: Record<string, unknown>, cas: number | null): ApplyResult {
    const kind = String(entry['Kind']);
    const name = String(entry['Name']);
    let byKind = this.#byKind.get(kind);
    const prev = byKind?.get(name);
    if (cas !== null && (cas === 0 ? prev !== undefined : prev?.ModifyIndex !== cas)) return applyOk(false);
    if (!byKind) {
      byKind = new Map();
      this.#byKind.set(kind, byKind);
    }
    byKind.set(name, {
      entry: { ...entry, Kind: kind, Name: name },
      CreateIndex: prev?.CreateIndex ?? ctx.index,
      ModifyIndex: ctx.index,
    });
    this.#bump(ctx, kind, name);
    return applyOk();
  }

  #delete(ctx: ApplyContext, kind: string, name: string, cas: number | null): ApplyResult {
    const byKind = this.#byKind.get(kind);
    const prev = byKind?.get(name);
    if (cas !== null && prev?.ModifyIndex !== cas) return applyOk(false);
    if (byKind && prev) {
      byKind.delete(name);
      this.#bump(ctx, kind, name);
      ctx.retire(IDX.configEntry(kind, name));
      if (byKind.size === 0) {
        this.#byKind.delete(kind);
        ctx.retire(IDX.configKind(kind));
      }
    }
    return applyOk();
  }

  #bump(ctx: ApplyContext, kind: string, name: string): void {
    ctx.bump(IDX.configEntries);
    ctx.bump(IDX.configKind(kind));
    ctx.bump(IDX.configEntry(kind, name));
  }

  configEntry(ws: WatchSet | undefined, kind: string, name: string): QueryResult<ConfigEntryRecord | null> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.configEntry(kind, name));
    return { index, value: this.#byKind.get(kind)?.get(name) ?? null };
  }

  configEntries(ws: WatchSet | undefined, kind: string): QueryResult<ConfigEntryRecord[]> {
    const index = this.#deps.indexes.maxIndex(ws, IDX.configKind(kind));
    const out = [...(this.#byKind.get(kind)?.values() ?? [])].sort((a, b) => cmp(a.entry.Name, b.entry.Name));
    return { index, value: out };
  }

  snapshot(): ConfigEntryRecord[] {
    return [...this.#byKind.values()].flatMap((m) => [...m.values()]);
  }

  restore(section: unknown): void {
    this.#byKind = new Map();
    for (const rec of (section as ConfigEntryRecord[] | undefined) ?? []) {
      let m = this.#byKind.get(rec.entry.Kind);
      if (!m) this.#byKind.set(rec.entry.Kind, (m = new Map<string, ConfigEntryRecord>()));
      m.set(rec.entry.Name, rec);
    }
  }
}
