import type { Clock } from './clock.js';

/** Consul's `CheckTTL.getExpiredOutput` prefix. */
export const TTL_EXPIRED_OUTPUT = 'TTL expired';

/** The output a TTL check gets when its TTL runs out: Consul's text, with the last output the client sent. */
export function ttlExpiredOutput(lastOutput: string): string {
  return lastOutput === ''
    ? TTL_EXPIRED_OUTPUT
    : `${TTL_EXPIRED_OUTPUT} (last output before timeout follows): ${lastOutput}`;
}

/**
 * The timer of a TTL check (Consul's `CheckTTL`): armed at {@link start}, re-armed by every {@link renew}; when it
 * fires, `onExpire` is called once with the output the check must take, and nothing more happens until the next
 * renew.
 */
export class TtlRunner {
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #onExpire: (output: string) => void;
  #timer: unknown;
  #lastOutput = '';
  #stopped = false;

  constructor(opts: { clock: Clock; ttlMs: number; onExpire: (output: string) => void }) {
    this.#clock = opts.clock;
    this.#ttlMs = opts.ttlMs;
    this.#onExpire = opts.onExpire;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  start(): void {
    this.#arm();
  }

  /** A client set the status: remember its (already truncated) output and restart the TTL. */
  renew(output: string): void {
    this.#lastOutput = output;
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#disarm();
  }

  #arm(): void {
    if (this.#stopped) return;
    this.#disarm();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#stopped) this.#onExpire(ttlExpiredOutput(this.#lastOutput));
    }, this.#ttlMs);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
