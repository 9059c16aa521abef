import type { ImportedInstance } from '../state/index.js';
import { ImportLedger, type ImportCaps, type ImportUsage, type StoredImportCounts } from './import-caps.js';
import { ImportShadow, type ShadowDiff } from './import-shadow.js';
import type { PeeringWrite, PeeringWriteCommand } from './store.js';
import { DEFAULT_STREAM_LIMITS, MAX_IMPORT_BATCH_BYTES, MAX_IMPORT_BATCH_SERVICES } from './stream-limits.js';

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** One service update waiting in a batch, with the full instance set it came from (to turn it into a replace). */
interface QueuedUpdate {
  name: string;
  full: readonly ImportedInstance[];
  diff: ShadowDiff;
}

type Job =
  | { kind: 'services'; updates: QueuedUpdate[]; bytes: number; waiters: Waiter[] }
  | { kind: 'list'; services: string[]; waiters: Waiter[] };

/** Limits of one batch (defaults: {@link MAX_IMPORT_BATCH_SERVICES}, {@link MAX_IMPORT_BATCH_BYTES}). */
export interface ImportBatchLimits {
  maxServices: number;
  maxBytes: number;
}

/** Batch limits, the peer's import caps and what the store already holds of the peer's imports. */
export interface ImportOptions extends Partial<ImportBatchLimits> {
  /** Per-peer caps (default: `DEFAULT_STREAM_LIMITS.importMaxServices` / `importMaxInstances`). */
  caps?: ImportCaps | undefined;
  /** What earlier streams left stored, read when the stream starts and after a failed write (default: nothing). */
  stored?: StoredImportCounts | undefined;
}

/**
 * Writes one stream's imports with at most one command in flight. The updates that arrive while a write is in
 * flight are coalesced into the next `peering-import-batch` (one log append and fsync for a burst), each diffed
 * against what this stream has written ({@link ImportShadow}: unchanged instances are not written, removed ones
 * are removed by name). Each caller's promise settles when the command holding its update has committed and
 * applied, so an ACK sent after it still means "durably applied"; a refused command rejects every update in it.
 *
 * Bounds: a batch holds at most `maxServices` updates and `maxBytes` of instance JSON; overflow policy: an update
 * that would pass either starts the next batch (one larger than `maxBytes` is written alone). The number of
 * updates waiting is bounded by the caller (the stream receiver keeps at most `MAX_INFLIGHT_IMPORTS` unsettled).
 * `ExportedServiceList` updates are written as their own `peering-import-list`, in order with the batches.
 *
 * Import caps: an update that would pass the peer's caps is refused before it is queued ({@link ImportLedger}:
 * the promise rejects with an `ImportCapError`, nothing of it is written, the service keeps what it had).
 */
export class ImportBatcher {
  readonly #peerName: string;
  readonly #write: PeeringWrite;
  readonly #limits: ImportBatchLimits;
  readonly #shadow = new ImportShadow();
  readonly #ledger: ImportLedger;
  readonly #queue: Job[] = [];
  #writing = false;

  constructor(peerName: string, write: PeeringWrite, opts?: ImportOptions) {
    this.#peerName = peerName;
    this.#write = write;
    this.#limits = {
      maxServices: opts?.maxServices ?? MAX_IMPORT_BATCH_SERVICES,
      maxBytes: opts?.maxBytes ?? MAX_IMPORT_BATCH_BYTES,
    };
    this.#ledger = new ImportLedger(
      opts?.caps ?? {
        maxServices: DEFAULT_STREAM_LIMITS.importMaxServices,
        maxInstances: DEFAULT_STREAM_LIMITS.importMaxInstances,
      },
      opts?.stored,
    );
  }

  /** What the peer's imports hold against its caps (queued updates included). */
  get usage(): ImportUsage {
    return this.#ledger.usage;
  }

  /**
   * Queues the service's full instance set; resolves once it is committed. Rejects at once with an
   * `ImportCapError` (nothing queued) when it would pass a cap.
   */
  service(name: string, instances: readonly ImportedInstance[]): Promise<void> {
    try {
      this.#ledger.admit(name, instances.length);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const diff = this.#shadow.diff(name, instances);
    return this.#enqueue((waiter) => {
      const last = this.#queue[this.#queue.length - 1];
      if (
        last?.kind === 'services' &&
        last.updates.length < this.#limits.maxServices &&
        last.bytes + diff.bytes <= this.#limits.maxBytes
      ) {
        last.updates.push({ name, full: instances, diff });
        last.bytes += diff.bytes;
        last.waiters.push(waiter);
        return;
      }
      this.#queue.push({
        kind: 'services',
        updates: [{ name, full: instances, diff }],
        bytes: diff.bytes,
        waiters: [waiter],
      });
    });
  }

  /** Queues an `ExportedServiceList` (services not named are dropped); resolves once it is committed. */
  list(services: string[]): Promise<void> {
    this.#shadow.retain(services);
    this.#ledger.retain(services);
    return this.#enqueue((waiter) => {
      this.#queue.push({ kind: 'list', services, waiters: [waiter] });
    });
  }

  #enqueue(add: (waiter: Waiter) => void): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      add({ resolve, reject });
    });
    this.#kick();
    return done;
  }

  #kick(): void {
    if (this.#writing) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#writing = true;
    void this.#run(job);
  }

  async #run(job: Job): Promise<void> {
    let failure: Error | undefined;
    try {
      const { result } = await this.#write(this.#command(job));
      if (!result.ok) failure = new Error(result.error);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    if (failure) {
      this.#rebase();
      for (const w of job.waiters) w.reject(failure);
    } else {
      for (const w of job.waiters) w.resolve();
    }
    this.#writing = false;
    this.#kick();
  }

  #command(job: Job): PeeringWriteCommand {
    if (job.kind === 'list') {
      return { Type: 'peering-import-list', PeerName: this.#peerName, Services: job.services };
    }
    return {
      Type: 'peering-import-batch',
      PeerName: this.#peerName,
      Services: job.updates.map((u) => u.diff.update),
    };
  }

  /**
   * After a refused or failed write the store may not hold what the shadow says: forget it, and turn every queued
   * update into a full replace (recording those in the shadow again, in queue order), so what follows is exact.
   * The cap ledger is read from the store again (nothing is in flight now) and the queued jobs replayed on it.
   * Batches already formed keep their members, so after a failure one may pass `maxBytes` (rare: the store refused
   * a write, which ends the peering's imports anyway).
   */
  #rebase(): void {
    this.#shadow.clear();
    this.#ledger.reseed();
    for (const job of this.#queue) {
      if (job.kind === 'list') {
        this.#shadow.retain(job.services);
        this.#ledger.retain(job.services);
        continue;
      }
      for (const u of job.updates) {
        u.diff = {
          update: { ServiceName: u.name, Replace: true, Upserts: [...u.full], Removes: [] },
          bytes: u.diff.bytes,
        };
        this.#shadow.replaced(u.name, u.full);
        this.#ledger.record(u.name, u.full.length);
      }
    }
  }
}
