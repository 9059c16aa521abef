import type { Socket } from 'node:net';
import {
  DEFAULT_MAX_CLIENT_HELLO_BYTES,
  MAX_CLIENT_HELLO_BYTES,
  parseClientHello,
  type ClientHelloRefusal,
} from './client-hello.js';

/** Default deadline for a client to send its whole ClientHello. */
export const DEFAULT_CLIENT_HELLO_TIMEOUT_MS = 5_000;

export interface PeekOptions {
  /** Refuse once more than this many bytes arrived without a complete ClientHello (default 16 KiB, max 64 KiB). */
  readonly maxBytes?: number;
  /** Refuse when the ClientHello is not complete within this long (default 5 s). */
  readonly timeoutMs?: number;
}

export type PeekRefusal = ClientHelloRefusal | 'timeout' | 'closed';

export type PeekResult =
  /**
   * The SNI (lower-cased; undefined when the client sent none) and every byte read so far, to be written to the
   * upstream first. The socket is left paused, with nothing buffered inside it that is not in `peeked`.
   */
  | { readonly kind: 'ok'; readonly serverName: string | undefined; readonly peeked: Buffer }
  | { readonly kind: 'refused'; readonly reason: PeekRefusal };

/**
 * Reads from `socket` just until its TLS ClientHello is complete and answers the SNI, without terminating TLS.
 * Bounded: never holds more than `maxBytes` plus one socket read (64 KiB), never waits longer than `timeoutMs`.
 * Never rejects; on refusal the caller closes the socket (the peeker leaves that to it).
 */
export function peekClientHello(socket: Socket, options: PeekOptions = {}): Promise<PeekResult> {
  const maxBytes = Math.min(options.maxBytes ?? DEFAULT_MAX_CLIENT_HELLO_BYTES, MAX_CLIENT_HELLO_BYTES);
  const timeoutMs = options.timeoutMs ?? DEFAULT_CLIENT_HELLO_TIMEOUT_MS;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (result: PeekResult): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClosed);
      socket.off('close', onClosed);
      socket.off('error', onClosed);
      socket.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      const data = chunks.length === 1 ? chunk : Buffer.concat(chunks, length);
      if (chunks.length > 1) chunks.splice(0, chunks.length, data);
      const parsed = parseClientHello(data, maxBytes);
      if (parsed.kind === 'ok') finish({ kind: 'ok', serverName: parsed.serverName, peeked: data });
      else if (parsed.kind === 'refused') finish(parsed);
      else if (length > maxBytes) finish({ kind: 'refused', reason: 'too-large' });
    };
    const onClosed = (): void => {
      finish({ kind: 'refused', reason: 'closed' });
    };
    const timer = setTimeout(() => {
      finish({ kind: 'refused', reason: 'timeout' });
    }, timeoutMs);
    timer.unref();
    socket.on('data', onData);
    socket.once('end', onClosed);
    socket.once('close', onClosed);
    socket.once('error', onClosed);
  });
}
