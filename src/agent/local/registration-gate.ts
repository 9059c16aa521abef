/**
 * Orders the agent's service writes against central-config re-merges. Registrations and deregistrations run
 * together (`shared`); a re-merge pass (`exclusive`) waits until those in flight have been applied, and holds new
 * ones back until its own writes have been applied.
 *
 * Why: a re-merge reads the kept registrations from the state store and writes them back merged. A registration
 * or deregistration appended to the log but not yet applied is invisible to that read, so without the gate a pass
 * could write an older registration after a newer one (or bring back a deregistered service); and a registration
 * merged before a config change but applied after it would keep the old merge.
 *
 * Bound: nothing is queued here but the callers' own promises (one per registration/deregistration request in
 * flight, which the HTTP server bounds); passes are already coalesced to one per tick by the agent.
 */
export class RegistrationGate {
  readonly #shared = new Set<Promise<unknown>>();
  /** The pass running or waiting, settled (never rejected) when it is done. */
  #exclusive: Promise<void> | undefined;

  /** Runs `fn` once no pass is running or waiting; any number run at once. */
  async shared<T>(fn: () => Promise<T>): Promise<T> {
    while (this.#exclusive) await this.#exclusive;
    const p = fn();
    this.#shared.add(p);
    const done = (): void => {
      this.#shared.delete(p);
    };
    p.then(done, done);
    return p;
  }

  /** Runs `fn` once every shared call in flight has settled and no other pass runs; shared calls wait for it. */
  exclusive(fn: () => Promise<void>): Promise<void> {
    const before = this.#exclusive;
    const run = (async (): Promise<void> => {
      if (before) await before;
      while (this.#shared.size > 0) await Promise.allSettled([...this.#shared]);
      await fn();
    })();
    const settled: Promise<void> = run.then(
      () => undefined,
      () => undefined,
    );
    this.#exclusive = settled;
    void settled.then(() => {
      if (this.#exclusive === settled) this.#exclusive = undefined;
    });
    return run;
  }
}
