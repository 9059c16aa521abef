import type { ConfigEntry } from '../../config-entry/index.js';
import { validateProposedConfigEntry, type GraphStore } from '../../discovery-chain/index.js';
import { IDX } from '../index-table.js';
import { applyError, applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, CommandUpgrade, Table, TableDeps } from '../table.js';
import type { WatchSet } from '../watch.js';
import type { QueryResult } from './catalog.js';
import { cmp } from './keys.js';

/**
 * Config-entry writes. `Entry` is decoded, normalized and validated on its own by the writer (HTTP); the apply
 * checks it against the service graph (see {@link ConfigTable}). `Cas`: null writes unconditionally; 0 writes only
 * when absent; n writes (deletes) only when the stored `ModifyIndex` is n; a lost CAS answers `false`.
 *
 * `CheckedAtRequest` is never set by a writer: decoding sets it on entries written before version 2, whose graph
 * check ran at request time, so replaying an old log applies them as the release that wrote them did.
 */
export type ConfigCommand =
  | { Type: 'config-set'; Entry: Record<string, unknown>; Cas: number | null; CheckedAtRequest?: true }
  | { Type: 'config-delete'; Kind: string; Name: string; Cas: number | null; CheckedAtRequest?: true };

/** Version 1 → 2: the graph check moved from the HTTP layer into the apply; v1 entries were checked before. */
const checkedAtRequest: CommandUpgrade = (old) => ({ ...old, CheckedAtRequest: true });

export interface ConfigEntryRecord {
  entry: Record<string, unknown> & { Kind: string; Name: string };
  CreateIndex: number;
  ModifyIndex: number;
}

/**
 * Config entries by kind and name. Index keys: `config-entries` (table), `config.<kind>`, `config.<kind>/<name>`
 * (dropped with the entry; reads fall back to the table key).
 *
 * The service-graph check (Consul's `validateProposedConfigEntryInGraph`, discovery-chain/validate-graph.ts) runs
 * here, inside the apply, against the state the command is applied to, after the CAS check and before anything
 * changes: a write or delete that would leave a discovery chain uncompilable, L7 intention permissions on a
 * destination that is not HTTP-like, or a peer-exported chain reaching another datacenter or peer answers
 * `ENT_ERR_CONFIG_GRAPH_INVALID` with Consul's text and changes nothing. Two writes each valid alone are thus
 * checked in log order, the second against the first's result, so they can never combine into an invalid graph.
 * Deleting an entry that does not exist changes nothing and checks nothing, as in Consul.
 */
export class ConfigTable implements Table<ConfigCommand> {
  readonly name = 'config';
  readonly commands = ['config-set', 'config-delete'] as const;
  readonly upgrades = { 'config-set': [checkedAtRequest], 'config-delete': [checkedAtRequest] };
  readonly #deps: TableDeps;
  #byKind = new Map<string, Map<string, ConfigEntryRecord>>();
  /** The stored entries as the graph check reads them. */
  readonly #graph: GraphStore = {
    entry: (kind, name) => this.#byKind.get(kind)?.get(name)?.entry as ConfigEntry | undefined,
    entries: (kind) => [...(this.#byKind.get(kind)?.values() ?? [])].map((r) => r.entry as ConfigEntry),
  };

  constructor(deps: TableDeps) {
    this.#deps = deps;
  }

  apply(ctx: ApplyContext, cmd: ConfigCommand): ApplyResult {
    const check = cmd.CheckedAtRequest !== true;
    return cmd.Type === 'config-set'
      ? this.#set(ctx, cmd.Entry, cmd.Cas, check)
      : this.#delete(ctx, cmd.Kind, cmd.Name, cmd.Cas, check);
  }

  #set(ctx: ApplyContext, entry: Record<string, unknown>, cas: number | null, check: boolean): ApplyResult {
    const kind = String(entry['Kind']);
    const name = String(entry['Name']);
    let byKind = this.#byKind.get(kind);
    const prev = byKind?.get(name);
    if (cas !== null && (cas === 0 ? prev !== undefined : prev?.ModifyIndex !== cas)) return applyOk(false);
    const refused = check ? this.#checkGraph(kind, name, { ...entry, Kind: kind, Name: name }) : undefined;
    if (refused) return refused;
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

  #delete(ctx: ApplyContext, kind: string, name: string, cas: number | null, check: boolean): ApplyResult {
    const byKind = this.#byKind.get(kind);
    const prev = byKind?.get(name);
    if (cas !== null && prev?.ModifyIndex !== cas) return applyOk(false);
    const refused = check && prev ? this.#checkGraph(kind, name, null) : undefined;
    if (refused) return refused;
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

  /** The refusal of a change (`entry` null: a delete) that would break the service graph; reads state only. */
  #checkGraph(kind: string, name: string, entry: Record<string, unknown> | null): ApplyResult | undefined {
    const change = { kind, name, entry: entry as ConfigEntry | null };
    let msg: string | undefined;
    try {
      msg = validateProposedConfigEntry(this.#graph, change);
    } catch {
      // A defect in the checker, not in the request: refuse (every server fails alike) rather than store unchecked.
      return applyError('ENT_ERR_INTERNAL', `config entry graph check failed for ${kind} "${name}"`);
    }
    return msg === undefined ? undefined : applyError('ENT_ERR_CONFIG_GRAPH_INVALID', msg);
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
