/**
 * A TCP bridge between two endpoints on loopback that can cut the path in the ways networks fail (etcd's
 * `bridge`): put it between a dialer and the server it dials, then `cut(kind)` and `heal()`.
 *
 * - `reset`: every connection is reset (RST) and new ones are reset as soon as they arrive (a restarting
 *   middlebox, a crashed host that came back without state).
 * - `blackhole`: nothing moves in either direction and nobody is told: bytes stay queued (in the bridge's
 *   paused sockets and the kernel), closes are not passed on, and new connections are accepted but not
 *   forwarded. On `heal()` queued bytes flow again, like TCP retransmitting after a route returns; a pair whose
 *   one side closed meanwhile is torn down (its peer learns it at last).
 * - `silence` (connect-then-silence): connections are accepted and whatever arrives is read and discarded;
 *   nothing is forwarded and nothing answered (a load balancer whose backend vanished). Bytes are lost, so on
 *   `heal()` those connections are reset; new ones work.
 *
 * - `freezeExisting()` (not a cut): the connections open now stall silently forever while new ones pass (a NAT or
 *   load-balancer entry lost on one path): a half-dead connection beside a working one.
 *
 * Only loopback sockets the bridge itself creates are touched. Bounded: at most `maxConnections` pairs (default
 * 256) are held; past that, new connections are reset.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export type CutKind = 'reset' | 'blackhole' | 'silence';

interface Pair {
  down: Socket;
  up: Socket | undefined;
  /** Either side closed (or errored). */
  closed: boolean;
  /** Forwarding is off and arriving bytes are discarded (silence). */
  discarding: boolean;
  /** Stalled for good (`freezeExisting`). */
  frozen: boolean;
}

export class TcpBridge {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<Pair>();
  readonly #max: number;
  #cut: CutKind | undefined;
  #port = 0;
  /** Connections accepted since start. */
  accepted = 0;

  private constructor(target: { host: string; port: number }, maxConnections: number) {
    this.#target = target;
    this.#max = maxConnections;
    this.#server = createServer({ pauseOnConnect: true }, (s) => {
      this.#onConnection(s);
    });
  }

  /** Listens on 127.0.0.1 (port from the OS) and forwards to `target`. */
  static async start(
    target: { host: string; port: number },
    opts: { maxConnections?: number } = {},
  ): Promise<TcpBridge> {
    const b = new TcpBridge(target, opts.maxConnections ?? 256);
    await new Promise<void>((resolve, reject) => {
      b.#server.once('error', reject);
      b.#server.listen(0, '127.0.0.1', () => {
        b.#server.off('error', reject);
        resolve();
      });
    });
    const addr = b.#server.address();
    b.#port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    return b;
  }

  get port(): number {
    return this.#port;
  }

  /** `127.0.0.1:<port>` */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  /** Open connection pairs. */
  get connections(): number {
    return this.#pairs.size;
  }

  get cutKind(): CutKind | undefined {
    return this.#cut;
  }

  cut(kind: CutKind): void {
    this.#cut = kind;
    for (const p of [...this.#pairs]) {
      if (kind === 'reset') this.#destroy(p, true);
      else if (kind === 'blackhole') this.#pause(p);
      else this.#discard(p);
    }
  }

  heal(): void {
    this.#cut = undefined;
    for (const p of [...this.#pairs]) {
      if (p.closed || p.discarding || p.frozen) this.#destroy(p, true);
      else this.#flow(p);
    }
  }

  /** Stalls every open connection silently (closes are not passed on either); new connections pass. */
  freezeExisting(): void {
    for (const p of this.#pairs) {
      p.frozen = true;
      this.#pause(p);
    }
  }

  async close(): Promise<void> {
    for (const p of [...this.#pairs]) this.#destroy(p, false);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onConnection(down: Socket): void {
    this.accepted += 1;
    if (this.#cut === 'reset' || this.#pairs.size >= this.#max) {
      down.on('error', () => undefined);
      down.resetAndDestroy();
      return;
    }
    const pair: Pair = { down, up: undefined, closed: false, discarding: false, frozen: false };
    this.#pairs.add(pair);
    this.#watch(pair, down);
    if (this.#cut === 'silence') {
      this.#discard(pair);
      return;
    }
    const up = createConnection({ host: this.#target.host, port: this.#target.port });
    up.pause();
    pair.up = up;
    this.#watch(pair, up);
    up.once('connect', () => {
      if (this.#cut === undefined && !pair.closed && !pair.frozen) this.#flow(pair);
    });
  }

  #watch(pair: Pair, s: Socket): void {
    s.on('error', () => undefined);
    s.once('close', () => {
      pair.closed = true;
      // While the path is cut, the other side must not learn of the close.
      if (this.#cut === undefined && !pair.frozen) this.#destroy(pair, false);
    });
  }

  /** Forwards both ways (pipe honours backpressure). */
  #flow(p: Pair): void {
    const up = p.up;
    if (!up || up.connecting) return;
    p.down.pipe(up);
    up.pipe(p.down);
    p.down.resume();
    up.resume();
  }

  #pause(p: Pair): void {
    if (p.up) {
      p.down.unpipe(p.up);
      p.up.unpipe(p.down);
      p.up.pause();
    }
    p.down.pause();
  }

  #discard(p: Pair): void {
    this.#pause(p);
    p.discarding = true;
    for (const s of [p.down, p.up]) {
      if (!s) continue;
      s.on('data', () => undefined);
      s.resume();
    }
  }

  #destroy(p: Pair, reset: boolean): void {
    this.#pairs.delete(p);
    for (const s of [p.down, p.up]) {
      if (!s || s.destroyed) continue;
      if (reset) s.resetAndDestroy();
      else s.destroy();
    }
  }
}
