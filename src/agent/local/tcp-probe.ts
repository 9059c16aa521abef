import { connect } from 'node:net';

import type { ProbeResult } from './interval-runner.js';
import { dialErrorText, dialTimeoutText, splitHostPort } from './net-errors.js';
import { settleProbe } from './probe-settle.js';

export { DEFAULT_CHECK_TIMEOUT_MS } from './probe-settle.js';

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
    const settle = settleProbe({
      timeoutMs,
      signal,
      timeoutResult: { status: 'critical', output: dialTimeoutText(host, port) },
      close: () => {
        socket.destroy();
      },
      resolve,
      reject,
    });
    if (settle === undefined) return;
    socket.once('connect', () => {
      settle({ status: 'passing', output: `TCP connect ${addr}: Success` });
    });
    socket.once('error', (err) => {
      settle({ status: 'critical', output: dialErrorText(err, host, port) });
    });
  });
}
