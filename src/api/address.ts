/** The address Consul's clients use when none is given. */
export const DEFAULT_HTTP_ADDRESS = '127.0.0.1:8500';

/**
 * Turns a Consul-style address into a base URL without trailing slash. Accepts `host:port`, `http://host:port`
 * and `https://host:port`, optionally with a path prefix (as Consul's Go client does). `unix://` sockets are not
 * supported by `fetch` and are rejected.
 *
 * @param address - the address; empty means {@link DEFAULT_HTTP_ADDRESS}.
 * @param https - use https when the address has no scheme (Consul's `CONSUL_HTTP_SSL`).
 */
export function parseAddress(address: string, https = false): string {
  const raw = address.trim() === '' ? DEFAULT_HTTP_ADDRESS : address.trim();
  if (raw.startsWith('unix://')) {
    throw new Error(`Unix socket addresses are not supported: ${raw}`);
  }
  let withScheme: string;
  if (raw.startsWith('http://') || raw.startsWith('https://')) {
    withScheme = raw;
  } else {
    withScheme = `${https ? 'https' : 'http'}://${raw}`;
  }
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`Invalid HTTP address: ${raw}`);
  }
  const prefix = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${prefix}`;
}
