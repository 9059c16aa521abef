import { IDX } from '../index-table.js';
import { applyOk, type ApplyResult } from '../result.js';
import type { ApplyContext, Table } from '../table.js';

export type SystemCommand = { Type: 'cluster-init'; ClusterID: string };

/** Cluster identity. Index key: `system`. The first `cluster-init` wins; later ones answer the stored ID. */
export class SystemTable implements Table<SystemCommand> {
  readonly name = 'system';
  readonly commands = ['cluster-init'] as const;
  #clusterId = '';

  apply(ctx: ApplyContext, cmd: SystemCommand): ApplyResult {
    if (this.#clusterId === '') {
      this.#clusterId = cmd.ClusterID;
      ctx.bump(IDX.system);
    }
    return applyOk(this.#clusterId);
  }

  get clusterId(): string {
    return this.#clusterId;
  }

  snapshot(): { ClusterID: string } {
    return { ClusterID: this.#clusterId };
  }

  restore(section: unknown): void {
    this.#clusterId = (section as { ClusterID?: string } | undefined)?.ClusterID ?? '';
  }
}
