/**
 * The public listener: mutual TLS with the service's leaf, a client certificate required and verified against
 * the local roots plus the bundles of the peers the service is exported to ({@link TlsMaterial}); then the
 * caller's identity is pinned to its own trust domain ({@link verifyCaller}) and authorized:
 *
 * - `tcp`: once per connection through `POST /v1/agent/connect/authorize` (as Consul's built-in proxy does); a
 *   denied connection is closed (`intention_denials`), an allowed one piped to `LocalServiceAddress:Port`;
 * - `http`: per request, by the {@link L7Gateway} (403 on deny).
 *
 * Hot swap: a certificate or trust change calls `server.setSecureContext()`: new handshakes use it, established
 * connections keep theirs. Bounds: `maxConnections` open, counted from accept (overflow: closed at once,
 * `rejected_over_cap`); `handshakeTimeoutMs` to finish the handshake (`handshake_failures`); `idleTimeoutMs`
 * without a byte (`idle_timeouts`); `localConnectTimeoutMs` to reach the application (`local_connect_errors`).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';

import type { Logger } from '../../logging/index.js';
import { verifyCaller, type VerifiedCaller } from './caller-identity.js';
import type { ProxyProtocol, PublicListenerConfig } from './config.js';
import { ConnectionCap } from './connection-cap.js';
import { boundPort, listenOn } from './listen.js';
import type { ProxyCounters } from './counters.js';
import type { L7Gateway } from './l7-gateway.js';
import { pump } from '../pump.js';
import type { TlsMaterial } from './tls-material.js';

/** The L4 decision for one connection (the agent's authorize endpoint in production). */
export type ConnectionAuthorizer = (caller: VerifiedCaller) => Promise<{ allowed: boolean; reason: string }>;

export interface PublicListenerDeps {
  readonly material: TlsMaterial;
  readonly counters: ProxyCounters;
  readonly logger: Logger;
  readonly authorize: ConnectionAuthorizer;
  readonly l7: L7Gateway;
}

/** Connects to the local application, failing after `timeoutMs`. */
export function dialLocal(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host, port, allowHalfOpen: true });
    const timer = setTimeout(
      () => s.destroy(new Error(`connect timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    s.once('connect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
  });
}

export class PublicListener {
  config: PublicListenerConfig;
  protocol: ProxyProtocol;
  readonly #d: PublicListenerDeps;
  readonly #server: Server;
  readonly #cap: ConnectionCap;
  readonly #open = new Set<Socket>();
  readonly #unsubscribe: () => void;

  constructor(config: PublicListenerConfig, protocol: ProxyProtocol, deps: PublicListenerDeps) {
    const options = deps.material.serverOptions();
    if (options === undefined) throw new Error('public listener needs a leaf certificate and roots');
    this.config = config;
    this.protocol = protocol;
    this.#d = deps;
    this.#cap = new ConnectionCap(config.maxConnections);
    this.#server = createServer({
      ...options,
      requestCert: true,
      rejectUnauthorized: true,
      // Not half-open until the handshake is done: with allowHalfOpen a client that sends FIN before its
      // ClientHello (the agent's "listening" TCP check connects and closes) would hold its connection until the
      // handshake timeout. Half-close is switched on per connection once it is secure (see #onSecure).
      allowHalfOpen: false,
      handshakeTimeout: config.handshakeTimeoutMs,
      // Consul's built-in proxy offers no ALPN on its public listener (`ServerNextProtos: []`).
      ALPNProtocols: [],
    });
    this.#server.on('connection', (raw: Socket) => {
      this.#onAccept(raw);
    });
    this.#server.on('tlsClientError', (err: Error & { code?: string }, socket) => {
      // A client that connects and leaves (or idles) without finishing a handshake, such as the agent's TCP
      // "listening" check, is counted apart from handshakes that failed (bad, untrusted or missing certificates).
      if (err.code === 'ERR_TLS_HANDSHAKE_TIMEOUT' || err.message === 'TLS handshake timeout')
        this.#d.counters.add('handshake_timeouts');
      else if (err.code !== 'ECONNRESET') this.#d.counters.add('handshake_failures');
      this.#d.logger.debug({ error: err.message, remote: socket.remoteAddress }, 'inbound handshake failed');
    });
    this.#server.on('secureConnection', (s: TLSSocket) => {
      void this.#onSecure(s);
    });
    this.#unsubscribe = deps.material.onChange(() => {
      const next = deps.material.serverOptions();
      if (next !== undefined) this.#server.setSecureContext(next);
    });
  }

  get port(): number {
    return boundPort(this.#server);
  }

  async listen(): Promise<void> {
    await listenOn(this.#server, this.config.bindPort, this.config.bindAddress);
    this.#d.logger.info({ port: this.port, protocol: this.protocol }, 'public listener started');
  }

  close(drop = false): Promise<void> {
    this.#unsubscribe();
    if (drop) for (const s of this.#open) s.destroy();
    return new Promise((resolve) =>
      this.#server.close(() => {
        resolve();
      }),
    );
  }

  #onAccept(raw: Socket): void {
    if (!this.#cap.tryAcquire()) {
      this.#d.counters.add('rejected_over_cap');
      raw.destroy();
      return;
    }
    this.#open.add(raw);
    this.#d.counters.add('active_connections');
    raw.on('error', () => undefined);
    raw.once('close', () => {
      this.#open.delete(raw);
      this.#cap.release();
      this.#d.counters.add('active_connections', -1);
    });
  }

  async #onSecure(s: TLSSocket): Promise<void> {
    const { counters, logger } = this.#d;
    s.allowHalfOpen = true;
    s.on('error', () => undefined);
    const caller = verifyCaller(s.getPeerCertificate(true), this.#d.material);
    if (typeof caller === 'string') {
      counters.add('handshake_failures');
      logger.debug({ reason: caller }, 'inbound caller refused');
      s.destroy();
      return;
    }
    counters.add('inbound_connections');
    if (this.protocol === 'http') {
      this.#d.l7.serve(s, caller);
      return;
    }
    let decision: { allowed: boolean; reason: string };
    try {
      decision = await this.#d.authorize(caller);
    } catch (err) {
      decision = {
        allowed: false,
        reason: `authorize failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
    if (!decision.allowed) {
      counters.add('intention_denials');
      logger.debug({ caller: caller.uri, reason: decision.reason }, 'connection denied by intentions');
      s.destroy();
      return;
    }
    await this.#pipeToLocal(s);
  }

  async #pipeToLocal(s: TLSSocket): Promise<void> {
    const { counters, logger } = this.#d;
    let local: Socket;
    try {
      local = await dialLocal(
        this.config.localServiceAddress,
        this.config.localServicePort,
        this.config.localConnectTimeoutMs,
      );
    } catch (err) {
      counters.add('local_connect_errors');
      logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'local service dial failed');
      s.destroy();
      return;
    }
    const tally = { up: 0, down: 0 };
    const result = await pump(s, local, { idleTimeoutMs: this.config.idleTimeoutMs, counters: [tally] });
    counters.add('bytes_in', tally.up);
    counters.add('bytes_out', tally.down);
    if (result.end === 'idle-timeout') counters.add('idle_timeouts');
  }
}
