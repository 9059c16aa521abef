import { IDX } from '../index-table.js';
import { applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, Table } from '../table.js';

/**
 * Consul's `CALeafRequest` (`increment-index`): the server commits one per signed leaf and uses the command's
 * index as the leaf's `CreateIndex`/`ModifyIndex`, so leaf indexes move forward across restarts like every other
 * index, and a blocking leaf query holding an index from before a restart is answered with the new leaf.
 */
export type CaLeafCommand = { Type: 'ca-leaf-index' };

/** Holds no state: its one command bumps the `ca-leaf` index key. */
export class CaLeafTable implements Table<CaLeafCommand> {
  readonly name = 'ca-leaf';
  readonly commands = ['ca-leaf-index'] as const;

  apply(ctx: ApplyContext, _cmd: CaLeafCommand): ApplyResult {
    ctx.bump(IDX.caLeaf);
    return applyOk(ctx.index);
  }

  snapshot(): Record<string, never> {
    return {};
  }

  restore(_section: unknown): void {
    // Nothing to restore: the index key lives in the index table.
  }
}
