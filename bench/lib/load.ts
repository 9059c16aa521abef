import { percentile } from './stats.js';

export interface LoadOptions {
  /** Concurrent closed-loop clients: each sends its next operation when the previous one completed. */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** One operation; `seq` is unique across clients. Rejecting or returning false counts as an error. */
  op: (seq: number) => Promise<boolean>;
  /** Called when the measured window opens and closes (e.g. to sample CPU time). */
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
}

export interface LoadResult {
  /** Operations completed inside the measured window (after warm-up). */
  ops: number;
  errors: number;
  /** Measured window, ms. */
  elapsedMs: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  firstError: string | undefined;
  /** Operations issued in total (warm-up included). */
  issued: number;
}

/**
 * Closed-loop load: `concurrency` clients run `op` back to back for warm-up + duration; only operations that
 * complete inside the measured window count. Stops by itself; operations in flight at the end are awaited, not
 * counted.
 */
export async function runClosedLoop(opts: LoadOptions): Promise<LoadResult> {
  let seq = 0;
  let measuring = false;
  let stop = false;
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const client = async (): Promise<void> => {
    while (!stop) {
      const mySeq = seq++;
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await opts.op(mySeq);
        if (!ok) firstError ??= `operation ${mySeq} returned false`;
      } catch (err) {
        firstError ??= err instanceof Error ? err.message : String(err);
      }
      if (!measuring || stop) continue;
      if (ok) {
        ops++;
        latencies.push(performance.now() - t0);
      } else errors++;
    }
  };
  const clients = Array.from({ length: opts.concurrency }, () => client());
  await new Promise((r) => setTimeout(r, opts.warmupMs));
  measuring = true;
  opts.onWindowStart?.();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, opts.durationMs));
  stop = true;
  const elapsedMs = performance.now() - t0;
  opts.onWindowEnd?.();
  await Promise.all(clients);
  return {
    ops,
    errors,
    elapsedMs,
    opsPerSec: (ops * 1000) / elapsedMs,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    firstError,
    issued: seq,
  };
}

/**
 * Runs `op(0..total-1)` with `concurrency` closed-loop clients, giving up (without error) once `maxMs` has passed.
 * Resolves with how many completed and the time taken. A failed operation rejects the whole run.
 */
export async function runCount(opts: {
  concurrency: number;
  total: number;
  maxMs: number;
  op: (seq: number) => Promise<void>;
  onProgress?: (done: number) => void;
}): Promise<{ done: number; elapsedMs: number }> {
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.maxMs;
  const client = async (): Promise<void> => {
    while (next < opts.total && performance.now() < deadline) {
      await opts.op(next++);
      done++;
      if (done % 10_000 === 0) opts.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, () => client()));
  return { done, elapsedMs: performance.now() - t0 };
}
