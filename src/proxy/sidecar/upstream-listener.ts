/**
 * An upstream listener: plain TCP on `LocalBindAddress:LocalBindPort` for the local application; each
 * connection is carried over mutual TLS to one endpoint of the upstream (see {@link dialUpstream}).
 *
 * Bounds: at most `maxConnections` open (overflow: closed at once, counted `rejected_over_cap`, see
 * {@link ConnectionCap}); a connection idle `idleTimeoutMs` is closed (`idle_timeouts`); a dial gives up after
 * `connectTimeoutMs` per endpoint (`upstream_connect_errors`). Bytes read from the application are not buffered
 * beyond the socket's own buffers while the dial runs (the socket is paused).
 */
import { createServer, type Server, type Socket } from 'node:net';

import type { Logger } from '../../logging/index.js';
import type { UpstreamConfig } from './config.js';
import { ConnectionCap } from './connection-cap.js';
import { boundPort, listenOn } from './listen.js';
import type { ProxyCounters } from './counters.js';
import { pump } from '../pump.js';
import type { TlsMaterial } from './tls-material.js';
import { dialUpstream } from './upstream-dialer.js';
import type { UpstreamRoute } from './upstream-route.js';

export class UpstreamListener {
  readonly config: UpstreamConfig;
  readonly #route: UpstreamRoute;
  readonly #material: TlsMaterial;
  readonly #counters: ProxyCounters;
  readonly #logger: Logger;
  readonly #cap: ConnectionCap;
  readonly #server: Server;
  readonly #open = new Set<Socket>();

  constructor(
    config: UpstreamConfig,
    route: UpstreamRoute,
    material: TlsMaterial,
    counters: ProxyCounters,
    logger: Logger,
  ) {
    this.config = config;
    this.#route = route;
    this.#material = material;
    this.#counters = counters;
    this.#logger = logger.child({ listener: `upstream ${config.destinationName}`, bind: config.key });
    this.#cap = new ConnectionCap(config.maxConnections);
    this.#server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => {
      void this.#handle(s);
    });
  }

  /** The bound port (useful when 0 was asked). */
  get port(): number {
    return boundPort(this.#server);
  }

  async listen(): Promise<void> {
    await listenOn(this.#server, this.config.bindPort, this.config.bindAddress);
    this.#logger.info(
      {
        port: this.port,
        ...(this.config.destinationPeer === ''
          ? {}
          : { peer: this.config.destinationPeer, mesh_gateway_mode: this.config.meshGatewayMode }),
      },
      'upstream listener started',
    );
  }

  /** Stops accepting; with `drop`, also closes open connections. */
  close(drop = false): Promise<void> {
    if (drop) for (const s of this.#open) s.destroy();
    return new Promise((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  async #handle(app: Socket): Promise<void> {
    if (!this.#cap.tryAcquire()) {
      this.#counters.add('rejected_over_cap');
      app.destroy();
      return;
    }
    this.#open.add(app);
    this.#counters.add('upstream_connections');
    this.#counters.add('active_connections');
    app.on('error', () => undefined);
    try {
      const target = this.#route.target;
      const context =
        target === undefined || target.peer === ''
          ? this.#material.localClientContext()
          : this.#material.peerClientContext(target.peer);
      let remote;
      try {
        remote = await dialUpstream(target, this.#route.picker, context, this.config.connectTimeoutMs);
      } catch (err) {
        this.#counters.add('upstream_connect_errors');
        this.#logger.warn(
          { error: err instanceof Error ? err.message : String(err) },
          'upstream dial failed',
        );
        app.destroy();
        return;
      }
      this.#logger.debug(
        { remote: `${remote.remoteAddress ?? ''}:${remote.remotePort ?? 0}` },
        'upstream connected',
      );
      const tally = { up: 0, down: 0 };
      const result = await pump(app, remote, {
        idleTimeoutMs: this.config.idleTimeoutMs,
        counters: [tally],
      });
      this.#counters.add('bytes_in', tally.up);
      this.#counters.add('bytes_out', tally.down);
      if (result.end === 'idle-timeout') this.#counters.add('idle_timeouts');
    } finally {
      this.#open.delete(app);
      this.#cap.release();
      this.#counters.add('active_connections', -1);
    }
  }
}
