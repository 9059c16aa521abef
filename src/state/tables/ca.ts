import type { CARootRecord } from '../../types/index.js';
import { IDX } from '../index-table.js';
import { applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, Table, TableDeps } from '../table.js';
import type { WatchSet } from '../watch.js';
import type { QueryResult } from './catalog.js';

export type CaCommand = { Type: 'ca-init'; Roots: CARootRecord[]; SigningKeyPem: string };

interface CaSection {
  CARoots: CARootRecord[];
  CASigningKeyPem: string;
}

/** Connect CA roots and the active root's signing key. Index key: `ca-roots`. First `ca-init` wins. */
export class CaTable implements Table<CaCommand> {
  readonly name = 'ca';
  readonly commands = ['ca-init'] as const;
  readonly #deps: TableDeps;
  #roots: CARootRecord[] = [];
  #signingKeyPem = '';

  constructor(deps: TableDeps) {
    this.#deps = deps;
  }

  apply(ctx: ApplyContext, cmd: CaCommand): ApplyResult {
    if (this.#roots.length === 0) {
      this.#roots = cmd.Roots.map((r) => ({ ...r, CreateIndex: ctx.index, ModifyIndex: ctx.index }));
      this.#signingKeyPem = cmd.SigningKeyPem;
      ctx.bump(IDX.caRoots);
    }
    return applyOk();
  }

  caRoots(ws: WatchSet | undefined): QueryResult<CARootRecord[]> {
    return { index: this.#deps.indexes.maxIndex(ws, IDX.caRoots), value: this.#roots };
  }

  /** The active root's private key (PEM). Never rendered, never logged. */
  get signingKeyPem(): string {
    return this.#signingKeyPem;
  }

  snapshot(): CaSection {
    return { CARoots: this.#roots, CASigningKeyPem: this.#signingKeyPem };
  }

  restore(section: unknown): void {
    const s = section as CaSection | undefined;
    this.#roots = s?.CARoots ?? [];
    this.#signingKeyPem = s?.CASigningKeyPem ?? '';
  }
}
