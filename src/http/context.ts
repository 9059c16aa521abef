import type { IncomingMessage } from 'node:http';
import { AppError, badRequest } from '../errors/index.js';
import { MAX_BLOCKING_WAIT_MS } from '../blocking/index.js';
import { parseDuration } from '../lib/duration.js';
import { parseGoBool as parseGoBoolResult } from '../lib/go/strconv.js';
import { parseJsonBody } from './decode.js';
import type { RequestTarget } from './request-target.js';

/** Default cap on request bodies (bytes); KV values have their own, smaller cap. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The parsed request a handler works with. */
export class RequestContext {
  readonly method: string;
  /** The request's path and query (a whole `URL` is built only when {@link url} is read). */
  readonly target: RequestTarget;
  /** The part of the path after the route's prefix (URL-decoded), e.g. the service name. */
  readonly rest: string;
  readonly req: IncomingMessage;
  /** The answer is to be indented (`?pretty`, or always in -dev). */
  readonly pretty: boolean;
  #body: Buffer | undefined;
  readonly #maxBody: number;
  readonly #signal: AbortSignal | SignalSource;

  constructor(
    req: IncomingMessage,
    target: RequestTarget,
    rest: string,
    /** The request's abort signal, or what makes it on first use (see RequestAbort). */
    signal: AbortSignal | SignalSource,
    pretty = false,
    maxBody = MAX_BODY_BYTES,
  ) {
    this.req = req;
    this.pretty = pretty;
    this.method = req.method ?? 'GET';
    this.target = target;
    this.rest = rest;
    this.#signal = signal;
    this.#maxBody = maxBody;
  }

  /** The whole request URL (base `http://localhost`), built on first use. */
  get url(): URL {
    return this.target.url;
  }

  /** The request path, as `URL.pathname`. */
  get pathname(): string {
    return this.target.pathname;
  }

  /** Aborted when the client disconnects or the server closes. */
  get signal(): AbortSignal {
    return this.#signal instanceof AbortSignal ? this.#signal : this.#signal.signal;
  }

  /** A query parameter's value; `undefined` when absent, `''` when present without a value. */
  query(name: string): string | undefined {
    return this.target.get(name);
  }

  queryAll(name: string): string[] {
    return this.target.getAll(name);
  }

  /** Presence-only flags (`?stale`, `?pretty`): Consul ignores their values. */
  flag(name: string): boolean {
    return this.target.has(name);
  }

  /** A Go-style boolean parameter: present without value is true. */
  boolQuery(name: string, errorText: string): boolean | undefined {
    const v = this.query(name);
    if (v === undefined) return undefined;
    if (v === '') return true;
    const b = parseGoBool(v);
    if (b === undefined) throw badRequest(errorText);
    return b;
  }

  /** The ACL token: `?token=`, then `X-Consul-Token`, then `Authorization: Bearer`. */
  token(): string {
    const q = this.query('token');
    if (q !== undefined && q !== '') return q;
    const h = this.req.headers['x-consul-token'];
    if (typeof h === 'string' && h !== '') return h;
    const auth = this.req.headers.authorization;
    if (typeof auth === 'string') {
      const parts = auth.trim().split(/\s+/);
      if (parts.length >= 2 && parts[0]?.toLowerCase() === 'bearer') return parts[1] ?? '';
    }
    return '';
  }

  /** The raw body, read once, capped. */
  async rawBody(limit = this.#maxBody): Promise<Buffer> {
    if (this.#body) return this.#body;
    const declared = Number(this.req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge(declared, limit);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(size, limit);
      chunks.push(chunk);
    }
    this.#body = Buffer.concat(chunks);
    return this.#body;
  }

  /** The body parsed as JSON; `undefined` when empty. `limit` lowers the body cap for this endpoint (413 above). */
  async json(prefix: string, limit?: number): Promise<unknown> {
    return parseJsonBody(await this.rawBody(limit), prefix);
  }
}

/** Makes the request's abort signal when first read (RequestAbort). */
export interface SignalSource {
  readonly signal: AbortSignal;
}

function tooLarge(size: number, limit: number): AppError {
  return new AppError(
    'ENT_ERR_BODY_TOO_LARGE',
    `Request body(${size} bytes) too large, max size: ${limit} bytes.`,
  );
}

/** Go's strconv.ParseBool: the value, or undefined when Go would reject it. */
export function parseGoBool(v: string): boolean | undefined {
  const r = parseGoBoolResult(v);
  return r.ok ? r.value : undefined;
}

/** Options common to read endpoints (Consul's QueryOptions). */
export interface QueryOptions {
  minIndex: number;
  waitMs: number | undefined;
  stale: boolean;
  consistent: boolean;
  filter: string;
  peer: string;
}

/**
 * Parses and checks the common query parameters. Contradictions and bad values are 400s with Consul's texts.
 */
export function parseQueryOptions(ctx: RequestContext, localDc: string): QueryOptions {
  checkDatacenter(ctx, localDc);
  checkEnterpriseParams(ctx);
  const stale = ctx.flag('stale') || ctx.query('max_stale') !== undefined;
  const consistent = ctx.flag('consistent');
  if (stale && consistent) throw badRequest('Cannot specify ?stale with ?consistent, conflicting semantics.');
  if (ctx.flag('cached') && consistent)
    throw badRequest('Cannot specify ?cached with ?consistent, conflicting semantics.');
  const maxStale = ctx.query('max_stale');
  if (maxStale !== undefined && maxStale !== '' && parseDuration(maxStale) === undefined) {
    throw badRequest(`Invalid max_stale value "${maxStale}"`);
  }
  let minIndex = 0;
  const index = ctx.query('index');
  if (index !== undefined && index !== '') {
    if (!/^\d+$/.test(index) || !Number.isSafeInteger(Number(index))) throw badRequest('Invalid index');
    minIndex = Number(index);
  }
  let waitMs: number | undefined;
  const wait = ctx.query('wait');
  if (wait !== undefined && wait !== '') {
    const ms = parseDuration(wait);
    if (ms === undefined || ms < 0) throw badRequest('Invalid wait time');
    waitMs = Math.min(ms, MAX_BLOCKING_WAIT_MS);
  }
  const peer = ctx.query('peer') ?? '';
  return { minIndex, waitMs, stale, consistent, filter: ctx.query('filter') ?? '', peer };
}

/** `?dc=` may name only the local datacenter: there is no WAN federation. */
export function checkDatacenter(ctx: RequestContext, localDc: string): void {
  const dc = ctx.query('dc');
  if (dc !== undefined && dc !== '' && dc !== localDc)
    throw new AppError('ENT_ERR_NO_DC_PATH', 'No path to datacenter');
}

/** Namespaces and partitions are Enterprise features: only `default` or empty is accepted, as in Consul CE. */
export function checkEnterpriseParams(ctx: RequestContext): void {
  const ns = ctx.query('ns') ?? headerValue(ctx, 'x-consul-namespace');
  if (ns !== undefined && ns !== '' && ns !== 'default') {
    throw badRequest('Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature');
  }
  const partition = ctx.query('partition') ?? headerValue(ctx, 'x-consul-partition');
  if (partition !== undefined && partition !== '' && partition !== 'default') {
    throw badRequest('Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature');
  }
}

/**
 * A request header's value, `name` in lower case, as `req.headers[name]` gives it for headers Node joins (values of
 * repeated lines joined by `, `; every `X-Consul-*` header is one). Read from `req.rawHeaders`: the first read of
 * `req.headers` builds an object of every header, which a read that needs two of them should not pay for.
 */
export function headerValue(ctx: RequestContext, name: string): string | undefined {
  const raw = ctx.req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const key = raw[i] as string;
    if (key.length !== name.length || key.toLowerCase() !== name) continue;
    const v = raw[i + 1] as string;
    value = value === undefined ? v : `${value}, ${v}`;
  }
  return value;
}
