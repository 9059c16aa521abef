import { labelText, QTYPE } from './parser.js';

/**
 * Where a lookup reads its data. `peer` non-empty: the catalog imported from that peer; otherwise the local
 * catalog of `datacenter` (always the local datacenter here: there is no WAN federation, so any other datacenter
 * is answered NXDOMAIN by the responder).
 */
export interface Locality {
  readonly datacenter: string;
  readonly peer: string;
}

/** The meaning of a question name, decided from its labels alone (no store access). */
export type DnsRoute =
  /** Not under `domain` or `alt_domain`: forwarded to recursors, or REFUSED without them. */
  | { readonly kind: 'outside' }
  /** The zone apex itself (`consul.`). */
  | { readonly kind: 'apex'; readonly domain: string }
  /** Under our domain but meaningless: NXDOMAIN. */
  | { readonly kind: 'invalid'; readonly domain: string; readonly reason: string }
  /** `[<tag>.]<service>.service…` and the RFC 2782 form `_<service>._<tag|tcp>.service…`. */
  | {
      readonly kind: 'service';
      readonly domain: string;
      readonly service: string;
      readonly tag: string | null;
      readonly locality: Locality;
    }
  /** `<service>.connect…`: mesh-capable instances (proxies and Connect-native services). */
  | {
      readonly kind: 'connect';
      readonly domain: string;
      readonly service: string;
      readonly locality: Locality;
    }
  /** `<node>.node…` (a node name may contain dots). */
  | { readonly kind: 'node'; readonly domain: string; readonly node: string; readonly locality: Locality }
  /** `<hex-ip>.addr…`: the address encoded in the name, used as SRV targets for service addresses. */
  | { readonly kind: 'addr'; readonly domain: string; readonly ip: string; readonly family: 4 | 6 }
  /** `<service>.virtual[.<peer>[.peer]]…`. */
  | { readonly kind: 'virtual'; readonly domain: string; readonly service: string; readonly peer: string }
  /** Forms Consul has that Entente does not serve yet (`query`, `ingress`): NXDOMAIN. */
  | { readonly kind: 'unsupported'; readonly domain: string; readonly what: string };

/** Labels that start a lookup, searched from the right as Consul's `dispatch` does. */
const QUERY_KINDS = new Set(['service', 'connect', 'virtual', 'ingress', 'node', 'query', 'addr']);

/** Printable ASCII except `.` and `\`: anything else cannot name a catalog object and would not re-encode exactly. */
function isPlainLabel(label: Buffer): boolean {
  for (const b of label) if (b <= 0x20 || b >= 0x7f || b === 0x2e || b === 0x5c) return false;
  return true;
}

/** Splits a configured domain (`consul.`, `alt.example.`) into lower-case labels. */
export function domainLabels(domain: string): string[] {
  return domain
    .toLowerCase()
    .split('.')
    .filter((l) => l !== '');
}

/** Renders labels as a fully-qualified name with a trailing dot. */
export function fqdn(labels: readonly string[]): string {
  return labels.length === 0 ? '.' : `${labels.join('.')}.`;
}

/** Routing inputs that do not change per query. */
export interface RouterOptions {
  /** Lower-case labels of `domain`, e.g. `['consul']`. */
  readonly domain: readonly string[];
  /** Lower-case labels of `alt_domain`; empty when unset. */
  readonly altDomain: readonly string[];
  readonly datacenter: string;
}

function endsWith(labels: readonly string[], suffix: readonly string[]): boolean {
  if (suffix.length === 0 || suffix.length > labels.length) return false;
  const off = labels.length - suffix.length;
  for (let i = 0; i < suffix.length; i++) if (labels[off + i] !== suffix[i]) return false;
  return true;
}

/**
 * CE `parseLocality`: no labels is local; one label is a datacenter (peer names need the explicit form, except for
 * `virtual` where the caller reads it as a peer); two or four labels are `<x>.dc` / `<x>.peer` pairs. Anything else,
 * or a datacenter and a peer together, is invalid.
 */
export function parseLocality(
  suffix: readonly string[],
): { datacenter: string; peer: string; ambiguous: string } | null {
  if (suffix.length === 0) return { datacenter: '', peer: '', ambiguous: '' };
  if (suffix.length === 1) return { datacenter: '', peer: '', ambiguous: suffix[0] ?? '' };
  if (suffix.length !== 2 && suffix.length !== 4) return null;
  let datacenter = '';
  let peer = '';
  for (let i = 0; i < suffix.length; i += 2) {
    const value = suffix[i] ?? '';
    const key = suffix[i + 1] ?? '';
    switch (key) {
      case 'dc':
        if (datacenter !== '') return null;
        datacenter = value;
        break;
      case 'peer':
        if (peer !== '') return null;
        peer = value;
        break;
      default:
        return null;
    }
  }
  if (datacenter !== '' && peer !== '') return null;
  return { datacenter, peer, ambiguous: '' };
}

/**
 * Decides what a question name asks for. Pure: the same labels and options always give the same route.
 *
 * Names are compared case-insensitively (labels are lower-cased first). Mirrors Consul's `dispatch`: the rightmost
 * label among `service`, `connect`, `virtual`, `ingress`, `node`, `query`, `addr` picks the lookup; labels left of it
 * are the lookup's parts, labels right of it the locality. For SRV questions a `_`-prefixed label found first
 * (scanning from the right) also starts a service lookup, so `_web._tcp.consul` works like `_web._tcp.service.consul`.
 */
export function routeName(rawLabels: readonly Buffer[], qtype: number, opts: RouterOptions): DnsRoute {
  const labels = rawLabels.map(labelText);
  // The longer matching domain wins (Consul's getResponseDomain/trimDomain).
  let zone: readonly string[] | null = null;
  for (const candidate of [opts.domain, opts.altDomain]) {
    if (endsWith(labels, candidate) && (zone === null || candidate.length > zone.length)) zone = candidate;
  }
  if (zone === null) return { kind: 'outside' };
  const domain = fqdn(zone);
  const rest = labels.slice(0, labels.length - zone.length);
  if (rest.length === 0) return { kind: 'apex', domain };
  for (let i = 0; i < rest.length; i++) {
    if (!isPlainLabel(rawLabels[i] ?? Buffer.alloc(0)))
      return { kind: 'invalid', domain, reason: 'unusable label' };
  }
  const invalid = (reason: string): DnsRoute => ({ kind: 'invalid', domain, reason });

  let kind = '';
  let parts: string[] = [];
  let suffix: string[] = [];
  for (let i = rest.length - 1; i >= 0; i--) {
    const label = rest[i] ?? '';
    if (QUERY_KINDS.has(label)) {
      kind = label;
      parts = rest.slice(0, i);
      suffix = rest.slice(i + 1);
      break;
    }
    if (qtype === QTYPE.SRV && label.startsWith('_')) {
      kind = 'service';
      parts = rest.slice(0, i + 1);
      suffix = rest.slice(i + 1);
      break;
    }
  }
  if (kind === '') return invalid('no lookup label');

  if (kind === 'addr') {
    // <hex-ip>.addr[.<dc>].<domain>: Consul ignores the labels after `addr`.
    if (parts.length !== 1) return invalid('addr needs exactly one label before it');
    return parseAddr(parts[0] ?? '', domain) ?? invalid('not a hex-encoded address');
  }
  if (parts.length === 0) return invalid(`nothing before "${kind}"`);
  const loc = parseLocality(suffix);
  if (!loc) return invalid('bad locality');
  const last = parts[parts.length - 1] ?? '';

  switch (kind) {
    case 'service': {
      const locality = effectiveLocality(loc, opts.datacenter);
      const first = parts[0] ?? '';
      if (parts.length === 2 && first.startsWith('_') && last.startsWith('_')) {
        const tag = last.slice(1);
        return { kind, domain, service: first.slice(1), tag: tag === 'tcp' ? null : tag, locality };
      }
      const tag = parts.length >= 2 ? parts.slice(0, -1).join('.') : null;
      return { kind, domain, service: last, tag, locality };
    }
    case 'connect':
      // Consul does not support peers for connect lookups ("Peering is not currently supported").
      if (loc.peer !== '') return invalid('connect lookups do not support peers');
      return { kind, domain, service: last, locality: effectiveLocality(loc, opts.datacenter) };
    case 'node':
      return { kind, domain, node: parts.join('.'), locality: effectiveLocality(loc, opts.datacenter) };
    case 'virtual':
      // The single ambiguous label is a peer for virtual lookups; there is no cross-datacenter virtual IP.
      if (loc.datacenter !== '') return invalid('virtual lookups take no datacenter');
      return { kind, domain, service: last, peer: loc.peer !== '' ? loc.peer : loc.ambiguous };
    default:
      return { kind: 'unsupported', domain, what: kind };
  }
}

function effectiveLocality(
  loc: { datacenter: string; peer: string; ambiguous: string },
  local: string,
): Locality {
  if (loc.peer !== '') return { datacenter: '', peer: loc.peer };
  const dc = loc.datacenter !== '' ? loc.datacenter : loc.ambiguous !== '' ? loc.ambiguous : local;
  return { datacenter: dc, peer: '' };
}

function parseAddr(hex: string, domain: string): DnsRoute | null {
  if (!/^[0-9a-f]+$/.test(hex)) return null;
  if (hex.length === 8) {
    const octets = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
    return { kind: 'addr', domain, ip: octets.join('.'), family: 4 };
  }
  if (hex.length === 32) {
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16).toString(16));
    return { kind: 'addr', domain, ip: groups.join(':'), family: 6 };
  }
  return null;
}
