/**
 * Connection limits of the HTTP API listener.
 *
 * - **Per client IP**: Consul's `limits.http_max_conns_per_client` (default 200, 0 = no limit), counted from accept
 *   to close per remote IP. A connection past the limit is answered Consul's `429 Too Many Requests` with
 *   `Connection: close` and closed {@link REFUSED_CONN_CLOSE_MS} later (Consul's write deadline), whatever the
 *   client sends; the request on it never reaches a handler.
 * - **In total**: `server.maxConnections`, by default the process's open-file limit minus
 *   {@link HTTP_FD_RESERVE}. At the fd limit itself libuv would accept and close connections silently (and the
 *   log and snapshots would fail to open files); stopping below it makes Node drop the connection with a `drop`
 *   event, which is logged.
 *
 * Refusals are logged at WARN at most once per {@link DEFAULT_LOG_THROTTLE_MS} per kind, with the count of those
 * not logged since.
 *
 * @module
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

import { ClientConnLimit, clientIpKey } from '../lib/client-conn-limit.js';
import { DEFAULT_LOG_THROTTLE_MS, LogThrottle } from '../lib/log-throttle.js';
import { openFileLimit } from '../lib/open-file-limit.js';
import type { Logger } from '../logging/index.js';

/** Consul's default `limits.http_max_conns_per_client`. */
export const DEFAULT_HTTP_MAX_CONNS_PER_CLIENT = 200;
/** File descriptors kept free of HTTP connections: log segments, snapshots, DNS, gRPC, outbound dials. */
export const HTTP_FD_RESERVE = 256;
/** A refused connection is destroyed this long after its 429 was written, read or not (Consul: 10 ms). */
export const REFUSED_CONN_CLOSE_MS = 10;

const TOO_MANY_CONNS_TEXT =
  'Your IP is issuing too many concurrent connections, please rate limit your calls\n';
/** Consul's (go-connlimit's) answer to a connection past the per-client limit, byte for byte. */
export const TOO_MANY_CONNS_RESPONSE = Buffer.from(
  'HTTP/1.1 429 Too Many Requests\r\n' +
    'Content-Type: text/plain\r\n' +
    `Content-Length: ${Buffer.byteLength(TOO_MANY_CONNS_TEXT)}\r\n` +
    'Connection: close\r\n\r\n' +
    TOO_MANY_CONNS_TEXT,
  'latin1',
);

/** Options of {@link ConnectionGuard}. */
export interface ConnectionGuardOptions {
  /** Most concurrent connections per client IP; 0 = no limit. */
  readonly maxConnsPerClient: number;
  /**
   * Most concurrent connections in total. Default: the open-file limit minus {@link HTTP_FD_RESERVE} when it is
   * known (Linux), else none.
   */
  readonly maxConnections?: number | undefined;
  readonly logger: Logger;
  /** Interval between two WARN lines about refused connections (ms). */
  readonly logIntervalMs?: number;
}

/** What the guard has refused since start, for tests and metrics. */
export interface ConnectionGuardStats {
  /** Connections answered 429 for passing the per-client limit. */
  readonly refusedPerClient: number;
  /** Connections dropped by Node at the total cap. */
  readonly droppedAtCap: number;
}

/** Applies the limits above to one `http.Server`. */
export class ConnectionGuard {
  readonly #perClient: ClientConnLimit;
  readonly #maxConnections: number | undefined;
  readonly #logger: Logger;
  readonly #refused = new WeakSet<Socket>();
  readonly #refusedLog: LogThrottle;
  readonly #dropLog: LogThrottle;
  #refusedPerClient = 0;
  #droppedAtCap = 0;

  constructor(opts: ConnectionGuardOptions) {
    this.#perClient = new ClientConnLimit(opts.maxConnsPerClient);
    this.#maxConnections = opts.maxConnections ?? defaultMaxConnections();
    this.#logger = opts.logger;
    this.#refusedLog = new LogThrottle(opts.logIntervalMs ?? DEFAULT_LOG_THROTTLE_MS);
    this.#dropLog = new LogThrottle(opts.logIntervalMs ?? DEFAULT_LOG_THROTTLE_MS);
  }

  /** The total cap applied (undefined: none). */
  get maxConnections(): number | undefined {
    return this.#maxConnections;
  }

  get stats(): ConnectionGuardStats {
    return { refusedPerClient: this.#refusedPerClient, droppedAtCap: this.#droppedAtCap };
  }

  /** Installs the limits on `server`; call before it listens. */
  attach(server: Server): void {
    if (this.#maxConnections !== undefined) server.maxConnections = this.#maxConnections;
    // Before http's own listener, so a refused socket is answered before any request on it is parsed.
    server.prependListener('connection', this.#onConnection);
    server.on('drop', this.#onDrop);
  }

  /** True for a connection answered 429: requests parsed on it must not be handled. */
  refused(socket: Socket): boolean {
    return this.#refused.has(socket);
  }

  readonly #onConnection = (socket: Socket): void => {
    const key = clientIpKey(socket.remoteAddress);
    if (this.#perClient.tryAcquire(key)) {
      socket.once('close', () => {
        this.#perClient.release(key);
      });
      return;
    }
    this.#refused.add(socket);
    this.#refusedPerClient++;
    socket.on('error', ignore);
    socket.end(TOO_MANY_CONNS_RESPONSE);
    setTimeout(() => socket.destroy(), REFUSED_CONN_CLOSE_MS).unref();
    const suppressed = this.#refusedLog.take();
    if (suppressed !== undefined) {
      this.#logger.warn(
        { client: key, limit: this.#perClient.max, suppressed },
        'HTTP connection refused (429): the client is at limits.http_max_conns_per_client',
      );
    }
  };

  readonly #onDrop = (data?: { remoteAddress?: string | undefined }): void => {
    this.#droppedAtCap++;
    const suppressed = this.#dropLog.take();
    if (suppressed !== undefined) {
      this.#logger.warn(
        { client: clientIpKey(data?.remoteAddress), limit: this.#maxConnections, suppressed },
        'HTTP connection dropped: the server is at its total connection cap (open-file limit minus reserve)',
      );
    }
  };
}

function ignore(): void {
  // A refused client that resets its side is of no interest.
}

function defaultMaxConnections(): number | undefined {
  const fds = openFileLimit();
  if (fds === undefined) return undefined;
  return Math.max(fds - HTTP_FD_RESERVE, Math.floor(fds / 2));
}
