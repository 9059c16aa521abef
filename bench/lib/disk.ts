import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './cleanup.js';
import { percentile } from './stats.js';

/**
 * Context for figures bound by durable commits: one writer appending `bytes` and calling fdatasync back to back for
 * `durationMs`, in a temp dir on the same disk as the agents' data dirs (the same probe as writes.ts).
 */
export function diskFsync(bytes = 512, durationMs = 1_000): { perSec: number; p50Ms: number; p99Ms: number } {
  const fd = openSync(join(tempDir('fsync'), 'probe.log'), 'a');
  const buf = Buffer.alloc(bytes, 'x');
  const lat: number[] = [];
  try {
    const t0 = performance.now();
    while (performance.now() - t0 < durationMs) {
      const t = performance.now();
      writeSync(fd, buf);
      fdatasyncSync(fd);
      lat.push(performance.now() - t);
    }
    return {
      perSec: (lat.length * 1000) / (performance.now() - t0),
      p50Ms: percentile(lat, 50),
      p99Ms: percentile(lat, 99),
    };
  } finally {
    closeSync(fd);
  }
}
