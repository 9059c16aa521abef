import { connect } from 'node:net';

import type { ProbeResult } from './interval-runner.js';
import { dialErrorText, dialTimeoutText, splitHostPort } from './net-errors.js';

/** Consul's default TCP (and HTTP) check timeout when `Timeout` is unset. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

/**
 * One TCP check (Consul's `CheckTCP.check`): connect to `addr` (`host:port`) within `timeoutMs`, then close.
 * Passing with `TCP connect <addr>: Success`, else critical with Go's dial error text. Rejects only when `signal`
 * aborts (the runner stopped).
 */
export function probeTcp(addr: string, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  const hp = splitHostPort(addr);
  if ('error' in hp) return Promise.resolve({ status: 'critical', output: `dial tcp: ${hp.error}` });
  const { host, port } = hp;
  return new Promise<ProbeResult>((resolve, reject) => {
    const socket = connect({ host, port });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      fn();
    };
    const onAbort = (): void => {
      finish(() => {
        reject(signal.reason as Error);
      });
    };
    const timer = setTimeout(
      () => {
        finish(() => {
          resolve({ status: 'critical', output: dialTimeoutText(host, port) });
        });
      },
      timeoutMs > 0 ? timeoutMs : DEFAULT_CHECK_TIMEOUT_MS,
    );
    timer.unref();
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      finish(() => {
        resolve({ status: 'passing', output: `TCP connect ${addr}: Success` });
      });
    });
    socket.once('error', (err) => {
      finish(() => {
        resolve({ status: 'critical', output: dialErrorText(err, host, port) });
      });
    });
  });
}
