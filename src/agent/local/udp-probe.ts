import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

import type { ProbeResult } from './interval-runner.js';
import { joinHostPort, splitHostPort } from './net-errors.js';
import { settleProbe } from './probe-settle.js';

/**
 * One UDP check (Consul's `CheckUDP.check`): send an empty datagram to `addr` (`host:port`) on a connected socket and
 * wait up to `timeoutMs` for an answer. An ICMP error (port unreachable → `ECONNREFUSED` on the connected socket) is
 * critical, with Go's `read udp <local>-><remote>: read: connection refused`; any reply, or silence until the
 * timeout, is passing (`UDP connect <addr>: Success`): UDP services need not answer. Rejects only when `signal`
 * aborts (the runner stopped).
 *
 * NOTE: Consul reads without a deadline (a silent target blocks its check goroutine); the timeout here bounds it.
 */
export function probeUdp(addr: string, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  const hp = splitHostPort(addr);
  if ('error' in hp) return Promise.resolve({ status: 'critical', output: `dial udp: ${hp.error}` });
  const { host, port } = hp;
  const success: ProbeResult = { status: 'passing', output: `UDP connect ${addr}: Success` };
  return new Promise<ProbeResult>((resolve, reject) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    let connected = false;
    let local = '';
    const settle = settleProbe({
      timeoutMs,
      signal,
      timeoutResult: success,
      close: () => {
        socket.close();
      },
      resolve,
      reject,
    });
    if (settle === undefined) return;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      settle({ status: 'critical', output: udpErrorText(err, connected, local, host, port) });
    });
    socket.on('message', () => {
      settle(success);
    });
    socket.connect(port, host, () => {
      connected = true;
      const a = socket.address();
      local = joinHostPort(a.address, a.port);
      socket.send(Buffer.alloc(0));
    });
  });
}

function udpErrorText(
  err: NodeJS.ErrnoException,
  connected: boolean,
  local: string,
  host: string,
  port: number,
): string {
  if (!connected) {
    if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `dial udp: lookup ${host}: no such host`;
    return `dial udp ${joinHostPort(host, port)}: ${err.message}`;
  }
  const text = err.code === 'ECONNREFUSED' ? 'read: connection refused' : err.message;
  return `read udp ${local}->${joinHostPort(host, port)}: ${text}`;
}
