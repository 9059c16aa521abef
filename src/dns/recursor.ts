import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../logging/index.js';
import type { RecursorStrategy } from './dns-config.js';
import { shuffle } from './lookup.js';
import { HEADER_BYTES, RCODE } from './parser.js';
import type { Transport } from './serializer.js';

/** Port used when a recursor address names none. */
export const DEFAULT_RECURSOR_PORT = 53;
/** Largest UDP reply accepted from a recursor. */
const MAX_UDP_REPLY_BYTES = 65_535;

/** A recursor as host and port. */
export interface RecursorAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses a `recursors` entry like Consul's `recursorAddr`: `1.2.3.4`, `1.2.3.4:5353`, `[::1]:53`, bare `::1`, or
 * `host:port`; port 53 when missing.
 *
 * @throws Error for an empty entry or a bad port.
 */
export function parseRecursorAddress(text: string): RecursorAddress {
  const s = text.trim();
  if (s === '') throw new Error('recursor address is empty');
  if (net.isIP(s) !== 0) return { host: s, port: DEFAULT_RECURSOR_PORT };
  let host = s;
  let portText = '';
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracket) {
    host = bracket[1] ?? '';
    portText = bracket[2] ?? '';
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0) {
      if (s.indexOf(':') !== colon) throw new Error(`invalid recursor address ${JSON.stringify(text)}`);
      host = s.slice(0, colon);
      portText = s.slice(colon + 1);
    }
  }
  if (host === '') throw new Error(`invalid recursor address ${JSON.stringify(text)}`);
  if (portText === '') return { host, port: DEFAULT_RECURSOR_PORT };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535) {
    throw new Error(`invalid recursor port in ${JSON.stringify(text)}`);
  }
  return { host, port };
}

/** Inputs of {@link Recursor}. */
export interface RecursorOptions {
  readonly recursors: readonly RecursorAddress[];
  readonly strategy: RecursorStrategy;
  /** Per-recursor timeout (`dns_config.recursor_timeout`, default 2 s). */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly random?: () => number;
}

/**
 * Forwards queries for names outside our domains (Consul's `handleRecurse`): recursors are tried in order
 * (`sequential`) or in a fresh random order (`random`), over the client's transport; the first reply whose rcode is
 * NOERROR or NXDOMAIN is returned as is. Errors, timeouts and other rcodes move on to the next recursor.
 */
export class Recursor {
  readonly #o: RecursorOptions;

  constructor(opts: RecursorOptions) {
    this.#o = opts;
  }

  /**
   * Resolves `raw` through the recursors. `null` when every one failed (the caller answers SERVFAIL).
   * Never rejects.
   */
  async forward(raw: Buffer, transport: Transport, signal?: AbortSignal): Promise<Buffer | null> {
    const order = this.#o.recursors.map((_, i) => i);
    if (this.#o.strategy === 'random') shuffle(order, this.#o.random);
    const id = raw.readUInt16BE(0);
    for (const idx of order) {
      const target = this.#o.recursors[idx];
      if (!target || signal?.aborted === true) break;
      try {
        const reply =
          transport === 'udp'
            ? await exchangeUdp(raw, target, this.#o.timeoutMs, signal)
            : await exchangeTcp(raw, target, this.#o.timeoutMs, signal);
        if (
          reply.length < HEADER_BYTES ||
          reply.readUInt16BE(0) !== id ||
          (reply.readUInt16BE(2) & 0x8000) === 0
        ) {
          this.#o.logger.debug({ recursor: `${target.host}:${target.port}` }, 'recursor sent a bad reply');
          continue;
        }
        const rcode = reply.readUInt16BE(2) & 0xf;
        if (rcode !== RCODE.NOERROR && rcode !== RCODE.NXDOMAIN) {
          this.#o.logger.debug(
            { recursor: `${target.host}:${target.port}`, rcode },
            'recurse failed for question',
          );
          continue;
        }
        return reply;
      } catch (err) {
        this.#o.logger.warn({ err, recursor: `${target.host}:${target.port}` }, 'recurse failed');
      }
    }
    return null;
  }
}

function abortError(): Error {
  return new Error('aborted');
}

/** How an exchange's promise settles, and what may cut it short. */
interface Settlement {
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (reply: Buffer) => void;
  readonly reject: (err: Error) => void;
}

/**
 * The settle-once bookkeeping shared by the UDP and TCP exchanges: returns `finish(err, reply?)`, which the first
 * of a reply, a socket error, the timeout or `signal`'s abort calls; later calls are ignored. `release` closes the
 * socket. NOTE: an already-aborted signal fires no event, so callers check `signal.aborted` first (`forward` does).
 */
function settleOnce(
  { timeoutMs, signal, resolve, reject }: Settlement,
  release: () => void,
): (err: Error | null, reply?: Buffer) => void {
  let done = false;
  const finish = (err: Error | null, reply?: Buffer): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    release();
    if (err) reject(err);
    else resolve(reply ?? Buffer.alloc(0));
  };
  const onAbort = (): void => {
    finish(abortError());
  };
  const timer = setTimeout(() => {
    finish(new Error(`timeout after ${timeoutMs} ms`));
  }, timeoutMs);
  timer.unref();
  signal?.addEventListener('abort', onAbort, { once: true });
  return finish;
}

/** One UDP exchange on a connected socket; rejects on timeout, abort or socket error. */
export function exchangeUdp(
  raw: Buffer,
  target: RecursorAddress,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const socket = dgram.createSocket(net.isIP(target.host) === 6 ? 'udp6' : 'udp4');
    const finish = settleOnce({ timeoutMs, signal, resolve, reject }, () => {
      socket.close();
    });
    socket.on('error', (err) => {
      finish(err);
    });
    socket.on('message', (msg) => {
      // Replies with another ID are stray (or spoofed): keep waiting for ours until the timeout.
      if (
        msg.length >= 2 &&
        msg.length <= MAX_UDP_REPLY_BYTES &&
        msg.readUInt16BE(0) === raw.readUInt16BE(0)
      ) {
        finish(null, msg);
      }
    });
    socket.connect(target.port, target.host, () => {
      socket.send(raw, (err) => {
        if (err) finish(err);
      });
    });
  });
}

/** One TCP exchange (2-byte length prefix, RFC 1035 §4.2.2); rejects on timeout, abort or socket error. */
export function exchangeTcp(
  raw: Buffer,
  target: RecursorAddress,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let buffered = Buffer.alloc(0);
    const finish = settleOnce({ timeoutMs, signal, resolve, reject }, () => {
      socket.destroy();
    });
    socket.on('error', (err) => {
      finish(err);
    });
    socket.on('close', () => {
      finish(new Error('connection closed before a reply'));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length >= 2 + len) finish(null, buffered.subarray(2, 2 + len));
      }
    });
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(raw.length, 0);
      socket.write(Buffer.concat([prefix, raw]));
    });
  });
}
