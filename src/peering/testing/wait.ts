import { renderPeering } from '../render.js';
import type { TestCluster } from './cluster.js';

/** Polls `fn` every 5 ms until it returns a value other than `undefined`/`false`; throws after `timeoutMs`. */
export async function until<T>(fn: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The rendered `State` of peering `name` in cluster `c`, or `undefined` when there is no such peering. */
export function peeringState(c: TestCluster, name: string): string | undefined {
  const p = c.store.peering(undefined, name).value;
  return p ? String(renderPeering(p, c.tracker)['State']) : undefined;
}
