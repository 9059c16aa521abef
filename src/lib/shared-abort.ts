/**
 * One `abort` listener per shared signal, however many subscribers. Many long-lived consumers (one per peer
 * stream, say) that each added their own listener to a process-wide signal would trip Node's
 * `MaxListenersExceededWarning` at the 11th: a false alarm that hides a real leak. Here the signal carries a
 * single listener that fans out; each subscriber's entry is removed by the function `onAbort` returns, so the
 * set holds exactly the live subscribers.
 */
const fanouts = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `fn` once when `signal` aborts (at once when it already has). Returns the function that unsubscribes;
 * call it when the subscriber ends, or its entry stays until the signal aborts.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  let subs = fanouts.get(signal);
  if (!subs) {
    const set = new Set<() => void>();
    subs = set;
    fanouts.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        fanouts.delete(signal);
        for (const f of [...set]) f();
      },
      { once: true },
    );
  }
  const entry = (): void => {
    fn();
  };
  subs.add(entry);
  const set = subs;
  return () => {
    set.delete(entry);
  };
}

/** Number of subscribers waiting on `signal` (for tests and leak checks). */
export function abortSubscribers(signal: AbortSignal): number {
  return fanouts.get(signal)?.size ?? 0;
}
