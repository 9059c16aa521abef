import type { CAConfigRecord, CARootRecord } from '../../types/index.js';
import { IDX } from '../index-table.js';
import { applyError, applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, Table, TableDeps } from '../table.js';
import type { WatchSet } from '../watch.js';
import type { QueryResult } from './catalog.js';

/** The writable part of a CA configuration (the indexes are the store's). */
export type CAConfigInput = Pick<CAConfigRecord, 'Provider' | 'Config' | 'ForceWithoutCrossSigning'>;

export type CaCommand =
  /** Bootstrap: the first root and its key, and the first configuration. The first `ca-init` wins. */
  | { Type: 'ca-init'; Roots: CARootRecord[]; SigningKeyPem: string; Config?: CAConfigInput }
  /** A configuration change that keeps the root (TTLs, rate limits). */
  | { Type: 'ca-set-config'; Config: CAConfigInput }
  /**
   * A rotation: `Root` (with its cross-signed intermediate) becomes the active root and `SigningKeyPem` the
   * signing key; the previous active root stays listed, inactive, with `RotatedOutAt`. Refused when the active
   * root is no longer `ExpectedActiveRootID` (another rotation won).
   */
  | {
      Type: 'ca-rotate';
      Config: CAConfigInput;
      Root: CARootRecord;
      SigningKeyPem: string;
      ExpectedActiveRootID: string;
      RotatedOutAt: string;
    }
  /** Drops inactive roots whose leaves have all expired. Active roots are never dropped. */
  | { Type: 'ca-prune'; RootIDs: string[] };

/**
 * Most roots kept. Each rotation adds one and pruning removes them only after twice `LeafCertTTL`, so an operator
 * rotating in a loop could grow the list (and every peer's trust bundle) without end. Overflow policy: a rotation
 * that would pass the limit drops the oldest inactive roots in the same command (their leaves stop validating
 * early); the answer's value lists the dropped IDs so the writer can log them.
 */
export const MAX_CA_ROOTS = 8;

interface CaSection {
  CARoots: CARootRecord[];
  CASigningKeyPem: string;
  /** Absent in snapshots written before the configuration existed: the agent then writes its initial one. */
  CAConfig?: CAConfigRecord;
}

/**
 * Connect CA roots, the active root's signing key and the CA configuration. Index keys: `ca-roots` moves exactly
 * when the list of roots or the active one changes (what peers' trust bundles follow), `ca-config` when the
 * configuration changes.
 */
export class CaTable implements Table<CaCommand> {
  readonly name = 'ca';
  readonly commands = ['ca-init', 'ca-set-config', 'ca-rotate', 'ca-prune'] as const;
  readonly #deps: TableDeps;
  #roots: CARootRecord[] = [];
  #signingKeyPem = '';
  #config: CAConfigRecord | undefined;

  constructor(deps: TableDeps) {
    this.#deps = deps;
  }

  apply(ctx: ApplyContext, cmd: CaCommand): ApplyResult {
    switch (cmd.Type) {
      case 'ca-init':
        return this.#init(ctx, cmd);
      case 'ca-set-config':
        this.#setConfig(ctx, cmd.Config);
        return applyOk();
      case 'ca-rotate':
        return this.#rotate(ctx, cmd);
      case 'ca-prune':
        return this.#prune(ctx, cmd.RootIDs);
    }
  }

  #init(ctx: ApplyContext, cmd: Extract<CaCommand, { Type: 'ca-init' }>): ApplyResult {
    if (this.#roots.length === 0) {
      this.#roots = cmd.Roots.map((r) => ({ ...r, CreateIndex: ctx.index, ModifyIndex: ctx.index }));
      this.#signingKeyPem = cmd.SigningKeyPem;
      ctx.bump(IDX.caRoots);
    }
    if (this.#config === undefined && cmd.Config !== undefined) this.#setConfig(ctx, cmd.Config);
    return applyOk();
  }

  #setConfig(ctx: ApplyContext, input: CAConfigInput): void {
    this.#config = {
      Provider: input.Provider,
      Config: { ...input.Config },
      State: null,
      ForceWithoutCrossSigning: input.ForceWithoutCrossSigning,
      CreateIndex: this.#config?.CreateIndex ?? ctx.index,
      ModifyIndex: ctx.index,
    };
    ctx.bump(IDX.caConfig);
  }

  #rotate(ctx: ApplyContext, cmd: Extract<CaCommand, { Type: 'ca-rotate' }>): ApplyResult {
    const active = this.#roots.find((r) => r.Active);
    if ((active?.ID ?? '') !== cmd.ExpectedActiveRootID) {
      return applyError(
        'ENT_ERR_CONFLICT',
        'could not atomically update roots and config: the active root changed meanwhile',
      );
    }
    if (this.#roots.some((r) => r.ID === cmd.Root.ID)) {
      return applyError('ENT_ERR_CONFLICT', `CA root ${cmd.Root.ID} is already stored`);
    }
    const roots = [
      ...this.#roots.map((r) =>
        r.Active ? { ...r, Active: false, RotatedOutAt: cmd.RotatedOutAt, ModifyIndex: ctx.index } : r,
      ),
      { ...cmd.Root, Active: true, CreateIndex: ctx.index, ModifyIndex: ctx.index },
    ];
    const dropped: string[] = [];
    while (roots.length > MAX_CA_ROOTS) {
      const [oldest] = roots.splice(0, 1); // the first is the oldest, and inactive: the active one is last
      if (oldest !== undefined) dropped.push(oldest.ID);
    }
    this.#roots = roots;
    this.#signingKeyPem = cmd.SigningKeyPem;
    ctx.bump(IDX.caRoots);
    this.#setConfig(ctx, cmd.Config);
    return applyOk({ dropped });
  }

  #prune(ctx: ApplyContext, ids: readonly string[]): ApplyResult {
    const drop = new Set(ids);
    const kept = this.#roots.filter((r) => r.Active || !drop.has(r.ID));
    if (kept.length !== this.#roots.length) {
      this.#roots = kept;
      ctx.bump(IDX.caRoots);
    }
    return applyOk(this.#roots.length);
  }

  caRoots(ws: WatchSet | undefined): QueryResult<CARootRecord[]> {
    return { index: this.#deps.indexes.maxIndex(ws, IDX.caRoots), value: this.#roots };
  }

  caConfig(ws: WatchSet | undefined): QueryResult<CAConfigRecord | undefined> {
    return { index: this.#deps.indexes.maxIndex(ws, IDX.caConfig), value: this.#config };
  }

  /** The active root's private key (PEM). Never rendered, never logged. */
  get signingKeyPem(): string {
    return this.#signingKeyPem;
  }

  snapshot(): CaSection {
    return {
      CARoots: this.#roots,
      CASigningKeyPem: this.#signingKeyPem,
      ...(this.#config === undefined ? {} : { CAConfig: this.#config }),
    };
  }

  restore(section: unknown): void {
    const s = section as CaSection | undefined;
    this.#roots = s?.CARoots ?? [];
    this.#signingKeyPem = s?.CASigningKeyPem ?? '';
    this.#config = s?.CAConfig;
  }
}
