import { isIP } from 'node:net';
import type { Answer } from 'dns-packet';
import type { Node } from '../types/index.js';
import { QTYPE } from './parser.js';
import type { HealthyInstance } from './lookup.js';
import { srvWeight } from './lookup.js';
import { isEncodableName } from './serializer.js';

/** Which addresses a question accepts (Consul's `TranslateAddressAccept`). */
interface Accept {
  v4: boolean;
  v6: boolean;
  any: boolean;
}

function acceptFor(qtype: number): Accept {
  if (qtype === QTYPE.A) return { v4: true, v6: false, any: false };
  if (qtype === QTYPE.AAAA) return { v4: false, v6: true, any: false };
  return { v4: false, v6: false, any: true };
}

/**
 * Consul's `translateAddressAccept`: a tagged `lan_ipv6`/`lan_ipv4` address wins for AAAA/A questions; other
 * questions take the default address; otherwise the default only if it fits the question (a hostname always does).
 * There is no WAN translation: every datacenter answered is the local one or a peer.
 */
export function pickAddress(def: string, v4: string, v6: string, accept: Accept): string {
  if (accept.v6 && v6 !== '') return v6;
  if (accept.v4 && v4 !== '') return v4;
  if (accept.any && def !== '') return def;
  const family = isIP(def);
  if (family === 4 && accept.v4) return def;
  if (family === 6 && accept.v6) return def;
  if (family === 0) return def; // a hostname (or empty)
  return '';
}

function nodeAddress(node: Node, accept: Accept): string {
  return pickAddress(
    node.Address,
    node.TaggedAddresses['lan_ipv4'] ?? '',
    node.TaggedAddresses['lan_ipv6'] ?? '',
    accept,
  );
}

function serviceAddress(inst: HealthyInstance, accept: Accept): string {
  const tagged = inst.service.TaggedAddresses ?? {};
  return pickAddress(
    inst.service.Address,
    tagged['lan_ipv4']?.Address ?? '',
    tagged['lan_ipv6']?.Address ?? '',
    accept,
  );
}

/** Strips one trailing dot; dns-packet takes names without it. */
export function bare(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * Consul's `makeARecord`: an A record for an IPv4 address and an AAAA for IPv6, but only for questions that can
 * carry it (SRV, ANY, NS and TXT take either). `null` when the address does not suit the question.
 */
export function addressRecord(qtype: number, ip: string, name: string, ttl: number): Answer | null {
  const family = isIP(ip);
  const either = qtype === QTYPE.SRV || qtype === QTYPE.ANY || qtype === QTYPE.NS || qtype === QTYPE.TXT;
  if (family === 4 && (either || qtype === QTYPE.A)) return { type: 'A', name: bare(name), ttl, data: ip };
  if (family === 6 && (either || qtype === QTYPE.AAAA))
    return { type: 'AAAA', name: bare(name), ttl, data: ip };
  return null;
}

/** The canonical name of a node: `<node>.node.<dc>.<domain>`, or `<node>.node.<peer>.peer.<domain>` if imported. */
export function nodeCanonicalName(node: Node, domain: string): string {
  if (node.PeerName !== undefined && node.PeerName !== '') {
    return `${node.Node}.node.${node.PeerName}.peer.${domain}`;
  }
  return `${node.Node}.node.${node.Datacenter}.${domain}`;
}

/** `<hex>.addr.<dc>.<domain>` (no datacenter for peers): an SRV target that resolves to `ip` (Consul `encodeIPAsFqdn`). */
export function addrName(ip: string, datacenter: string, peer: string, domain: string): string {
  const hex = ipHex(ip);
  return peer !== '' ? `${hex}.addr.${domain}` : `${hex}.addr.${datacenter}.${domain}`;
}

function ipHex(ip: string): string {
  if (isIP(ip) === 4) {
    return ip
      .split('.')
      .map((o) => Number(o).toString(16).padStart(2, '0'))
      .join('');
  }
  // Expand "::" and print 16 bytes as 32 hex digits.
  const [head = '', tail = ''] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join('');
}

/** A record set for one instance: answers and the additional records that back them. */
export interface InstanceRecords {
  answers: Answer[];
  extra: Answer[];
}

/** Per-lookup inputs of {@link instanceRecords}. */
export interface InstanceContext {
  qtype: number;
  /** The question name as asked (case preserved), with a trailing dot. */
  qname: string;
  ttl: number;
  /** The lookup's datacenter ('' for peers) and peer, for SRV target names. */
  datacenter: string;
  peer: string;
  /** The response domain, `consul.` or the alt domain the question used. */
  domain: string;
}

/**
 * Consul's `makeNodeServiceRecords`: the service address if set, else the node address. For SRV questions the
 * target is the node's canonical name when the node address is used, `<hex>.addr…` for an IP service address, and
 * the hostname itself for a hostname address, with A/AAAA records for the target in the additional section. Other
 * questions get A/AAAA records, or a CNAME for a hostname address.
 *
 * TODO(dns): Consul also resolves CNAME targets (inside the domain, or through the recursors); Entente does not yet.
 */
export function instanceRecords(inst: HealthyInstance, ctx: InstanceContext): InstanceRecords {
  const accept = acceptFor(ctx.qtype);
  const svcAddr = serviceAddress(inst, accept);
  const nodeAddr = nodeAddress(inst.node, accept);
  if (svcAddr === '' && nodeAddr === '') return { answers: [], extra: [] };
  const nodeIsIp = isIP(nodeAddr) !== 0;
  if (svcAddr === '' && nodeIsIp) {
    // A tagged address other than the node's own is not named by the node's canonical name.
    return inst.node.Address !== nodeAddr ? fromIp(inst, nodeAddr, ctx) : fromNode(inst, nodeAddr, ctx);
  }
  if (svcAddr === '') return fromHostname(inst, nodeAddr, ctx);
  if (isIP(svcAddr) !== 0) return fromIp(inst, svcAddr, ctx);
  if (`${bare(svcAddr)}.`.toLowerCase() === ctx.qname.toLowerCase() && nodeIsIp)
    return fromNode(inst, nodeAddr, ctx);
  return fromHostname(inst, svcAddr, ctx);
}

function srv(inst: HealthyInstance, ctx: InstanceContext, target: string): Answer {
  return {
    type: 'SRV',
    name: bare(ctx.qname),
    ttl: ctx.ttl,
    data: {
      priority: 1,
      weight: srvWeight(inst, inst.checks),
      port: inst.service.Port,
      target: bare(target),
    },
  };
}

function fromNode(inst: HealthyInstance, ip: string, ctx: InstanceContext): InstanceRecords {
  if (ctx.qtype === QTYPE.SRV) {
    const target = nodeCanonicalName(inst.node, ctx.domain);
    const a = addressRecord(ctx.qtype, ip, target, ctx.ttl);
    if (!a || !isEncodableName(target)) return { answers: [], extra: [] };
    return { answers: [srv(inst, ctx, target)], extra: [a] };
  }
  const a = addressRecord(ctx.qtype, ip, ctx.qname, ctx.ttl);
  return { answers: a ? [a] : [], extra: [] };
}

function fromIp(inst: HealthyInstance, ip: string, ctx: InstanceContext): InstanceRecords {
  if (ctx.qtype === QTYPE.SRV) {
    const target = addrName(ip, ctx.datacenter, ctx.peer, ctx.domain);
    const a = addressRecord(ctx.qtype, ip, target, ctx.ttl);
    if (!a || !isEncodableName(target)) return { answers: [], extra: [] };
    return { answers: [srv(inst, ctx, target)], extra: [a] };
  }
  const a = addressRecord(ctx.qtype, ip, ctx.qname, ctx.ttl);
  return { answers: a ? [a] : [], extra: [] };
}

function fromHostname(inst: HealthyInstance, host: string, ctx: InstanceContext): InstanceRecords {
  if (!isEncodableName(host)) return { answers: [], extra: [] };
  if (ctx.qtype === QTYPE.SRV) return { answers: [srv(inst, ctx, host)], extra: [] };
  return {
    answers: [{ type: 'CNAME', name: bare(ctx.qname), ttl: ctx.ttl, data: bare(host) }],
    extra: [],
  };
}

/** Records for a node lookup's address: A/AAAA, or a CNAME when the node address is a hostname. */
export function nodeAddressRecords(node: Node, qtype: number, qname: string, ttl: number): Answer[] {
  const addr = nodeAddress(node, acceptFor(qtype));
  if (addr === '') return [];
  if (isIP(addr) === 0) {
    return isEncodableName(addr) ? [{ type: 'CNAME', name: bare(qname), ttl, data: bare(addr) }] : [];
  }
  const rec = addressRecord(qtype, addr, qname, ttl);
  return rec ? [rec] : [];
}

/** A TXT string holds at most 255 bytes; longer values are split into several strings of one record. */
const TXT_CHUNK_BYTES = 255;
/** Keeps one TXT record well inside the 16-bit RDLENGTH. */
const MAX_TXT_BYTES = 60_000;

/**
 * Node meta as TXT records (Consul's `makeTXTRecordFromNodeMeta`): `key=value` escaped per RFC 1464, except keys
 * starting `rfc1035-`, whose value is used as is.
 */
export function nodeMetaTxt(node: Node, name: string, ttl: number): Answer[] {
  const out: Answer[] = [];
  if (!isEncodableName(name)) return out;
  for (const [key, value] of Object.entries(node.Meta)) {
    const text = key.toLowerCase().startsWith('rfc1035-') ? value : rfc1464(key, value);
    const bytes = Buffer.from(text);
    if (bytes.length > MAX_TXT_BYTES) continue;
    const chunks: Buffer[] = [];
    for (let off = 0; off < bytes.length || chunks.length === 0; off += TXT_CHUNK_BYTES) {
      chunks.push(bytes.subarray(off, off + TXT_CHUNK_BYTES));
    }
    out.push({ type: 'TXT', name: bare(name), ttl, data: chunks });
  }
  return out;
}

/** RFC 1464 §2: backquote "`" and "=" in the key, and its leading/trailing spaces; "`" in the value. */
export function rfc1464(key: string, value: string): string {
  let k = key.replaceAll('`', '``').replaceAll('=', '`=');
  const lead = /^ +/.exec(k)?.[0].length ?? 0;
  k = '` '.repeat(lead) + k.slice(lead);
  const trail = / +$/.exec(k)?.[0].length ?? 0;
  k = k.slice(0, k.length - trail) + '` '.repeat(trail);
  return `${k}=${value.replaceAll('`', '``')}`;
}
