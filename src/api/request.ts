import { ApiError } from './api-error.js';

/**
 * Options for reads, mapped to Consul's query parameters exactly as the Go client maps `api.QueryOptions`.
 */
export interface QueryOptions {
  /** Datacenter to query (`dc`); defaults to the client's datacenter, then the agent's. */
  readonly dc?: string;
  /** Read objects imported from this peer (`peer`). */
  readonly peer?: string;
  /** Let any server answer (`stale`, presence-only). */
  readonly stale?: boolean;
  /** Make the leader verify leadership first (`consistent`, presence-only). */
  readonly consistent?: boolean;
  /** Block until the index exceeds this value (`index`); 0 is a plain read. */
  readonly index?: number;
  /** Maximum blocking time in milliseconds, sent as `wait=<n>ms` like the Go client. */
  readonly waitMs?: number;
  /** Sort by round-trip time from this node (`near`); `_agent` is the queried agent. */
  readonly near?: string;
  /** A go-bexpr filter expression (`filter`). */
  readonly filter?: string;
  /** Node metadata that must all match, sent as repeated `node-meta=key:value`. */
  readonly nodeMeta?: Readonly<Record<string, string>>;
  /** ACL token for this call, overriding the client's. */
  readonly token?: string;
  /** Aborts the request. */
  readonly signal?: AbortSignal;
}

/** Options for writes (Consul `api.WriteOptions`). */
export interface WriteOptions {
  readonly dc?: string;
  readonly token?: string;
  readonly signal?: AbortSignal;
}

/**
 * What a read learns besides its value, from the `X-Consul-*` headers (Consul `api.QueryMeta`).
 */
export interface QueryMeta {
  /** `X-Consul-Index`: pass it as {@link QueryOptions.index} to block for the next change; 0 when absent. */
  readonly lastIndex: number;
  /** `X-Consul-KnownLeader` equals `true`. */
  readonly knownLeader: boolean;
  /** `X-Consul-LastContact`, in milliseconds; 0 when absent. */
  readonly lastContactMs: number;
  /** Round-trip time of the request, in milliseconds. */
  readonly requestTimeMs: number;
}

/** A read's value with its {@link QueryMeta}. */
export interface QueryResult<T> {
  readonly value: T;
  readonly meta: QueryMeta;
}

/** A raw body with its content type (KV values are sent as bytes, not JSON). */
export interface RawBody {
  readonly data: string | Uint8Array;
  readonly contentType: string;
}

/** One HTTP call, before the client adds the address, datacenter and token. */
export interface ApiRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path from `/v1/…`, already escaped (see {@link escapePath}). */
  readonly path: string;
  /** Endpoint-specific query parameters, in addition to those from the options. */
  readonly params?: readonly (readonly [string, string])[];
  /** A JSON body; encoded as Go's `json.Encoder` does, with a trailing newline. */
  readonly json?: unknown;
  readonly raw?: RawBody;
  readonly query?: QueryOptions;
  readonly write?: WriteOptions;
}

/** A response with its body read. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
  readonly requestTimeMs: number;
}

/** What the endpoint groups need from the client: one way to send a request. */
export interface Requester {
  send(request: ApiRequest): Promise<ApiResponse>;
}

/** Throws an {@link ApiError} unless the status is 200, as the Go client's `requireOK` does. */
export function requireOk(response: ApiResponse): ApiResponse {
  if (response.status !== 200) throw new ApiError(response.status, response.body);
  return response;
}

/** Parses a JSON body; an empty body reads as `null`. */
export function decodeJson(response: ApiResponse): unknown {
  if (response.body.trim() === '') return null;
  try {
    return JSON.parse(response.body) as unknown;
  } catch (err) {
    throw new Error(`Failed to decode response body: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Reads the query meta headers. Lenient by default, like most Go client calls, which ignore parse errors;
 * `strict` reproduces `Peerings().List`, which fails when `X-Consul-LastContact` is missing or not a uint.
 */
export function parseQueryMeta(response: ApiResponse, strict = false): QueryMeta {
  const indexHeader = response.headers.get('X-Consul-Index');
  const contactHeader = response.headers.get('X-Consul-LastContact') ?? '';
  const index = indexHeader === null || indexHeader === '' ? 0 : parseUint(indexHeader);
  const contact = parseUint(contactHeader);
  if (strict) {
    if (index === undefined)
      throw new Error(`Failed to parse X-Consul-Index: ${goParseError(indexHeader ?? '')}`);
    if (contact === undefined) {
      throw new Error(`Failed to parse X-Consul-LastContact: ${goParseError(contactHeader)}`);
    }
  }
  return {
    lastIndex: index ?? 0,
    knownLeader: response.headers.get('X-Consul-KnownLeader') === 'true',
    lastContactMs: contact ?? 0,
    requestTimeMs: response.requestTimeMs,
  };
}

function parseUint(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function goParseError(text: string): string {
  return `strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`;
}

/** Escapes each segment of a path such as a KV key, keeping the `/` separators. */
export function escapePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * Builds the query string from the endpoint parameters and the options. Keys are sorted and values keep their
 * order, as Go's `url.Values.Encode` produces them.
 */
export function buildQuery(
  params: readonly (readonly [string, string])[],
  defaults: {
    readonly dc: string | undefined;
    readonly ns?: string | undefined;
    readonly partition?: string | undefined;
  },
  query: QueryOptions | undefined,
  write: WriteOptions | undefined,
): string {
  const values = new Map<string, string[]>();
  const set = (key: string, value: string): void => {
    values.set(key, [value]);
  };
  const add = (key: string, value: string): void => {
    const list = values.get(key);
    if (list === undefined) values.set(key, [value]);
    else list.push(value);
  };
  if (defaults.dc !== undefined && defaults.dc !== '') set('dc', defaults.dc);
  if (defaults.ns !== undefined && defaults.ns !== '') set('ns', defaults.ns);
  if (defaults.partition !== undefined && defaults.partition !== '') set('partition', defaults.partition);
  if (query !== undefined) {
    if (query.dc !== undefined && query.dc !== '') set('dc', query.dc);
    if (query.peer !== undefined && query.peer !== '') set('peer', query.peer);
    if (query.stale === true) set('stale', '');
    if (query.consistent === true) set('consistent', '');
    if (query.index !== undefined && query.index !== 0) set('index', String(query.index));
    if (query.waitMs !== undefined && query.waitMs > 0) set('wait', `${Math.trunc(query.waitMs)}ms`);
    if (query.near !== undefined && query.near !== '') set('near', query.near);
    if (query.filter !== undefined && query.filter !== '') set('filter', query.filter);
    for (const [key, value] of Object.entries(query.nodeMeta ?? {})) add('node-meta', `${key}:${value}`);
  }
  if (write?.dc !== undefined && write.dc !== '') set('dc', write.dc);
  for (const [key, value] of params) add(key, value);

  const search = new URLSearchParams();
  for (const key of [...values.keys()].sort()) {
    for (const value of values.get(key) ?? []) search.append(key, value);
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** Spreads optional read options without writing `undefined` keys (exactOptionalPropertyTypes). */
export function q(query: QueryOptions | undefined): { query?: QueryOptions } {
  return query === undefined ? {} : { query };
}

/** Spreads optional write options without writing `undefined` keys. */
export function w(write: WriteOptions | undefined): { write?: WriteOptions } {
  return write === undefined ? {} : { write };
}
