/**
 * Dials one upstream connection: picks an endpoint, connects with mutual TLS (the leaf as client certificate, SNI
 * and trust from the {@link UpstreamTarget}), and checks that the server's URI SAN is one the target expects
 * (Consul's `verifyServerCertMatchesURI`, kept strict on the trust domain). A failed endpoint is ejected and the
 * next one tried, at most {@link MAX_DIAL_ATTEMPTS} times within the connect timeout.
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';

import type { Endpoint, EndpointPicker } from './endpoint-picker.js';
import { uriSans } from './identity.js';
import type { UpstreamTarget } from './upstream-target.js';

/** At most this many endpoints are tried for one incoming connection. */
export const MAX_DIAL_ATTEMPTS = 3;

export class UpstreamDialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamDialError';
  }
}

/** Checks the server certificate's URI SAN against the expected identities; an Error when none matches. */
export function checkServerSan(cert: PeerCertificate, expected: readonly string[]): Error | undefined {
  const got = uriSans(cert.subjectaltname);
  const want = new Set(expected.map((s) => s.toLowerCase()));
  if (got.some((u) => want.has(u.toLowerCase()))) return undefined;
  return new Error(
    `peer certificate mismatch got ${got[0] ?? '(no URI SAN)'}, want ${expected.join(' or ')}`,
  );
}

function dialOnce(
  endpoint: Endpoint,
  target: UpstreamTarget,
  context: SecureContext,
  timeoutMs: number,
): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    // Half-close travels through: the TLS socket inherits `allowHalfOpen` from the TCP socket it wraps.
    const raw = netConnect({ host: endpoint.host, port: endpoint.port, allowHalfOpen: true });
    const socket = tlsConnect({
      socket: raw,
      servername: target.sni,
      secureContext: context,
      rejectUnauthorized: true,
      checkServerIdentity: (_host, cert) => checkServerSan(cert, target.expectedSans),
    });
    const timer = setTimeout(() => {
      socket.destroy(
        new Error(`connect to ${endpoint.host}:${endpoint.port} timed out after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      raw.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/**
 * Opens a verified TLS connection to the target.
 *
 * @throws UpstreamDialError naming the last failure (no endpoint available, refused, timeout, TLS, identity).
 */
export async function dialUpstream(
  target: UpstreamTarget | undefined,
  picker: EndpointPicker,
  context: SecureContext | undefined,
  timeoutMs: number,
): Promise<TLSSocket> {
  if (target === undefined) throw new UpstreamDialError('no endpoints known for the upstream yet');
  if (context === undefined)
    throw new UpstreamDialError(
      target.peer === '' ? 'certificates not ready' : `no trust bundle from peer ${target.peer} yet`,
    );
  let last = 'no healthy endpoint available';
  for (let attempt = 0; attempt < MAX_DIAL_ATTEMPTS; attempt++) {
    const endpoint = picker.pick();
    if (endpoint === undefined) break;
    try {
      const socket = await dialOnce(endpoint, target, context, timeoutMs);
      picker.succeeded(endpoint);
      return socket;
    } catch (err) {
      picker.failed(endpoint);
      last = `${endpoint.host}:${endpoint.port}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  throw new UpstreamDialError(last);
}
