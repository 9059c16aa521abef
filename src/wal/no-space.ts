/**
 * What the log does when the disk is full: the policy constants, the retry delay and the space probe.
 *
 * A write or fsync that fails with `ENOSPC`/`EDQUOT` does not fail the log for good (as an I/O error does): the
 * batch is cut off the active segment (truncated back to the end of the last acknowledged batch, then fsynced),
 * its appends and every queued one are rejected with `LogNoSpaceError`, and the log is **degraded**: appends are
 * refused at once while a background retry writes a probe file of the failed batch's size (at least
 * {@link MIN_SPACE_PROBE_BYTES}), fsyncs and deletes it. The first probe runs {@link NO_SPACE_RETRY_INITIAL_MS}
 * after the failure, each next one twice as late, capped at {@link NO_SPACE_RETRY_MAX_MS}, for as long as the disk
 * stays full (one timer, one probe at a time, nothing queued). Once a probe succeeds, appends are accepted again.
 *
 * @module
 */
import { join } from 'node:path';

import type { Durability, LogFs } from './fs-io.js';
import { writeFully } from './fs-io.js';

/** Delay before the first retry after a write failed for lack of space (ms). */
export const NO_SPACE_RETRY_INITIAL_MS = 100;
/** Longest delay between two retries (ms): once space is free, writes resume within about this long. */
export const NO_SPACE_RETRY_MAX_MS = 5_000;
/** Smallest probe written to test for free space (bytes). */
export const MIN_SPACE_PROBE_BYTES = 64 * 1024;
/** Name of the probe file; a `.wal.tmp` name, so start-up deletes one left behind by a crash. */
export const SPACE_PROBE_FILE = 'space-probe.wal.tmp';

/** Delay before retry number `attempt + 1` (0-based `attempt` retries done so far): doubling, capped. */
export function noSpaceRetryDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

/**
 * Writes `bytes` zero bytes to {@link SPACE_PROBE_FILE} in `dir`, syncs them (unless durability is off) and deletes
 * the file. Rejects with the system error (`ENOSPC` while the disk is still full).
 */
export async function probeSpace(
  fs: LogFs,
  dir: string,
  bytes: number,
  durability: Durability,
): Promise<void> {
  const path = join(dir, SPACE_PROBE_FILE);
  try {
    const fh = await fs.open(path, 'w');
    try {
      await writeFully(fh, [Buffer.alloc(bytes)], 0);
      await durability.syncFile(fh);
    } finally {
      await fh.close();
    }
  } finally {
    await fs.unlink(path).catch(() => undefined);
  }
}
