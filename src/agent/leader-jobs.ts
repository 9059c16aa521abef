/** A background job only the leader runs: started when leadership is established, closed when it is revoked. */
export interface LeaderRoutine {
  start(): void;
  /** Stops the job and waits for work in flight. Must allow a later {@link start}. */
  close(): Promise<void>;
}

/**
 * The jobs that run only where the cluster's leader runs (Consul's `leaderRoutineManager`, started by
 * `establishLeadership` and stopped by `revokeLeadership`): writers whose commands every server applies, but which
 * exactly one server must send, such as the KV tombstone reaper.
 *
 * Today each Entente server is its cluster's only server, so the agent establishes leadership once at start and
 * revokes it at shutdown. With several servers, the leadership observer calls {@link establish} and {@link revoke}
 * on each transition; the jobs themselves do not change.
 *
 * Bounded: one routine per name, registered by the agent at start.
 */
export class LeaderJobs {
  readonly #routines = new Map<string, LeaderRoutine>();
  #leader = false;

  /** Whether leadership is established (the routines are running). */
  get leader(): boolean {
    return this.#leader;
  }

  /** Names of the routines running now. */
  get running(): string[] {
    return this.#leader ? [...this.#routines.keys()] : [];
  }

  /** Registers a routine; it starts at once when leadership is already established. */
  add(name: string, routine: LeaderRoutine): void {
    if (this.#routines.has(name))
      throw new Error(`leader routine ${JSON.stringify(name)} is already registered`);
    this.#routines.set(name, routine);
    if (this.#leader) routine.start();
  }

  /** This server became the leader: starts every routine. Idempotent. */
  establish(): void {
    if (this.#leader) return;
    this.#leader = true;
    for (const r of this.#routines.values()) r.start();
  }

  /**
   * This server is no longer the leader (or is shutting down): closes every routine and waits for them. Idempotent.
   * Every routine is closed even when one fails; the failures are thrown together afterwards.
   */
  async revoke(): Promise<void> {
    if (!this.#leader) return;
    this.#leader = false;
    const names = [...this.#routines.keys()];
    const results = await Promise.allSettled([...this.#routines.values()].map((r) => r.close()));
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${names[i] ?? ''}: ${(r.reason as Error).message}`] : [],
    );
    if (failed.length > 0) throw new Error(`leader routines failed to stop: ${failed.join('; ')}`);
  }
}
