/**
 * The HTTP/1.1 side of the public listener for `http` services: each authenticated TLS connection is handed to a
 * `node:http` server (not listening itself), every request is decided by the destination's intentions
 * ({@link decideRequest}): a denied request gets `403` with Envoy's body `RBAC: access denied` and is counted in
 * `intention_denials`; an allowed one is forwarded to the local application over a keep-alive pool, bodies
 * streamed both ways (backpressure by `pipeline`), with `x-forwarded-client-cert: By=<own ID>;URI=<caller ID>`.
 *
 * Bounds: the pool holds at most `maxConnections` sockets to the application (requests beyond wait in Node's
 * agent queue, which the inbound connection cap bounds in turn, since HTTP/1.1 has one request in flight per
 * connection); an inbound connection idle `idleTimeoutMs` is closed. Not served: protocol upgrades (WebSocket,
 * h2c) answer `501`; HTTP/2 is not offered (no ALPN, as Consul's built-in proxy).
 */
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TLSSocket } from 'node:tls';

import type { Logger } from '../../logging/index.js';
import type { VerifiedCaller } from './caller-identity.js';
import type { PublicListenerConfig } from './config.js';
import type { ProxyCounters } from './counters.js';
import { decideRequest, type IntentionRule } from './l7-permissions.js';

/** Hop-by-hop headers a proxy must not forward (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

type HeaderMap = Record<string, string | string[] | undefined>;

/** The headers without hop-by-hop ones. */
function endToEnd(headers: Readonly<HeaderMap>): HeaderMap {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k)));
}

export interface L7GatewayDeps {
  readonly logger: Logger;
  readonly counters: ProxyCounters;
  readonly listener: () => PublicListenerConfig;
  /** The destination's intentions in evaluation order; undefined until the first answer (requests then 503). */
  readonly intentions: () => readonly IntentionRule[] | undefined;
  /** The default intention behavior (Entente has no ACL system: allow, as Consul with ACLs off). */
  readonly defaultAllow: boolean;
  /** This service's SPIFFE ID (the `By` of XFCC). */
  readonly selfUri: () => string;
}

export class L7Gateway {
  readonly #d: L7GatewayDeps;
  readonly #server: Server;
  readonly #callers = new WeakMap<Duplex, VerifiedCaller>();
  #agent: Agent | undefined;

  constructor(deps: L7GatewayDeps) {
    this.#d = deps;
    this.#server = createServer((req, res) => {
      void this.#onRequest(req, res);
    });
    this.#server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      socket.end('HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    this.#server.on('clientError', (_err, socket: Duplex) => {
      socket.destroy();
    });
  }

  /** Serves HTTP on an authenticated inbound connection. */
  serve(socket: TLSSocket, caller: VerifiedCaller): void {
    this.#callers.set(socket, caller);
    const idle = this.#d.listener().idleTimeoutMs;
    socket.setTimeout(idle, () => {
      this.#d.counters.add('idle_timeouts');
      socket.destroy();
    });
    socket.once('close', () => {
      this.#d.counters.add('bytes_in', socket.bytesRead);
      this.#d.counters.add('bytes_out', socket.bytesWritten);
    });
    this.#server.emit('connection', socket);
  }

  /** Closes the pool to the application. */
  close(): void {
    this.#agent?.destroy();
    this.#server.close();
  }

  #pool(max: number): Agent {
    if (this.#agent?.maxSockets !== max) {
      this.#agent?.destroy();
      this.#agent = new Agent({ keepAlive: true, maxSockets: max });
    }
    return this.#agent;
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { counters, logger } = this.#d;
    const caller = this.#callers.get(req.socket);
    const intentions = this.#d.intentions();
    if (caller === undefined || intentions === undefined) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('intentions not loaded yet');
      return;
    }
    const d = decideRequest(
      intentions,
      { name: caller.name, peer: caller.peer },
      { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers },
      this.#d.defaultAllow,
    );
    if (!d.allowed) {
      counters.add('intention_denials');
      logger.debug(
        { caller: caller.uri, method: req.method, path: req.url, reason: d.reason },
        'request denied',
      );
      req.resume();
      res.writeHead(403, { 'content-type': 'text/plain' }).end('RBAC: access denied');
      return;
    }
    counters.add('http_requests');
    await this.#forward(req, res, caller);
  }

  async #forward(req: IncomingMessage, res: ServerResponse, caller: VerifiedCaller): Promise<void> {
    const cfg = this.#d.listener();
    const headers = endToEnd(req.headers);
    if (req.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
    headers['x-forwarded-client-cert'] = `By=${this.#d.selfUri()};URI=${caller.uri}`;
    const up = httpRequest({
      host: cfg.localServiceAddress,
      port: cfg.localServicePort,
      method: req.method,
      path: req.url,
      headers,
      agent: this.#pool(cfg.maxConnections),
    });
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      this.#d.counters.add('local_connect_errors');
      this.#d.logger.warn(
        { error: err instanceof Error ? err.message : String(err) },
        'local service request failed',
      );
      if (!res.headersSent)
        res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream connect error');
      else res.destroy();
    };
    up.on('error', fail);
    up.once('socket', (sock) => {
      if (!sock.connecting) return;
      const timer = setTimeout(() => {
        up.destroy(new Error(`connect timed out after ${cfg.localConnectTimeoutMs} ms`));
      }, cfg.localConnectTimeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
      });
      up.once('close', () => {
        clearTimeout(timer);
      });
    });
    up.once('response', (ur) => {
      res.writeHead(ur.statusCode ?? 502, endToEnd(ur.headers));
      pipeline(ur, res).catch(() => res.destroy());
    });
    await pipeline(req, up).catch(fail);
  }
}
