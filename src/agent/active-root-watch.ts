/**
 * Follows the active Connect CA root: calls `onActive(id)` with the active root's ID now and after every change
 * of the CA roots (the store's `ca-roots` topic), until `signal` aborts or the store is abandoned.
 *
 * @packageDocumentation
 */
import { WatchSet, type CARootRecord, type QueryResult, type WatchHub } from '../state/index.js';

/** What the watch needs of the store. */
export interface RootsWatchStore {
  caRoots(ws: WatchSet | undefined): QueryResult<CARootRecord[]>;
  readonly hub: Pick<WatchHub, 'wait'>;
  readonly abandoned: AbortSignal;
}

export async function watchActiveRoot(
  store: RootsWatchStore,
  signal: AbortSignal,
  onActive: (rootId: string) => void,
): Promise<void> {
  while (!signal.aborted && !store.abandoned.aborted) {
    const ws = new WatchSet();
    const active = store.caRoots(ws).value.find((r) => r.Active);
    if (active !== undefined) onActive(active.ID);
    await store.hub.wait(ws, { signals: [signal, store.abandoned] });
  }
}
