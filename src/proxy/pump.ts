import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Bidirectional byte pumping between two connected streams (normally two `net.Socket`s): the one piece of data
 * plane every proxy role (sidecar listener, mesh gateway) shares.
 *
 * - **Backpressure**: each direction is a `pipeline()` (src.pipe semantics): when the destination's `write()`
 *   returns false the source is paused until `'drain'`. The pump itself therefore never holds more than the two
 *   streams' own buffers: at most `readableHighWaterMark` on the source plus `writableHighWaterMark` and one read
 *   chunk (64 KiB for a socket) on the destination, per direction. Nothing is queued in the pump.
 * - **Half-close**: when one side ends its write half (TCP FIN), the other side's write half is ended and the
 *   opposite direction keeps flowing until it ends too. The sockets must be created with `allowHalfOpen: true`
 *   (for servers: `net.createServer({ allowHalfOpen: true })`), or Node ends their write half on its own.
 * - **Idle timeout**: when no byte moves in either direction for `idleTimeoutMs`, both streams are destroyed. This
 *   also bounds a connection left half-closed forever.
 * - **Errors and teardown**: an error or a destroy on either side destroys both; the pump settles once, with why.
 * - **Counters**: bytes moved in each direction, added to the caller's {@link PumpCounters} as they move.
 */
export interface PumpOptions {
  /** Destroy both streams after this long without a byte in either direction; 0 or absent: never. */
  readonly idleTimeoutMs?: number;
  /** Aborting destroys both streams; the pump settles with `aborted`. */
  readonly signal?: AbortSignal;
  /** Byte counters to add to as data moves (shared sinks, e.g. a gateway's totals). */
  readonly counters?: readonly PumpCounters[];
}

/** Running byte totals: `up` is downstream → upstream, `down` is upstream → downstream. */
export interface PumpCounters {
  up: number;
  down: number;
}

/** How a pump ended: both directions ended cleanly, the idle timer fired, a stream failed, or the signal aborted. */
export type PumpEnd = 'done' | 'idle-timeout' | 'error' | 'aborted';

export interface PumpResult {
  readonly end: PumpEnd;
  /** Bytes read from downstream and written upstream. */
  readonly bytesUp: number;
  /** Bytes read from upstream and written downstream. */
  readonly bytesDown: number;
  /** The first stream error, when `end` is `error`. */
  readonly error?: Error;
}

class IdleTimeoutError extends Error {
  constructor(ms: number) {
    super(`no data for ${ms} ms`);
    this.name = 'IdleTimeoutError';
  }
}

const ignore = (): void => undefined;

/**
 * Pumps bytes both ways between `downstream` and `upstream` until both directions end, one side fails, the idle
 * timer fires or the signal aborts. Never rejects. Both streams are destroyed when it settles.
 */
export async function pump(
  downstream: Duplex,
  upstream: Duplex,
  options: PumpOptions = {},
): Promise<PumpResult> {
  const sinks = options.counters ?? [];
  const own: PumpCounters = { up: 0, down: 0 };
  const idleMs = options.idleTimeoutMs ?? 0;
  const idle = new AbortController();
  const timer =
    idleMs > 0
      ? setTimeout(() => {
          idle.abort(new IdleTimeoutError(idleMs));
        }, idleMs)
      : undefined;
  timer?.unref();
  const onUp = countInto('up', own, sinks, timer);
  const onDown = countInto('down', own, sinks, timer);
  // Errors surface through pipeline(); these keep a late error (after a direction finished) from going unhandled.
  downstream.on('error', ignore);
  upstream.on('error', ignore);
  downstream.on('data', onUp);
  upstream.on('data', onDown);
  const signal = options.signal === undefined ? idle.signal : AbortSignal.any([idle.signal, options.signal]);
  const results = await Promise.allSettled([
    pipeline(downstream, upstream, { signal }),
    pipeline(upstream, downstream, { signal }),
  ]);
  if (timer !== undefined) clearTimeout(timer);
  downstream.off('data', onUp);
  upstream.off('data', onDown);
  downstream.destroy();
  upstream.destroy();
  const base = { bytesUp: own.up, bytesDown: own.down };
  if (idle.signal.aborted) return { ...base, end: 'idle-timeout' };
  if (options.signal?.aborted === true) return { ...base, end: 'aborted' };
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure === undefined) return { ...base, end: 'done' };
  return { ...base, end: 'error', error: asError(failure.reason) };
}

function countInto(
  direction: keyof PumpCounters,
  own: PumpCounters,
  sinks: readonly PumpCounters[],
  timer: NodeJS.Timeout | undefined,
): (chunk: Buffer) => void {
  return (chunk) => {
    own[direction] += chunk.length;
    for (const sink of sinks) sink[direction] += chunk.length;
    timer?.refresh();
  };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
