import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import {
  AnswerCache,
  answerCacheKey,
  encodeCachedAnswer,
  MAX_CACHED_INSTANCES,
  newCachedAnswer,
  type AnswerCacheStats,
  type CachedAnswer,
} from './answer-cache.js';
import { DNS_RCODE, toDnsRcode } from '../errors/index.js';
import type { Logger } from '../logging/index.js';
import type { DnsSettings } from './dns-config.js';
import { serviceTtl } from './dns-config.js';
import {
  healthyConnectInstances,
  healthyServiceInstances,
  isHealthy,
  shuffle,
  type DnsCatalog,
  type HealthyInstance,
} from './lookup.js';
import { HEADER_BYTES, parseQuery, QCLASS, QTYPE, RCODE, type DnsQuery, type Rcode } from './parser.js';
import {
  addressRecord,
  bare,
  instanceRecords,
  nodeAddressRecords,
  nodeCanonicalName,
  nodeMetaTxt,
  type InstanceContext,
} from './records.js';
import { domainLabels, routeName, type DnsRoute, type Locality, type RouterOptions } from './router.js';
import {
  answerCap,
  encodeBare,
  encodeHeaderOnly,
  encodeReply,
  isEncodableName,
  optRecord,
  replyFlags,
  replyLimits,
  type ReplyDraft,
  type Transport,
} from './serializer.js';

/** Consul answers NS/SOA questions with at most this many servers. */
const MAX_NAMESERVERS = 3;
/** The catalog service every Consul (and Entente) server registers; NS records name its nodes. */
const SERVER_SERVICE = 'consul';
/** Consul's `InvalidNameRe`: node names that cannot be NS targets. */
const INVALID_NS_NAME = /[^A-Za-z0-9-]/;
const IXFR = 251;

/** What to do with one incoming message. */
export type DnsOutcome =
  | { readonly kind: 'reply'; readonly packet: Buffer }
  | { readonly kind: 'drop'; readonly reason: string }
  /** Outside our domains with recursors configured: the server forwards `query.raw`. */
  | { readonly kind: 'forward'; readonly query: DnsQuery };

/** Inputs of {@link DnsResponder}. */
export interface DnsResponderOptions {
  readonly catalog: DnsCatalog;
  readonly datacenter: string;
  readonly nodeName: string;
  /** `consul.` */
  readonly domain: string;
  /** `''` or e.g. `alt.` */
  readonly altDomain: string;
  readonly settings: DnsSettings;
  /** Whether recursors are configured: sets RA and forwards out-of-domain names instead of refusing them. */
  readonly hasRecursors: boolean;
  readonly logger: Logger;
  /** Seconds since the epoch, for the SOA serial; injectable for tests. */
  readonly nowSeconds?: () => number;
  /** Randomness for shuffling; injectable for tests. */
  readonly random?: () => number;
  /**
   * The answer cache (see answer-cache.ts): on by default; `false` answers every query from scratch (tests compare
   * the two), an object sets its bounds.
   */
  readonly answerCache?: boolean | { readonly maxEntries?: number; readonly maxBytes?: number };
}

/** Question types whose service answers are cached: the address answers (SRV carries extras and is not). */
function cacheableQtype(qtype: number): boolean {
  return qtype === QTYPE.A || qtype === QTYPE.AAAA || qtype === QTYPE.ANY;
}

/**
 * The DNS core: bytes in, bytes out, no sockets and no I/O, so it is unit-tested and fuzzed directly.
 *
 * Contract: {@link route} and {@link answer} never throw for any input (a bug in answering a valid question becomes
 * SERVFAIL and is logged); answers always reflect the store at the moment of the call, so health and registration
 * changes are visible to the next query.
 */
export class DnsResponder {
  readonly #o: DnsResponderOptions;
  readonly #router: RouterOptions;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #localDc: string;
  readonly #cache: AnswerCache | null;

  constructor(opts: DnsResponderOptions) {
    this.#o = opts;
    this.#router = {
      domain: domainLabels(opts.domain),
      altDomain: domainLabels(opts.altDomain),
      datacenter: opts.datacenter,
    };
    if (this.#router.domain.length === 0) throw new Error('dns: domain must not be empty');
    this.#now = opts.nowSeconds ?? ((): number => Math.floor(Date.now() / 1000));
    this.#random = opts.random ?? Math.random;
    this.#localDc = opts.datacenter.toLowerCase();
    const cache = opts.answerCache ?? true;
    this.#cache =
      cache === false
        ? null
        : cache === true
          ? new AnswerCache()
          : new AnswerCache(cache.maxEntries, cache.maxBytes);
  }

  /** Answer-cache counters (all zero when the cache is off). */
  get answerCacheStats(): AnswerCacheStats {
    return this.#cache?.stats ?? { hits: 0, misses: 0, stale: 0, entries: 0, bytes: 0 };
  }

  /**
   * Answers one message. `null` means send nothing (runt packets, responses). A name that needs forwarding is
   * answered SERVFAIL here; use {@link route} to forward it instead.
   */
  answer(raw: Buffer, transport: Transport): Buffer | null {
    const out = this.route(raw, transport);
    switch (out.kind) {
      case 'reply':
        return out.packet;
      case 'drop':
        return null;
      case 'forward':
        return this.serverFailure(out.query);
    }
  }

  /** SERVFAIL for a query (all recursors failed), with RA set as Consul does. */
  serverFailure(query: DnsQuery): Buffer {
    return encodeBare(query, RCODE.SERVFAIL, this.#o.hasRecursors);
  }

  /** Decides the outcome of one message; never throws. */
  route(raw: Buffer, transport: Transport): DnsOutcome {
    const cache = this.#cache;
    const key = cache === null ? null : answerCacheKey(raw, transport);
    if (cache !== null && key !== null) {
      const entry = cache.get(key);
      if (entry !== undefined) {
        const packet = this.#fromCache(cache, entry, raw);
        if (packet !== null) return { kind: 'reply', packet };
      }
    }
    const parsed = parseQuery(raw);
    switch (parsed.kind) {
      case 'drop':
        return parsed;
      case 'reject':
        this.#o.logger.debug({ reason: parsed.reason, rcode: parsed.rcode }, 'rejected DNS message');
        return { kind: 'reply', packet: encodeHeaderOnly(parsed.header, parsed.rcode) };
      case 'query':
        break;
    }
    const query = parsed.query;
    try {
      return this.#routeQuery(query, transport, key);
    } catch (err) {
      const rcode = toDnsRcode(err);
      if (rcode === DNS_RCODE.SERVFAIL) this.#o.logger.error({ err }, 'DNS query failed');
      return { kind: 'reply', packet: encodeBare(query, rcode, this.#o.hasRecursors) };
    }
  }

  /** A hit: the reply from `entry` while the catalog still holds what it was built from; null otherwise. */
  #fromCache(cache: AnswerCache, entry: CachedAnswer, raw: Buffer): Buffer | null {
    try {
      const current = this.#o.catalog.serviceInstances(undefined, entry.peer, entry.service);
      if (current.value === entry.instances && current.index === entry.index) {
        const packet = encodeCachedAnswer(entry, raw, this.#random);
        cache.hits++;
        return packet;
      }
      cache.stale++;
    } catch (err) {
      this.#o.logger.error({ err }, 'DNS answer cache failed');
    }
    cache.delete(entry.key);
    return null;
  }

  #routeQuery(query: DnsQuery, transport: Transport, key: string | null): DnsOutcome {
    const reply = (packet: Buffer): DnsOutcome => ({ kind: 'reply', packet });
    // NOTE: Consul ignores QCLASS and answers IN data for any class; Entente answers only IN and ANY and says
    // NOTIMP otherwise, so it never claims IN records exist in CHAOS or HESIOD.
    if (query.qclass !== QCLASS.IN && query.qclass !== QCLASS.ANY) {
      return reply(encodeBare(query, RCODE.NOTIMP, this.#o.hasRecursors));
    }
    if (query.qtype === QTYPE.OPT) return reply(encodeBare(query, RCODE.FORMERR, this.#o.hasRecursors));
    const route = routeName(query.labels, query.qtype, this.#router);
    if (route.kind === 'outside') {
      if (this.#o.hasRecursors) return { kind: 'forward', query };
      // miekg/dns (and Consul's router) answer REFUSED for a name no handler serves.
      return reply(encodeBare(query, RCODE.REFUSED, false));
    }
    if (
      key !== null &&
      this.#cache !== null &&
      route.kind === 'service' &&
      cacheableQtype(query.qtype) &&
      this.#isLocal(route.locality)
    ) {
      const entry = this.#buildCached(key, query, route, transport);
      if (entry !== null) {
        this.#cache.misses++;
        this.#cache.set(entry);
        return reply(encodeCachedAnswer(entry, query.raw, this.#random));
      }
    }
    const draft = this.#draft(query, route);
    const { settings } = this.#o;
    return reply(
      encodeReply(query, draft, transport, {
        udpAnswerLimit: settings.udpAnswerLimit,
        enableTruncate: settings.enableTruncate,
      }),
    );
  }

  #draft(query: DnsQuery, route: Exclude<DnsRoute, { kind: 'outside' }>): ReplyDraft {
    const draft: ReplyDraft = {
      rcode: RCODE.NOERROR,
      authoritative: true,
      recursionAvailable: this.#o.hasRecursors,
      answers: [],
      authorities: [],
      additionals: [],
    };
    const domain = route.domain;
    const qname = questionName(query);
    if (query.qtype === IXFR || query.qtype === QTYPE.AXFR) {
      draft.rcode = RCODE.NOTIMP;
      return draft;
    }
    // Consul answers SOA and NS questions for any name in its domain with the zone's records.
    if (query.qtype === QTYPE.SOA) {
      const ns = this.#nameservers(domain);
      draft.answers.push(this.#soa(domain));
      draft.authorities.push(...ns.records);
      draft.additionals.push(...ns.glue);
      return draft;
    }
    if (query.qtype === QTYPE.NS) {
      const ns = this.#nameservers(domain);
      draft.answers.push(...ns.records);
      draft.additionals.push(...ns.glue);
      return this.#finish(draft, domain);
    }
    const rcode = this.#lookup(query, qname, route, draft);
    draft.rcode = rcode;
    return this.#finish(draft, domain);
  }

  /** NXDOMAIN, and NOERROR without answers (RFC 2308 NODATA), carry the zone's SOA in the authority section. */
  #finish(draft: ReplyDraft, domain: string): ReplyDraft {
    if (draft.rcode === RCODE.NXDOMAIN || (draft.rcode === RCODE.NOERROR && draft.answers.length === 0)) {
      draft.authorities = [this.#soa(domain)];
    }
    return draft;
  }

  /** Fills `draft` for a lookup and returns the rcode. */
  #lookup(
    query: DnsQuery,
    qname: string,
    route: Exclude<DnsRoute, { kind: 'outside' }>,
    draft: ReplyDraft,
  ): Rcode {
    const { logger } = this.#o;
    switch (route.kind) {
      case 'apex':
        // NOTE: Consul answers NXDOMAIN for the bare domain; the apex exists (it has SOA and NS), so NODATA.
        return RCODE.NOERROR;
      case 'invalid':
        logger.debug({ qname, reason: route.reason }, 'QName invalid');
        return RCODE.NXDOMAIN;
      case 'unsupported':
        // TODO(dns): prepared queries (`.query.`) and ingress gateways (`.ingress.`).
        return RCODE.NXDOMAIN;
      case 'virtual':
        return this.#virtual(query, qname, route.service, route.peer, draft);
      case 'addr':
        return this.#addr(query, qname, route, draft);
      case 'node':
        return this.#node(query, qname, route.node, route.locality, draft);
      case 'service':
        return this.#services(
          query,
          qname,
          route.domain,
          route.locality,
          route.service,
          draft,
          (onlyPassing) =>
            healthyServiceInstances(
              this.#o.catalog,
              route.locality.peer,
              route.service,
              route.tag,
              onlyPassing,
            ),
        );
      case 'connect':
        return this.#services(
          query,
          qname,
          route.domain,
          route.locality,
          route.service,
          draft,
          (onlyPassing) => healthyConnectInstances(this.#o.catalog, route.service, onlyPassing),
        );
    }
  }

  /**
   * Builds the cache entry for a local service address question (what {@link #services} would answer, before the
   * shuffle), or null when that answer is not a non-empty set of A/AAAA records (NXDOMAIN, NODATA and CNAME answers
   * take the uncached path). Consumes no randomness, so falling back leaves the shuffle sequence as it was.
   */
  #buildCached(
    key: string,
    query: DnsQuery,
    route: Extract<DnsRoute, { kind: 'service' }>,
    transport: Transport,
  ): CachedAnswer | null {
    const { catalog, settings } = this.#o;
    const { peer } = route.locality;
    const current = catalog.serviceInstances(undefined, peer, route.service);
    const healthy = healthyServiceInstances(catalog, peer, route.service, route.tag, settings.onlyPassing);
    if (healthy.length === 0 || healthy.length > MAX_CACHED_INSTANCES) return null;
    const ctx: InstanceContext = {
      qtype: query.qtype,
      qname: questionName(query),
      ttl: serviceTtl(settings.serviceTtls, route.service),
      datacenter: route.locality.datacenter,
      peer,
      domain: route.domain,
    };
    const records: (Buffer | null)[] = [];
    const classes = new Int32Array(healthy.length);
    const classOf = new Map<string, number>();
    let any = false;
    for (const inst of healthy) {
      const { answers } = instanceRecords(inst, ctx);
      const first = answers[0];
      if (!first) {
        classes[records.length] = -1;
        records.push(null);
        continue;
      }
      if (answers.length !== 1 || (first.type !== 'A' && first.type !== 'AAAA')) return null;
      const k = recordKey(first);
      let c = classOf.get(k);
      if (c === undefined) {
        c = classOf.size;
        classOf.set(k, c);
      }
      classes[records.length] = c;
      records.push(encodeRecord(first));
      any = true;
    }
    if (!any) return null;
    const flags = replyFlags(query, {
      rcode: RCODE.NOERROR,
      authoritative: true,
      recursionAvailable: this.#o.hasRecursors,
    });
    const opt = optRecord(query).map(encodeRecord);
    const head = Buffer.alloc(HEADER_BYTES + query.questionWire.length);
    head.writeUInt16BE(0x8000 | (flags & 0x7fff), 2);
    head.writeUInt16BE(1, 4);
    head.writeUInt16BE(opt.length, 10);
    query.questionWire.copy(head, HEADER_BYTES);
    const { maxSize, budget } = replyLimits(query, transport);
    return newCachedAnswer({
      key,
      peer,
      service: route.service,
      instances: current.value,
      index: current.index,
      records,
      classes,
      classCount: classOf.size,
      head,
      opt: Buffer.concat(opt),
      aRecordLimit: settings.aRecordLimit,
      maxAnswers: answerCap(query, transport, maxSize, settings.udpAnswerLimit),
      maxSize,
      budget,
      enableTruncate: settings.enableTruncate,
    });
  }

  /** There is no WAN federation: only the local datacenter exists. Consul answers NXDOMAIN for "no path to dc". */
  #isLocal(locality: Locality): boolean {
    return locality.peer !== '' || locality.datacenter.toLowerCase() === this.#localDc;
  }

  #addr(query: DnsQuery, qname: string, route: { ip: string }, draft: ReplyDraft): Rcode {
    const rec = addressRecord(QTYPE.ANY, route.ip, qname, this.#o.settings.nodeTtl);
    if (!rec) return RCODE.NXDOMAIN;
    // Consul: the record goes to the answer only for a matching question (or ANY), else to the additional section.
    const wanted = rec.type === 'A' ? QTYPE.A : QTYPE.AAAA;
    if (query.qtype === wanted || query.qtype === QTYPE.ANY) draft.answers.push(rec);
    else draft.additionals.push(rec);
    return RCODE.NOERROR;
  }

  /** `<service>.virtual[.<peer>[.peer]]`: the service's stable virtual IP (240.0.0.0/4), from the state store. */
  #virtual(query: DnsQuery, qname: string, service: string, peer: string, draft: ReplyDraft): Rcode {
    const ip = this.#o.catalog.virtualIp(peer, service);
    if (ip === undefined) return RCODE.NXDOMAIN;
    if (query.qtype !== QTYPE.A && query.qtype !== QTYPE.ANY) return RCODE.NOERROR;
    const rec = addressRecord(QTYPE.A, ip, qname, serviceTtl(this.#o.settings.serviceTtls, service));
    if (rec) draft.answers.push(rec);
    return RCODE.NOERROR;
  }

  #node(query: DnsQuery, qname: string, name: string, locality: Locality, draft: ReplyDraft): Rcode {
    if (!this.#isLocal(locality)) return RCODE.NXDOMAIN;
    const node = this.#o.catalog.node(undefined, locality.peer, name).value;
    if (!node) return RCODE.NXDOMAIN;
    const { qtype } = query;
    // Consul answers node questions only for A, AAAA, ANY and TXT; others get NODATA.
    if (qtype !== QTYPE.A && qtype !== QTYPE.AAAA && qtype !== QTYPE.ANY && qtype !== QTYPE.TXT) {
      return RCODE.NOERROR;
    }
    const ttl = this.#o.settings.nodeTtl;
    if (qtype !== QTYPE.TXT) draft.answers.push(...nodeAddressRecords(node, qtype, qname, ttl));
    if (qtype === QTYPE.TXT || qtype === QTYPE.ANY) draft.answers.push(...nodeMetaTxt(node, qname, ttl));
    else if (this.#o.settings.nodeMetaTxt) draft.additionals.push(...nodeMetaTxt(node, qname, ttl));
    return RCODE.NOERROR;
  }

  #services(
    query: DnsQuery,
    qname: string,
    domain: string,
    locality: Locality,
    service: string,
    draft: ReplyDraft,
    find: (onlyPassing: boolean) => HealthyInstance[],
  ): Rcode {
    if (!this.#isLocal(locality)) return RCODE.NXDOMAIN;
    const { settings } = this.#o;
    const instances = shuffle(find(settings.onlyPassing), this.#random);
    if (instances.length === 0) return RCODE.NXDOMAIN;
    const ctx: InstanceContext = {
      qtype: query.qtype,
      qname,
      ttl: serviceTtl(settings.serviceTtls, service),
      datacenter: locality.datacenter,
      peer: locality.peer,
      domain,
    };
    if (query.qtype === QTYPE.SRV) {
      const seen = new Set<string>();
      for (const inst of instances) {
        // One SRV per node, address and port (a node may run the same service twice on one port).
        const key = `${inst.node.Node}\u0000${inst.service.Address}\u0000${inst.service.Port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const recs = instanceRecords(inst, ctx);
        draft.answers.push(...recs.answers);
        draft.additionals.push(...recs.extra);
        if (settings.nodeMetaTxt && recs.answers.length > 0) {
          draft.additionals.push(...nodeMetaTxt(inst.node, nodeCanonicalName(inst.node, domain), ctx.ttl));
        }
      }
      return RCODE.NOERROR;
    }
    // A/AAAA/ANY (and Consul's quirks for other types): one record set per distinct first record; hostname
    // instances answer a CNAME only when no instance has an address; `a_record_limit` caps the count.
    const seen = new Set<string>();
    let cname: Answer[] = [];
    let count = 0;
    for (const inst of instances) {
      const { answers } = instanceRecords(inst, ctx);
      const first = answers[0];
      if (!first) continue;
      const key = recordKey(first);
      if (seen.has(key)) continue;
      seen.add(key);
      if (first.type === 'CNAME') {
        if (cname.length === 0) cname = answers;
        continue;
      }
      draft.answers.push(...answers);
      count++;
      if (count === settings.aRecordLimit) break;
    }
    if (draft.answers.length === 0) draft.answers.push(...cname);
    return RCODE.NOERROR;
  }

  /** Consul's SOA: `ns.<domain>`, `hostmaster.<domain>`, serial = now, TTL = `soa.min_ttl`. */
  #soa(domain: string): Answer {
    const soa = this.#o.settings.soa;
    return {
      type: 'SOA',
      name: bare(domain),
      ttl: soa.minTtl,
      data: {
        mname: `ns.${bare(domain)}`,
        rname: `hostmaster.${bare(domain)}`,
        serial: this.#now() >>> 0,
        refresh: soa.refresh,
        retry: soa.retry,
        expire: soa.expire,
        minimum: soa.minTtl,
      },
    };
  }

  /**
   * NS records naming up to three healthy servers (instances of the `consul` service), shuffled, as
   * `<node>.node.<dc>.<domain>`, with their addresses as glue. Falls back to this agent's own node when the
   * catalog has no server yet.
   */
  #nameservers(domain: string): { records: Answer[]; glue: Answer[] } {
    const { catalog, settings } = this.#o;
    const ttl = settings.nodeTtl;
    let servers = catalog
      .serviceInstances(undefined, '', SERVER_SERVICE)
      .value.filter((i) => isHealthy(catalog.instanceChecks(i.node, i.service.ID), settings.onlyPassing))
      .map((i) => i.node);
    if (servers.length === 0) {
      const self = catalog.node(undefined, '', this.#o.nodeName).value;
      if (self) servers = [self];
    }
    const records: Answer[] = [];
    const glue: Answer[] = [];
    for (const node of shuffle([...servers], this.#random)) {
      if (INVALID_NS_NAME.test(node.Node)) continue;
      const target = `${node.Node}.node.${node.Datacenter}.${domain}`.toLowerCase();
      if (!isEncodableName(target)) continue;
      records.push({ type: 'NS', name: bare(domain), ttl, data: bare(target) });
      glue.push(...nodeAddressRecords(node, QTYPE.ANY, target, ttl));
      if (records.length >= MAX_NAMESERVERS) break;
    }
    return { records, glue };
  }
}

/** The question name as asked (case preserved) with a trailing dot; labels are plain ASCII here or unused. */
function questionName(query: DnsQuery): string {
  return query.labels.length === 0 ? '.' : `${query.labels.map((l) => l.toString('latin1')).join('.')}.`;
}

/** One record as dns-packet writes it in a message (names uncompressed): a message with it alone, minus the header. */
function encodeRecord(rec: Answer): Buffer {
  return Buffer.from(dnsPacket.encode({ type: 'response', answers: [rec] }).subarray(12));
}

/** Identity of an answer for de-duplication: type and data. */
function recordKey(rec: Answer): string {
  return 'data' in rec ? `${rec.type}\u0000${JSON.stringify(rec.data)}` : rec.type;
}
