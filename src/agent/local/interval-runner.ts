import type { HealthStatus } from '../../types/index.js';
import type { Clock } from './clock.js';

/** What one probe found. */
export interface ProbeResult {
  status: HealthStatus;
  output: string;
}

export interface IntervalRunnerOptions {
  clock: Clock;
  /** ms between the end of one probe and the start of the next. */
  intervalMs: number;
  /** ms before the first probe. */
  firstDelayMs: number;
  /** Runs one probe; `signal` aborts when the runner stops. Must not reject for probe failures: report them. */
  probe: (signal: AbortSignal) => Promise<ProbeResult>;
  /** Records a result (a write); awaited before the next probe is scheduled. */
  report: (result: ProbeResult) => Promise<void>;
  /** Called with anything `probe` or `report` threw while the runner was running. */
  onError: (err: unknown) => void;
}

/**
 * Runs a probe periodically, like Consul's `CheckHTTP.run`/`CheckTCP.run`: the next probe is scheduled only once the
 * previous one and its report have finished, so two probes of a check never overlap and a slow target slows its own
 * check down instead of piling up requests.
 */
export class IntervalRunner {
  readonly #opts: IntervalRunnerOptions;
  readonly #abort = new AbortController();
  #timer: unknown;
  #current: Promise<void> | undefined;
  #stopped = false;

  constructor(opts: IntervalRunnerOptions) {
    this.#opts = opts;
  }

  start(): void {
    this.#schedule(this.#opts.firstDelayMs);
  }

  /** Stops scheduling, aborts an in-flight probe, and resolves once it has settled. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#opts.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort(new Error('check runner stopped'));
    await this.#current;
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#opts.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#current = this.#runOnce();
    }, ms);
  }

  async #runOnce(): Promise<void> {
    try {
      const result = await this.#opts.probe(this.#abort.signal);
      if (!this.#stopped) await this.#opts.report(result);
    } catch (err) {
      if (!this.#stopped) this.#opts.onError(err);
    } finally {
      this.#current = undefined;
      this.#schedule(this.#opts.intervalMs);
    }
  }
}
