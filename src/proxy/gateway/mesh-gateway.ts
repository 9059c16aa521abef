import net from 'node:net';
import { once } from 'node:events';
import type { Logger } from '../../logging/index.js';
import { pump } from '../pump.js';
import { peekClientHello, DEFAULT_CLIENT_HELLO_TIMEOUT_MS } from '../sni/peek.js';
import { DEFAULT_MAX_CLIENT_HELLO_BYTES } from '../sni/client-hello.js';
import { GatewayCounters, type GatewayCounterValues, type RefusalReason } from './counters.js';
import type { Endpoint, RoutingView } from './routing-view.js';
import { routeSni, type SniRoute } from './sni-route.js';

/** Default cap on connections open at once; one more is closed at accept (`over-capacity`). */
export const DEFAULT_MAX_CONNECTIONS = 10_000;
/** Default idle timeout of a forwarded connection (Envoy's tcp_proxy default: 1 hour). */
export const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;
/** Default deadline for dialling one endpoint (Consul's `connect_timeout_ms`). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** Endpoints tried per connection before it is refused. */
const MAX_DIAL_ATTEMPTS = 3;

export interface MeshGatewayOptions {
  readonly view: RoutingView;
  readonly logger: Logger;
  readonly maxConnections?: number;
  readonly idleTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly clientHelloTimeoutMs?: number;
  readonly maxClientHelloBytes?: number;
}

/**
 * Entente's mesh gateway data plane: accepts TCP, peeks the TLS ClientHello's SNI (never terminating TLS), routes
 * it (see {@link routeSni}) and pumps bytes to a chosen endpoint, replaying the peeked bytes first.
 *
 * - Peered SNI → the service's local sidecars, only when the service is exported to that peer.
 * - Local-datacenter SNI → the service's local sidecars.
 * - An SNI under a peer's trust domain (local mode) → that peer's mesh gateways listing the SNI in `PeerMeta`.
 *
 * Bounds: `maxConnections` open at once (more are closed at accept), each ClientHello bounded in bytes and time,
 * each forwarded connection's buffers bounded by the pump, idle connections closed after `idleTimeoutMs`. Every
 * refusal closes the connection and is counted by reason.
 */
export class MeshGateway {
  readonly #opts: MeshGatewayOptions;
  readonly #counters = new GatewayCounters();
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #abort = new AbortController();

  constructor(opts: MeshGatewayOptions) {
    this.#opts = opts;
    this.#server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => {
      this.#accept(s);
    });
  }

  /** Listens on `host:port` (port 0: the OS chooses); resolves with the bound address. */
  async listen(port: number, host: string): Promise<net.AddressInfo> {
    this.#server.listen(port, host);
    await once(this.#server, 'listening');
    return this.#server.address() as net.AddressInfo;
  }

  counters(): GatewayCounterValues {
    return this.#counters.snapshot();
  }

  /** Stops accepting and tears down every open connection. Idempotent. */
  async close(): Promise<void> {
    this.#abort.abort();
    for (const s of this.#sockets) s.destroy();
    if (!this.#server.listening) return;
    await new Promise<void>((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  #accept(socket: net.Socket): void {
    const c = this.#counters;
    c.connectionsAccepted += 1;
    socket.on('error', () => undefined);
    if (this.#sockets.size >= (this.#opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) {
      this.#refuse(socket, 'over-capacity', undefined);
      return;
    }
    this.#sockets.add(socket);
    c.connectionsActive += 1;
    socket.once('close', () => {
      this.#sockets.delete(socket);
      c.connectionsActive -= 1;
    });
    void this.#handle(socket);
  }

  async #handle(socket: net.Socket): Promise<void> {
    socket.resume();
    const hello = await peekClientHello(socket, {
      maxBytes: this.#opts.maxClientHelloBytes ?? DEFAULT_MAX_CLIENT_HELLO_BYTES,
      timeoutMs: this.#opts.clientHelloTimeoutMs ?? DEFAULT_CLIENT_HELLO_TIMEOUT_MS,
    });
    if (hello.kind === 'refused' && hello.reason === 'closed') {
      // The client left before finishing a ClientHello (a TCP health check does so): nothing to refuse or count.
      socket.destroy();
      return;
    }
    if (hello.kind === 'refused') {
      this.#refuse(socket, 'bad-client-hello', undefined, hello.reason);
      return;
    }
    const sni = hello.serverName;
    const route = routeSni(sni, this.#opts.view.context());
    const target = this.#target(route);
    if (typeof target === 'string') {
      this.#refuse(socket, target, sni);
      return;
    }
    const connectTimeoutMs = this.#opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const lookup = await this.#opts.view.endpoints(target.service, target.peer, sni ?? '', connectTimeoutMs);
    if (lookup.kind === 'watch-limit') {
      this.#refuse(socket, 'watch-limit', sni);
      return;
    }
    if (lookup.kind === 'no-data' || lookup.endpoints.length === 0) {
      this.#refuse(socket, 'no-endpoints', sni);
      return;
    }
    const upstream = await dialOne(lookup.endpoints, connectTimeoutMs, this.#abort.signal);
    if (upstream === undefined || socket.destroyed) {
      upstream?.destroy();
      this.#refuse(socket, 'upstream-connect-failed', sni);
      return;
    }
    this.#counters.connectionsForwarded += 1;
    this.#opts.logger.debug(
      { sni, route: route.kind, upstream: `${upstream.remoteAddress}:${upstream.remotePort}` },
      'gateway forwarding',
    );
    upstream.write(hello.peeked);
    this.#counters.bytes.up += hello.peeked.length;
    const result = await pump(socket, upstream, {
      idleTimeoutMs: this.#opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      signal: this.#abort.signal,
      counters: [this.#counters.bytes],
    });
    if (result.end === 'idle-timeout') this.#counters.idleTimeouts += 1;
  }

  /** Which service (and peer, for local mode) a route dials, or why the connection is refused. */
  #target(route: SniRoute): { service: string; peer: string | undefined } | RefusalReason {
    switch (route.kind) {
      case 'unroutable':
        return route.reason;
      case 'exported':
        return this.#opts.view.isExported(route.service, route.peer)
          ? { service: route.service, peer: undefined }
          : 'not-exported';
      case 'local':
        return { service: route.service, peer: undefined };
      case 'to-peer':
        return { service: route.service, peer: route.peer };
    }
  }

  #refuse(socket: net.Socket, reason: RefusalReason, sni: string | undefined, detail?: string): void {
    const total = this.#counters.refuse(reason);
    this.#opts.logger.info({ reason, detail, sni, refused_total: total }, 'gateway refused connection');
    socket.destroy();
  }
}

/** Dials up to {@link MAX_DIAL_ATTEMPTS} endpoints in random order; the first to connect wins. */
async function dialOne(
  endpoints: readonly Endpoint[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<net.Socket | undefined> {
  const order = [...endpoints].sort(() => Math.random() - 0.5).slice(0, MAX_DIAL_ATTEMPTS);
  for (const e of order) {
    if (signal.aborted) return undefined;
    const socket = await dial(e, timeoutMs);
    if (socket !== undefined) return socket;
  }
  return undefined;
}

function dial(e: Endpoint, timeoutMs: number): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: e.host, port: e.port, allowHalfOpen: true });
    const fail = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(undefined);
    };
    const timer = setTimeout(fail, timeoutMs);
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}
