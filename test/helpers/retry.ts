/** Retries `fn` until it stops throwing or the deadline passes (Consul's retry.Run: 7 s, every 25 ms). */
export async function retry<T>(
  fn: () => Promise<T> | T,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 7000);
  const interval = opts.intervalMs ?? 25;
  let lastErr: unknown;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw lastErr;
    await new Promise((r) => setTimeout(r, interval));
  }
}
