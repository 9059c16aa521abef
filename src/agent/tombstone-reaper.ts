import type { Logger } from '../logging/index.js';
import type { ApplyResult, Command } from '../state/index.js';
import type { LeaderRoutine } from './leader-jobs.js';

/** How long a KV tombstone is kept before it may be reaped (Consul's `TombstoneTTL`, 15 minutes). */
export const DEFAULT_TOMBSTONE_TTL_MS = 15 * 60_000;
/** How often the reaper looks, and the precision of the TTL (Consul's `TombstoneTTLGranularity`, 30 s). */
export const DEFAULT_TOMBSTONE_GRANULARITY_MS = 30_000;

/** What the reaper needs of the server (the agent provides it). */
export interface TombstoneReaperDeps {
  /** Index of the last applied entry. */
  lastIndex(): number;
  /** Index of the oldest KV tombstone; 0 when there is none. */
  oldestTombstone(): number;
  write(cmd: Command): Promise<{ index: number; result: ApplyResult }>;
  logger: Logger;
  ttlMs?: number;
  granularityMs?: number;
}

/**
 * KV tombstone GC, the way Consul's leader runs it: tombstones are kept for a TTL so blocking prefix queries see
 * the index of a delete, then a `kv-reap` command goes through the log, so every server drops exactly the same
 * tombstones. The wall clock only decides when to send it.
 *
 * Every `granularityMs` the reaper samples (time, last applied index); a tombstone at or below a sample's index was
 * made at or before that sample's time, so once a sample is older than the TTL, everything at or below its index
 * may go. Samples are bounded: at most TTL / granularity + 2 are kept (older ones are used or dropped).
 *
 * Leader-only: the agent registers it in `LeaderJobs` (leader-jobs.ts), which starts it when this server leads
 * and closes it when leadership is revoked (today: at start and at shutdown of the single server).
 */
export class TombstoneReaper implements LeaderRoutine {
  readonly #deps: TombstoneReaperDeps;
  readonly #ttlMs: number;
  readonly #granularityMs: number;
  #samples: { at: number; index: number }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(deps: TombstoneReaperDeps) {
    this.#deps = deps;
    this.#ttlMs = deps.ttlMs ?? DEFAULT_TOMBSTONE_TTL_MS;
    this.#granularityMs = deps.granularityMs ?? DEFAULT_TOMBSTONE_GRANULARITY_MS;
  }

  /** Number of samples held, for tests. */
  get sampleCount(): number {
    return this.#samples.length;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.tick(Date.now()).finally(() => {
        this.#running = undefined;
      });
    }, this.#granularityMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a reap in flight. Idempotent. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * One look at `now` (ms): records a sample, and reaps up to the newest sample older than the TTL when a
   * tombstone is that old. A failed write is logged and retried at the next tick.
   */
  async tick(now: number): Promise<void> {
    this.#samples.push({ at: now, index: this.#deps.lastIndex() });
    let reapIndex = 0;
    while (this.#samples.length > 0 && (this.#samples[0]?.at ?? now) <= now - this.#ttlMs) {
      reapIndex = this.#samples.shift()?.index ?? reapIndex;
    }
    const max = Math.ceil(this.#ttlMs / this.#granularityMs) + 2;
    if (this.#samples.length > max) this.#samples = this.#samples.slice(-max);
    const oldest = this.#deps.oldestTombstone();
    if (reapIndex === 0 || oldest === 0 || oldest > reapIndex) return;
    try {
      const { result } = await this.#deps.write({ Type: 'kv-reap', ReapIndex: reapIndex });
      if (result.ok)
        this.#deps.logger.debug({ reap_index: reapIndex, reaped: result.value }, 'KV tombstones reaped');
      else this.#deps.logger.warn({ reap_index: reapIndex, code: result.code }, result.error);
    } catch (err) {
      // Retried with a newer reap index next time (the index only grows, so nothing is skipped).
      this.#samples.unshift({ at: now - this.#ttlMs, index: reapIndex });
      this.#deps.logger.warn({ err, reap_index: reapIndex }, 'KV tombstone reap failed; retrying later');
    }
  }
}
