/**
 * Renders Node socket errors the way Go's `net` package words them, so a check's Output reads as it does under
 * Consul (`dial tcp 127.0.0.1:1: connect: connection refused`). Clients and UIs show this text; some grep it.
 */

/** Go's `net.JoinHostPort`. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${String(port)}` : `${host}:${String(port)}`;
}

/** Go's `net.SplitHostPort`, with its error texts; the port must be numeric (no service names). */
export function splitHostPort(addr: string): { host: string; port: number } | { error: string } {
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    if (end < 0) return { error: `address ${addr}: missing ']' in address` };
    host = addr.slice(1, end);
    const rest = addr.slice(end + 1);
    if (rest === '') return { error: `address ${addr}: missing port in address` };
    if (!rest.startsWith(':')) return { error: `address ${addr}: unexpected ']' in address` };
    portText = rest.slice(1);
  } else {
    const i = addr.lastIndexOf(':');
    if (i < 0) return { error: `address ${addr}: missing port in address` };
    host = addr.slice(0, i);
    if (host.includes(':')) return { error: `address ${addr}: too many colons in address` };
    portText = addr.slice(i + 1);
  }
  if (!/^\d+$/.test(portText) || Number(portText) > 65535)
    return { error: `lookup tcp/${portText}: unknown port` };
  return { host, port: Number(portText) };
}

interface SysError extends Error {
  code?: string;
  address?: string;
  port?: number;
  hostname?: string;
}

/** The first concrete error: Node's happy-eyeballs connect reports an AggregateError of per-address failures. */
function concrete(err: unknown): SysError {
  if (err instanceof AggregateError && err.errors.length > 0) return concrete(err.errors[0]);
  if (err instanceof Error) return err;
  return new Error(String(err));
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
  ETIMEDOUT: 'i/o timeout',
  ECONNRESET: 'read: connection reset by peer',
  EPIPE: 'write: broken pipe',
};

/**
 * Go's wording of a failed dial to `host:port`: `dial tcp <ip:port>: connect: connection refused`,
 * `dial tcp: lookup <host>: no such host`, and so on; anything unknown keeps Node's message.
 */
export function dialErrorText(err: unknown, host: string, port: number): string {
  const e = concrete(err);
  const code = e.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return `dial tcp: lookup ${e.hostname ?? host}: no such host`;
  }
  const text = ERRNO_TEXT[code];
  if (text === undefined) return e.message;
  return `dial tcp ${joinHostPort(e.address ?? host, e.port ?? port)}: ${text}`;
}

/** Go's text for a dial that did not finish within the timeout. */
export function dialTimeoutText(host: string, port: number): string {
  return `dial tcp ${joinHostPort(host, port)}: i/o timeout`;
}
