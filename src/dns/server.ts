import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import { ClientConnLimit, clientIpKey } from '../lib/client-conn-limit.js';
import { LogThrottle } from '../lib/log-throttle.js';
import type { Logger } from '../logging/index.js';
import { parseDnsSettings, type DnsSettings } from './dns-config.js';
import type { DnsCatalog } from './lookup.js';
import type { DnsQuery } from './parser.js';
import { parseRecursorAddress, Recursor } from './recursor.js';
import { DnsResponder, type DnsOutcome } from './responder.js';
import type { Transport } from './serializer.js';
import { TcpDnsConnection, type TcpConnectionLimits } from './tcp-connection.js';

/** Attempts at finding one free port for both UDP and TCP when asked for port 0. */
export const MAX_PORT_ATTEMPTS = 50;
/** Forwarded queries in flight at once; past this, out-of-domain queries are answered SERVFAIL at once. */
export const MAX_INFLIGHT_FORWARDS = 1024;
/** A TCP connection with no complete query for this long is closed (miekg/dns's idle timeout). */
export const TCP_IDLE_TIMEOUT_MS = 8_000;
/** Queries answered on one TCP connection before it is closed (bounds per-connection work). */
export const MAX_TCP_QUERIES_PER_CONNECTION = 1_024;
/** Queries of one TCP connection being answered at once (pipelining bound; reading pauses past it). */
export const MAX_TCP_PENDING_PER_CONNECTION = 8;
/**
 * Concurrent TCP connections in total; past it Node drops new ones (logged). Consul sets no limit; with the bounds
 * of `tcp-connection.ts` this caps DNS-over-TCP memory near 256 × (64 KiB in + 16 KiB + 8 × 64 KiB out).
 */
export const MAX_TCP_CONNECTIONS = 256;
/** Concurrent TCP connections per client IP; past it a new one is closed at once (logged). */
export const MAX_TCP_CONNECTIONS_PER_CLIENT = 64;

/** Inputs of {@link DnsServer}. */
export interface DnsServerOptions {
  /** The state store (or anything with the same read calls). */
  store: DnsCatalog;
  datacenter: string;
  nodeName: string;
  /** `consul.` */
  domain: string;
  /** `''` or e.g. `alt.` */
  altDomain: string;
  /** Consul's `dns_config` block, snake_case keys. */
  dnsConfig: Readonly<Record<string, unknown>>;
  /** `host[:port]` entries; empty: out-of-domain names are REFUSED. */
  recursors: readonly string[];
  logger: Logger;
}

/** Counters for tests and metrics. */
export interface DnsServerStats {
  /** Datagrams and TCP frames received. */
  received: number;
  replied: number;
  dropped: number;
  forwarded: number;
  /** Unexpected exceptions in the handlers (always a bug; the server keeps serving). */
  errors: number;
  /** TCP connections closed at accept: over the per-client limit, or dropped at the total cap. */
  tcpRefused: number;
  /** Open TCP connections whose reading is paused because their client does not read its answers. */
  tcpBlocked: number;
}

/**
 * Consul's DNS interface over UDP and TCP on one port. All answering is done by {@link DnsResponder}; this class
 * owns the sockets, the recursor and the lifecycle.
 *
 * Lifecycle: {@link listen} once, then {@link close} (idempotent) stops both listeners, closes TCP connections and
 * aborts forwarded queries.
 */
export class DnsServer {
  readonly responder: DnsResponder;
  readonly settings: DnsSettings;
  readonly #logger: Logger;
  readonly #recursor: Recursor | null;
  readonly #abort = new AbortController();
  readonly #connections = new Map<net.Socket, TcpDnsConnection>();
  readonly #perClient = new ClientConnLimit(MAX_TCP_CONNECTIONS_PER_CLIENT);
  readonly #refusedLog = new LogThrottle();
  readonly #tcpLimits: TcpConnectionLimits = {
    idleTimeoutMs: TCP_IDLE_TIMEOUT_MS,
    maxQueries: MAX_TCP_QUERIES_PER_CONNECTION,
    maxPending: MAX_TCP_PENDING_PER_CONNECTION,
  };
  readonly #stats: Omit<DnsServerStats, 'tcpBlocked'> = {
    received: 0,
    replied: 0,
    dropped: 0,
    forwarded: 0,
    errors: 0,
    tcpRefused: 0,
  };
  #udp: dgram.Socket | null = null;
  #tcp: net.Server | null = null;
  #inflight = 0;
  #closing: Promise<void> | null = null;

  /** @throws DnsConfigError or Error for a bad `dns_config` value or recursor address. */
  constructor(opts: DnsServerOptions) {
    this.#logger = opts.logger.child({ subsystem: 'dns' });
    this.settings = parseDnsSettings(opts.dnsConfig);
    const recursors = opts.recursors.map(parseRecursorAddress);
    this.#recursor =
      recursors.length === 0
        ? null
        : new Recursor({
            recursors,
            strategy: this.settings.recursorStrategy,
            timeoutMs: this.settings.recursorTimeoutMs,
            logger: this.#logger,
          });
    this.responder = new DnsResponder({
      catalog: opts.store,
      datacenter: opts.datacenter,
      nodeName: opts.nodeName,
      domain: opts.domain,
      altDomain: opts.altDomain,
      settings: this.settings,
      hasRecursors: recursors.length > 0,
      logger: this.#logger,
    });
  }

  /** A snapshot of the counters. */
  get stats(): Readonly<DnsServerStats> {
    let tcpBlocked = 0;
    for (const c of this.#connections.values()) if (c.blocked) tcpBlocked++;
    return { ...this.#stats, tcpBlocked };
  }

  /**
   * Starts UDP and TCP listeners on the same port. With port 0 the OS picks a UDP port and TCP binds the same one,
   * retrying with a new port when TCP cannot (up to {@link MAX_PORT_ATTEMPTS} times).
   */
  async listen(host: string, port: number): Promise<{ udpPort: number; tcpPort: number }> {
    if (this.#udp || this.#tcp) throw new Error('dns: already listening');
    if (this.#closing) throw new Error('dns: server is closed');
    const attempts = port === 0 ? MAX_PORT_ATTEMPTS : 1;
    let lastErr: unknown;
    for (let i = 0; i < attempts; i++) {
      const udp = await this.#bindUdp(host, port);
      const udpPort = udp.address().port;
      try {
        const tcp = await this.#bindTcp(host, udpPort);
        this.#udp = udp;
        this.#tcp = tcp;
        this.#logger.info({ address: host, port: udpPort }, 'DNS server listening on udp and tcp');
        return { udpPort, tcpPort: udpPort };
      } catch (err) {
        lastErr = err;
        await new Promise<void>((resolve) => {
          udp.close(() => {
            resolve();
          });
        });
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error('dns: could not bind');
  }

  #bindUdp(host: string, port: number): Promise<dgram.Socket> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({
        type: net.isIP(host) === 6 ? 'udp6' : 'udp4',
        lookup: literalLookup,
      });
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind(port, host, () => {
        socket.off('error', onError);
        socket.on('error', (err) => {
          this.#logger.warn({ err }, 'DNS UDP socket error');
        });
        socket.on('message', (msg, rinfo) => {
          this.#onDatagram(socket, msg, rinfo);
        });
        resolve(socket);
      });
    });
  }

  #bindTcp(host: string, port: number): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((conn) => {
        this.#onConnection(conn);
      });
      server.maxConnections = MAX_TCP_CONNECTIONS;
      server.on('drop', (data?: { remoteAddress?: string }) => {
        this.#refused(clientIpKey(data?.remoteAddress), 'the DNS TCP listener is at its connection cap');
      });
      const onError = (err: Error): void => {
        server.close();
        reject(err);
      };
      server.once('error', onError);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', onError);
        server.on('error', (err) => {
          this.#logger.warn({ err }, 'DNS TCP listener error');
        });
        resolve(server);
      });
    });
  }

  /** One callback for every UDP send (no closure per datagram). */
  readonly #afterUdpSend = (err: Error | null): void => {
    if (err) this.#logger.debug({ err }, 'DNS UDP send failed');
  };

  #onDatagram(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.#stats.received++;
    const outcome = this.#route(msg, 'udp');
    // The common case first, without a send closure: a reply now.
    if (outcome?.kind === 'reply') {
      this.#stats.replied++;
      socket.send(outcome.packet, rinfo.port, rinfo.address, this.#afterUdpSend);
      return;
    }
    this.#dispatch(outcome, 'udp', (reply) => {
      if (reply !== undefined) socket.send(reply, rinfo.port, rinfo.address, this.#afterUdpSend);
    });
  }

  /** Routes one message; null when the responder threw (a bug: counted and logged). Never throws. */
  #route(msg: Buffer, transport: Transport): DnsOutcome | null {
    try {
      return this.responder.route(msg, transport);
    } catch (err) {
      // route() is documented never to throw; count it so tests catch the bug, and keep serving.
      this.#stats.errors++;
      this.#logger.error({ err }, 'DNS handler threw');
      return null;
    }
  }

  /**
   * Routes one message and hands the reply (now, or after forwarding) to `send`, exactly once: `undefined` when there
   * is none (a dropped message, a handler bug). Never throws.
   */
  #handle(msg: Buffer, transport: Transport, send: (reply: Buffer | undefined) => void): void {
    this.#dispatch(this.#route(msg, transport), transport, send);
  }

  #dispatch(
    outcome: DnsOutcome | null,
    transport: Transport,
    send: (reply: Buffer | undefined) => void,
  ): void {
    if (outcome === null) {
      send(undefined);
      return;
    }
    switch (outcome.kind) {
      case 'drop':
        this.#stats.dropped++;
        send(undefined);
        return;
      case 'reply':
        this.#stats.replied++;
        send(outcome.packet);
        return;
      case 'forward':
        this.#forward(outcome.query, transport, send);
        return;
    }
  }

  #forward(query: DnsQuery, transport: Transport, send: (reply: Buffer | undefined) => void): void {
    const recursor = this.#recursor;
    if (!recursor || this.#inflight >= MAX_INFLIGHT_FORWARDS) {
      this.#stats.replied++;
      send(this.responder.serverFailure(query));
      return;
    }
    this.#inflight++;
    this.#stats.forwarded++;
    recursor
      .forward(query.raw, transport, this.#abort.signal)
      .then((reply) => {
        if (this.#abort.signal.aborted) return;
        this.#stats.replied++;
        send(reply ?? this.responder.serverFailure(query));
      })
      .catch((err: unknown) => {
        this.#stats.errors++;
        this.#logger.error({ err }, 'DNS forwarding threw');
        send(undefined);
      })
      .finally(() => {
        this.#inflight--;
      });
  }

  #onConnection(conn: net.Socket): void {
    if (this.#closing) {
      conn.destroy();
      return;
    }
    const client = clientIpKey(conn.remoteAddress);
    if (!this.#perClient.tryAcquire(client)) {
      conn.destroy();
      this.#refused(client, `the client has ${MAX_TCP_CONNECTIONS_PER_CLIENT} DNS TCP connections open`);
      return;
    }
    const served = new TcpDnsConnection(
      conn,
      (query, reply) => {
        this.#stats.received++;
        this.#handle(query, 'tcp', reply);
      },
      this.#tcpLimits,
    );
    this.#connections.set(conn, served);
    conn.on('error', (err) => {
      this.#logger.debug({ err }, 'DNS TCP connection error');
    });
    conn.on('close', () => {
      this.#connections.delete(conn);
      this.#perClient.release(client);
    });
  }

  /** Counts a refused TCP connection and logs it, at most once per interval. */
  #refused(client: string, why: string): void {
    this.#stats.tcpRefused++;
    const suppressed = this.#refusedLog.take();
    if (suppressed !== undefined) {
      this.#logger.warn({ client, suppressed }, `DNS TCP connection refused: ${why}`);
    }
  }

  /** Stops listening, closes TCP connections and aborts forwarded queries. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#abort.abort();
    const udp = this.#udp;
    const tcp = this.#tcp;
    this.#udp = null;
    this.#tcp = null;
    for (const conn of this.#connections.keys()) conn.destroy();
    this.#connections.clear();
    await Promise.all([
      udp
        ? new Promise<void>((resolve) => {
            udp.close(() => {
              resolve();
            });
          })
        : undefined,
      tcp
        ? new Promise<void>((resolve) => {
            tcp.close(() => {
              resolve();
            });
          })
        : undefined,
    ]);
    this.#logger.info('DNS server stopped');
  }
}

/**
 * The UDP socket's address lookup: replies go to the sender's address, always an IP literal, which this answers
 * at once instead of in a later tick (the default `dns.lookup` defers even literals); names go to `dns.lookup`.
 */
function literalLookup(
  hostname: string,
  options: dns.LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = net.isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  const opts: dns.LookupOneOptions = typeof options === 'number' ? { family: options } : options;
  dns.lookup(hostname, opts, callback);
}
