/**
 * One DNS-over-TCP connection: RFC 7766 framing (a 2-byte length before each message) with every resource a client
 * can grow bounded.
 *
 * - **Backpressure**: when `socket.write()` reports a full buffer, reading stops (`pause()`) until `'drain'`, so a
 *   client that pipelines queries and never reads its answers cannot make the server buffer them.
 * - **Pipelining**: at most `maxPending` queries are being answered at once (forwarded queries take a while);
 *   reading stops at the bound and resumes as answers go out.
 * - **Work per connection**: after `maxQueries` queries the connection is ended once they are answered.
 * - **Idle**: a connection with no traffic in either direction for `idleTimeoutMs` is destroyed (a client that
 *   stops reading stalls our writes, so it is cut too).
 *
 * Memory per connection is therefore at most one read chunk plus a partial frame (≤ 64 KiB + 2 B) on the input
 * side, and the socket's high-water mark plus `maxPending` answers (each ≤ 64 KiB) on the output side.
 *
 * @module
 */
import type { Socket } from 'node:net';

/** The bounds of one connection. */
export interface TcpConnectionLimits {
  /** Inactivity (no bytes read or written) after which the connection is destroyed (ms). */
  readonly idleTimeoutMs: number;
  /** Queries answered on one connection before it is ended. */
  readonly maxQueries: number;
  /** Queries read but not yet answered, at most. */
  readonly maxPending: number;
}

/**
 * Answers one query. `reply` must be called exactly once: with the answer, or with `undefined` when there is none
 * (a dropped message); it may be called synchronously or later.
 */
export type TcpQueryHandler = (query: Buffer, reply: (answer: Buffer | undefined) => void) => void;

const MAX_DNS_MESSAGE_BYTES = 0xffff;

/** Serves DNS queries on an accepted socket until it closes. */
export class TcpDnsConnection {
  readonly #socket: Socket;
  readonly #handle: TcpQueryHandler;
  readonly #limits: TcpConnectionLimits;
  #buffered: Buffer = Buffer.alloc(0);
  /** Queries taken off the wire so far. */
  #taken = 0;
  /** Queries taken whose answer is not written yet. */
  #pending = 0;
  /** The socket's write buffer is over its high-water mark: wait for 'drain'. */
  #blocked = false;
  /** Inside #pump: synchronous answers must not re-enter it. */
  #pumping = false;

  constructor(socket: Socket, handle: TcpQueryHandler, limits: TcpConnectionLimits) {
    this.#socket = socket;
    this.#handle = handle;
    this.#limits = limits;
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
      this.#pump();
    });
    socket.on('drain', () => {
      this.#blocked = false;
      this.#pump();
    });
  }

  /** True while reading is stopped because the client is not reading its answers. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** Hands complete frames to the handler while the bounds allow, then starts or stops reading accordingly. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (
        !this.#blocked &&
        this.#pending < this.#limits.maxPending &&
        this.#taken < this.#limits.maxQueries
      ) {
        const query = this.#nextFrame();
        if (query === undefined) break;
        this.#taken++;
        this.#pending++;
        this.#handle(query, this.#replier());
      }
    } finally {
      this.#pumping = false;
    }
    this.#flowControl();
  }

  /** The next complete message in the input, if any (copied, so the input buffer is not pinned). */
  #nextFrame(): Buffer | undefined {
    const buf = this.#buffered;
    if (buf.length < 2) return undefined;
    const len = buf.readUInt16BE(0);
    if (buf.length < 2 + len) return undefined;
    const frame = Buffer.from(buf.subarray(2, 2 + len));
    this.#buffered = buf.subarray(2 + len);
    return frame;
  }

  #replier(): (answer: Buffer | undefined) => void {
    let done = false;
    return (answer) => {
      if (done) return;
      done = true;
      this.#pending--;
      if (answer !== undefined) this.#write(answer);
      this.#pump();
    };
  }

  #write(answer: Buffer): void {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable || answer.length > MAX_DNS_MESSAGE_BYTES) return;
    const prefix = Buffer.allocUnsafe(2);
    prefix.writeUInt16BE(answer.length, 0);
    if (!socket.write(Buffer.concat([prefix, answer]))) this.#blocked = true;
  }

  #flowControl(): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    if (this.#taken >= this.#limits.maxQueries) {
      // Read nothing more; end once the last answers are written.
      socket.pause();
      if (this.#pending === 0 && socket.writable) socket.end();
      return;
    }
    const wait = this.#blocked || this.#pending >= this.#limits.maxPending;
    if (wait) socket.pause();
    else if (socket.isPaused()) socket.resume();
  }
}
