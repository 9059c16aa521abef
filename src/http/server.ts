import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toHttpError } from '../errors/index.js';
import { redactSecretsInText, type Logger } from '../logging/index.js';
import { ConnectionGuard, DEFAULT_HTTP_MAX_CONNS_PER_CLIENT } from './connection-guard.js';
import { RequestContext } from './context.js';
import { RequestAbort } from './request-abort.js';
import { RequestTarget } from './request-target.js';
import { serializeJson, type Reply } from './reply.js';

/**
 * What `/` answers (200, like Consul's index page with its UI off). Consul's own text would tell the reader to set
 * ui_config.enabled, which does nothing here, so this one says what is true.
 */
export const UI_DISABLED_TEXT = 'Entente agent: there is no web UI yet. The HTTP API is served under /v1/.';

/** On every response, as Consul sends it. */
const ACL_POLICY_HEADER = 'X-Consul-Default-ACL-Policy';

export type Handler = (ctx: RequestContext) => Promise<Reply>;

/**
 * Most time to receive a request's headers (ms). Consul (Go's http.Server) sets none; Node's default is 60 s. A
 * client that connects and dribbles headers is cut after this with a 408.
 */
export const DEFAULT_HTTP_HEADERS_TIMEOUT_MS = 10_000;
/**
 * Most time to receive a whole request, headers and body (ms); Node's default is 300 s. Blocking queries are not
 * affected: it bounds reading the request, not writing the answer. Past it the client gets a 408 and the
 * connection is closed.
 */
export const DEFAULT_HTTP_REQUEST_TIMEOUT_MS = 30_000;
/** How often the two timeouts above are checked (ms), so they fire within this much of their value (Node: 30 s). */
export const HTTP_TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** One entry of the route table: an exact path, or a prefix (ending in `/`) whose rest is the handler's `rest`. */
export interface Route {
  path: string;
  prefix: boolean;
  methods: Partial<Record<'GET' | 'PUT' | 'POST' | 'DELETE', Handler>>;
}

export interface HttpServerOptions {
  routes: readonly Route[];
  logger: Logger;
  /** Always pretty-print JSON (Consul does in -dev). */
  alwaysPretty?: boolean;
  /** `X-Consul-Default-ACL-Policy`, on every response. */
  defaultAclPolicy?: 'allow' | 'deny';
  /**
   * Called once per request to a known route when it has been answered (Consul's `api.http` timing): the
   * method, the route's path as in the route table, and the handling time in ms.
   */
  onRequestTimed?: (method: string, routePath: string, durationMs: number) => void;
  /** `limits.http_max_conns_per_client`: concurrent connections per client IP, 0 = no limit. Default 200. */
  maxConnsPerClient?: number;
  /** Total connection cap; default: open-file limit minus a reserve (see `connection-guard.ts`). */
  maxConnections?: number;
  /** Default {@link DEFAULT_HTTP_HEADERS_TIMEOUT_MS}. */
  headersTimeoutMs?: number;
  /** Default {@link DEFAULT_HTTP_REQUEST_TIMEOUT_MS}; at least `headersTimeoutMs`. */
  requestTimeoutMs?: number;
}

/**
 * The HTTP API server. Routing is a single table (http/routes.ts); errors are mapped once, here, through
 * errors/to-http.ts; a client that disconnects aborts its request's signal, which ends blocking queries at once.
 */
export class HttpServer {
  readonly #server: Server;
  readonly #exact = new Map<string, Route>();
  readonly #prefixes: Route[];
  readonly #opts: HttpServerOptions;
  readonly #inflight = new Set<AbortController>();
  readonly #guard: ConnectionGuard;
  readonly #aclPolicy: string;
  readonly #alwaysPretty: boolean;
  /** Each route's `Allow` header value (OPTIONS, 405), worked out once. */
  readonly #allow = new Map<Route, string>();

  constructor(opts: HttpServerOptions) {
    this.#opts = opts;
    this.#aclPolicy = opts.defaultAclPolicy ?? 'allow';
    this.#alwaysPretty = opts.alwaysPretty ?? false;
    for (const r of opts.routes) this.#allow.set(r, ['OPTIONS', ...Object.keys(r.methods)].join(','));
    for (const r of opts.routes) if (!r.prefix) this.#exact.set(r.path, r);
    // Longest prefix first.
    this.#prefixes = opts.routes.filter((r) => r.prefix).sort((a, b) => b.path.length - a.path.length);
    const headersTimeout = opts.headersTimeoutMs ?? DEFAULT_HTTP_HEADERS_TIMEOUT_MS;
    this.#server = createServer(
      {
        headersTimeout,
        requestTimeout: Math.max(headersTimeout, opts.requestTimeoutMs ?? DEFAULT_HTTP_REQUEST_TIMEOUT_MS),
        connectionsCheckingInterval: Math.min(HTTP_TIMEOUT_CHECK_INTERVAL_MS, headersTimeout),
      },
      (req, res) => {
        if (this.#guard.refused(req.socket)) return; // answered 429 at accept; closing
        void this.#handle(req, res);
      },
    );
    this.#server.keepAliveTimeout = 30_000;
    this.#guard = new ConnectionGuard({
      maxConnsPerClient: opts.maxConnsPerClient ?? DEFAULT_HTTP_MAX_CONNS_PER_CLIENT,
      maxConnections: opts.maxConnections,
      logger: opts.logger,
    });
    this.#guard.attach(this.#server);
  }

  /** The connection limits' refusal counters. */
  get connectionStats(): ConnectionGuard['stats'] {
    return this.#guard.stats;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.#server.address() as AddressInfo;
  }

  /** Stops accepting, ends blocking queries, waits for in-flight requests. Idempotent. */
  async close(): Promise<void> {
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
    for (const c of this.#inflight) c.abort(new Error('server closing'));
    this.#server.closeIdleConnections();
    const timer = setTimeout(() => {
      this.#server.closeAllConnections();
    }, 2000);
    timer.unref();
    await closed;
    clearTimeout(timer);
  }

  #match(pathname: string): { route: Route; rest: string } | undefined {
    const exact = this.#exact.get(pathname);
    if (exact) return { route: exact, rest: '' };
    for (const r of this.#prefixes) {
      if (pathname.startsWith(r.path)) return { route: r, rest: pathname.slice(r.path.length) };
    }
    // `/v1/kv` without a trailing slash still reaches the `/v1/kv/` handler with an empty rest.
    for (const r of this.#prefixes) if (`${pathname}/` === r.path) return { route: r, rest: '' };
    return undefined;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let routePath: string | undefined;
    const abort = new RequestAbort(req, res, this.#inflight);
    let pretty = this.#alwaysPretty;
    try {
      const target = RequestTarget.parse(req.url ?? '/');
      pretty ||= target.has('pretty');
      const pathname = target.pathname;
      // WHATWG URL parsing percent-encodes raw control characters: only an escape can hide one.
      if (pathname.includes('%') && hasControlChars(decodeURIComponentSafe(pathname))) {
        this.#text(res, 400, `Invalid URL path: contains non-printable characters`);
        return;
      }
      const found = this.#match(pathname);
      if (!found) {
        // Entente has no UI yet, so `/` never redirects to one.
        if (pathname === '/') {
          this.#text(res, 200, UI_DISABLED_TEXT);
          return;
        }
        this.#text(res, 404, `Invalid URL path: not a recognized HTTP API endpoint`);
        return;
      }
      const { route } = found;
      routePath = route.path;
      const method = (req.method ?? 'GET').toUpperCase();
      if (method === 'OPTIONS') {
        res.writeHead(200, [ACL_POLICY_HEADER, this.#aclPolicy, 'Allow', this.#allowOf(route)]).end();
        return;
      }
      const handler = method === 'HEAD' ? undefined : route.methods[method as keyof Route['methods']];
      if (!handler) {
        res.setHeader('Allow', this.#allowOf(route));
        this.#text(res, 405, `method ${method} not allowed`);
        return;
      }
      let rest: string;
      try {
        rest = found.rest === '' ? '' : decodeURIComponent(found.rest);
      } catch {
        this.#text(res, 400, `Invalid URL path: bad escape in "${found.rest}"`);
        return;
      }
      const ctx = new RequestContext(req, target, rest, abort, pretty);
      const reply = await handler(ctx);
      if (!res.destroyed) this.#send(res, reply, pretty);
    } catch (err) {
      const mapped = toHttpError(err);
      // A client that went away mid-request is not a server error.
      if (mapped.unexpected && !abort.aborted) {
        // The URL may carry `?token=`; the logger scrubs every line too, this keeps the field clean at the source.
        const url = redactSecretsInText(req.url ?? '');
        this.#opts.logger.error({ err, url, method: req.method }, 'request failed');
      }
      if (!res.headersSent && !res.destroyed) this.#text(res, mapped.status, mapped.body);
    } finally {
      abort.dispose();
      if (routePath !== undefined) {
        this.#opts.onRequestTimed?.(req.method ?? 'GET', routePath, performance.now() - started);
      }
    }
  }

  #allowOf(route: Route): string {
    return this.#allow.get(route) ?? 'OPTIONS';
  }

  #send(res: ServerResponse, reply: Reply, pretty: boolean): void {
    // Headers go to writeHead as one flat [name, value, ...] list: no setHeader per header (each costs as much as
    // the routing), and Node walks a list without the keyed lookups an object takes.
    const headers: string[] = [ACL_POLICY_HEADER, this.#aclPolicy];
    let lastContact = '0';
    if (reply.headers !== undefined) {
      for (const name of Object.keys(reply.headers)) {
        const value = reply.headers[name] as string;
        // A handler may report real staleness (`?peer=` reads); otherwise this server is the leader: 0.
        if (name === 'X-Consul-LastContact' && reply.index !== undefined) lastContact = value;
        else headers.push(name, value);
      }
    }
    if (reply.index !== undefined) {
      headers.push(
        'X-Consul-Index',
        String(Math.max(1, reply.index)),
        'X-Consul-KnownLeader',
        'true',
        'X-Consul-LastContact',
        lastContact,
      );
    }
    let body: Buffer | string | undefined;
    if (reply.raw !== undefined) {
      body = reply.raw;
      if (reply.contentType) headers.push('Content-Type', reply.contentType);
    } else if (reply.body !== undefined) {
      body = serializeJson(reply.body, pretty);
      headers.push('Content-Type', 'application/json');
    }
    // A length, not chunked encoding: one less framing layer for every client to parse.
    headers.push('Content-Length', String(body === undefined ? 0 : Buffer.byteLength(body)));
    res.writeHead(reply.status ?? 200, headers);
    res.end(body);
  }

  #text(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, {
      [ACL_POLICY_HEADER]: this.#aclPolicy,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** URLs with non-printable characters are rejected, as Consul does by default. */
function hasControlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
