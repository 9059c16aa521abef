import type { Upstream } from '../../../api/index.js';

/**
 * One `-upstream` value, as Consul's `FlagUpstreams.Set` reads it: `name:port` or `name:host:port`; `name` may end
 * in `.service` (the default) or `.query`. Prepared-query upstreams are refused here (Entente's built-in proxy
 * cannot resolve them), so the flag is never accepted and then ignored. Later values for the same name replace
 * earlier ones, as Consul's map does.
 *
 * @returns the upstream, or Consul's (or Entente's refusal) message.
 */
export function parseUpstreamFlag(value: string): Upstream | string {
  const idx = value.indexOf(':');
  if (idx === -1) return `Upstream value should be name:addr in ${JSON.stringify(value)}`;
  let name = value.slice(0, idx);
  let portRaw = value.slice(idx + 1);
  let addr = '';
  const second = portRaw.indexOf(':');
  if (second !== -1) {
    addr = portRaw.slice(0, second);
    portRaw = portRaw.slice(second + 1);
  }
  const dot = name.indexOf('.');
  if (dot !== -1) {
    const type = name.slice(dot + 1);
    name = name.slice(0, dot);
    if (type === 'query')
      return `Upstream ${JSON.stringify(name)}: prepared query upstreams are not supported by Entente's built-in proxy`;
    if (type !== '' && type !== 'service')
      return `Upstream type must be blank, 'service', or 'query'. Got: ${JSON.stringify(type)}`;
  }
  const port = goParseInt(portRaw);
  if (port === undefined) return `strconv.ParseInt: parsing ${JSON.stringify(portRaw)}: invalid syntax`;
  return {
    DestinationType: 'service',
    DestinationName: name,
    LocalBindPort: port,
    ...(addr === '' ? {} : { LocalBindAddress: addr }),
  };
}

/** Go's `strconv.ParseInt(s, 0, 0)` for the forms a port takes: decimal, `0x`, `0o`/leading `0`, `0b`. */
function goParseInt(text: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO]?[0-7]+|0[bB][01]+|[1-9][0-9]*|0)$/.exec(
    text.replaceAll('_', ''),
  );
  if (m === null) return undefined;
  const body = m[2] ?? '';
  let n: number;
  if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
  else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
  else if (body.length > 1 && body.startsWith('0')) n = parseInt(body.slice(1), 8);
  else n = parseInt(body, 10);
  return m[1] === '-' ? -n : n;
}

/** Splits `host:port` as Go's `net.SplitHostPort` plus `ParseInt`; an error text on failure. */
export function splitListen(text: string): { host: string; port: number } | string {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):([^:]*)$/.exec(text);
  if (m === null) return `address ${text}: missing port in address`;
  const port = goParseInt(m[3] ?? '');
  if (port === undefined) return `strconv.ParseInt: parsing ${JSON.stringify(m[3] ?? '')}: invalid syntax`;
  return { host: m[1] ?? m[2] ?? '', port };
}
