import { parseDuration } from '../lib/duration.js';

/** Consul's `maxUDPAnswerLimit`: `udp_answer_limit` can lower the count of UDP answers but never raise it past 8. */
export const MAX_UDP_ANSWER_LIMIT = 8;
export const DEFAULT_UDP_ANSWER_LIMIT = 3;
export const DEFAULT_RECURSOR_TIMEOUT_MS = 2_000;
/** Consul's default `max_stale` (87600h): stale reads are always fine. */
export const DEFAULT_MAX_STALE_MS = 87_600 * 3_600_000;
export const DEFAULT_SOA = { refresh: 3600, retry: 600, expire: 86400, minTtl: 0 } as const;

export const RECURSOR_STRATEGIES = ['sequential', 'random'] as const;
export type RecursorStrategy = (typeof RECURSOR_STRATEGIES)[number];

/** TTLs for service answers: exact names first, then the longest `prefix*` match (Consul's radix tree). */
export interface ServiceTtls {
  readonly exact: ReadonlyMap<string, number>;
  /** `[prefix, seconds]`, longest prefix first; `*` alone is the empty prefix. */
  readonly prefixes: readonly (readonly [string, number])[];
}

/** The `dns_config` block, checked and with Consul's defaults filled in. TTLs are whole seconds. */
export interface DnsSettings {
  /** Accepted for compatibility; the store is local and always current, so reads are never stale. */
  readonly allowStale: boolean;
  readonly maxStaleMs: number;
  readonly nodeTtl: number;
  readonly serviceTtls: ServiceTtls;
  readonly onlyPassing: boolean;
  readonly enableTruncate: boolean;
  readonly udpAnswerLimit: number;
  /** 0: no limit. */
  readonly aRecordLimit: number;
  readonly recursorStrategy: RecursorStrategy;
  readonly recursorTimeoutMs: number;
  /** `enable_additional_node_meta_txt` (default true): node meta as TXT in the additional section. */
  readonly nodeMetaTxt: boolean;
  /** Accepted; answers are never compressed (sizes are measured uncompressed, as Consul does for 512-byte UDP). */
  readonly disableCompression: boolean;
  readonly soa: {
    readonly refresh: number;
    readonly retry: number;
    readonly expire: number;
    readonly minTtl: number;
  };
}

/** Thrown at construction for a `dns_config` value Consul would reject. */
export class DnsConfigError extends Error {
  override readonly name = 'DnsConfigError';
}

function durationSeconds(raw: Record<string, unknown>, key: string, dflt: number): number {
  const v = raw[key];
  if (v === undefined) return dflt;
  const ms = durationMs(v, key);
  return Math.floor(ms / 1000);
}

function durationMs(v: unknown, key: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v * 1000;
  if (typeof v === 'string') {
    const ms = parseDuration(v);
    if (ms !== undefined && ms >= 0) return ms;
  }
  throw new DnsConfigError(`dns_config.${key}: expected a duration such as "10s", got ${JSON.stringify(v)}`);
}

function bool(raw: Record<string, unknown>, key: string, dflt: boolean): boolean {
  const v = raw[key];
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  throw new DnsConfigError(`dns_config.${key}: expected true or false, got ${JSON.stringify(v)}`);
}

function nonNegativeInt(raw: Record<string, unknown>, key: string, dflt: number): number {
  const v = raw[key];
  if (v === undefined) return dflt;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw new DnsConfigError(`dns_config.${key}: expected a non-negative integer, got ${JSON.stringify(v)}`);
}

function serviceTtls(v: unknown): ServiceTtls {
  if (v === undefined) return { exact: new Map(), prefixes: [] };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new DnsConfigError(
      'dns_config.service_ttl: expected a map of service name (or prefix*) to duration',
    );
  }
  const exact = new Map<string, number>();
  const prefixes: [string, number][] = [];
  for (const [name, ttl] of Object.entries(v)) {
    const seconds = Math.floor(durationMs(ttl, `service_ttl.${name}`) / 1000);
    if (name.endsWith('*')) prefixes.push([name.slice(0, -1), seconds]);
    else exact.set(name, seconds);
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return { exact, prefixes };
}

/**
 * Reads Consul's `dns_config` block (snake_case keys, as in the agent config). Unknown keys are ignored, as the
 * config loader has already rejected keys Consul does not know.
 *
 * @throws DnsConfigError for a value of the wrong type or a malformed duration.
 */
export function parseDnsSettings(raw: Readonly<Record<string, unknown>>): DnsSettings {
  const r = raw as Record<string, unknown>;
  const strategy = r['recursor_strategy'] ?? 'sequential';
  if (strategy !== 'sequential' && strategy !== 'random') {
    throw new DnsConfigError(
      `dns_config.recursor_strategy: expected "sequential" or "random", got ${JSON.stringify(strategy)}`,
    );
  }
  const soaRaw: unknown = r['soa'] ?? {};
  if (typeof soaRaw !== 'object' || soaRaw === null || Array.isArray(soaRaw)) {
    throw new DnsConfigError('dns_config.soa: expected an object');
  }
  const soa = soaRaw as Record<string, unknown>;
  return {
    allowStale: bool(r, 'allow_stale', true),
    maxStaleMs: r['max_stale'] === undefined ? DEFAULT_MAX_STALE_MS : durationMs(r['max_stale'], 'max_stale'),
    nodeTtl: durationSeconds(r, 'node_ttl', 0),
    serviceTtls: serviceTtls(r['service_ttl']),
    onlyPassing: bool(r, 'only_passing', false),
    enableTruncate: bool(r, 'enable_truncate', false),
    udpAnswerLimit: nonNegativeInt(r, 'udp_answer_limit', DEFAULT_UDP_ANSWER_LIMIT),
    aRecordLimit: nonNegativeInt(r, 'a_record_limit', 0),
    recursorStrategy: strategy,
    recursorTimeoutMs:
      r['recursor_timeout'] === undefined
        ? DEFAULT_RECURSOR_TIMEOUT_MS
        : durationMs(r['recursor_timeout'], 'recursor_timeout'),
    nodeMetaTxt: bool(r, 'enable_additional_node_meta_txt', true),
    disableCompression: bool(r, 'disable_compression', false),
    soa: {
      refresh: nonNegativeInt(soa, 'refresh', DEFAULT_SOA.refresh),
      retry: nonNegativeInt(soa, 'retry', DEFAULT_SOA.retry),
      expire: nonNegativeInt(soa, 'expire', DEFAULT_SOA.expire),
      minTtl: nonNegativeInt(soa, 'min_ttl', DEFAULT_SOA.minTtl),
    },
  };
}

/** The TTL (seconds) for answers about `service`: exact match, else longest `prefix*`, else 0 (Consul). */
export function serviceTtl(ttls: ServiceTtls, service: string): number {
  const exact = ttls.exact.get(service);
  if (exact !== undefined) return exact;
  for (const [prefix, ttl] of ttls.prefixes) if (service.startsWith(prefix)) return ttl;
  return 0;
}
