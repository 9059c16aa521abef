/**
 * A pure parser for the start of a TLS connection: the handshake records that carry the ClientHello (RFC 8446 §4.1.2,
 * RFC 5246 §7.4.1.2), far enough to read the `server_name` extension (RFC 6066 §3). It never throws, never copies
 * more than the bytes it is given and refuses, as soon as the header says so, a ClientHello longer than `maxBytes`.
 */

/** Default cap on the bytes read before the ClientHello is complete (records and headers included). */
export const DEFAULT_MAX_CLIENT_HELLO_BYTES = 16 * 1024;
/** Largest cap a caller may set (Envoy's TLS inspector allows 64 KiB too). */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

const RECORD_HEADER_BYTES = 5;
const HANDSHAKE_HEADER_BYTES = 4;
const CONTENT_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const EXTENSION_SERVER_NAME = 0;
const NAME_TYPE_HOST = 0;
/** A TLSPlaintext fragment is at most 2^14 bytes (RFC 8446 §5.1). */
const MAX_RECORD_FRAGMENT = 16 * 1024;
const MAX_HOST_NAME = 253;

/** Why a byte stream is not a ClientHello this gateway accepts. */
export type ClientHelloRefusal =
  'not-tls' | 'bad-record' | 'not-client-hello' | 'too-large' | 'malformed' | 'bad-server-name';

export type ClientHelloParse =
  /** More bytes are needed; nothing is wrong yet. */
  | { readonly kind: 'incomplete' }
  /** A complete ClientHello; `serverName` is lower-cased, absent when the client sent no SNI. */
  | { readonly kind: 'ok'; readonly serverName: string | undefined; readonly consumed: number }
  | { readonly kind: 'refused'; readonly reason: ClientHelloRefusal };

const INCOMPLETE: ClientHelloParse = { kind: 'incomplete' };

function refuse(reason: ClientHelloRefusal): ClientHelloParse {
  return { kind: 'refused', reason };
}

/**
 * Parses the ClientHello at the start of `data` (everything the client sent so far). The handshake message may be
 * split across several records and the records across any number of reads; callers append and call again while the
 * answer is `incomplete`.
 */
export function parseClientHello(
  data: Uint8Array,
  maxBytes: number = DEFAULT_MAX_CLIENT_HELLO_BYTES,
): ClientHelloParse {
  const gathered = gatherHandshake(data, maxBytes);
  if (gathered.kind !== 'message') return gathered.result;
  const serverName = readServerName(gathered.body);
  if (serverName === null) return refuse('malformed');
  if (serverName === false) return refuse('bad-server-name');
  return { kind: 'ok', serverName, consumed: gathered.consumed };
}

type Gathered =
  | { readonly kind: 'message'; readonly body: Uint8Array; readonly consumed: number }
  | { readonly kind: 'stop'; readonly result: ClientHelloParse };

/** Joins the fragments of the first handshake message across records, checking every header against the caps. */
function gatherHandshake(data: Uint8Array, maxBytes: number): Gathered {
  const fragments: Uint8Array[] = [];
  let fragmentBytes = 0;
  let messageBytes = -1;
  let offset = 0;
  for (;;) {
    if (data.length === 0) return { kind: 'stop', result: INCOMPLETE };
    if (data[0] !== CONTENT_HANDSHAKE) return { kind: 'stop', result: refuse('not-tls') };
    if (data.length - offset < RECORD_HEADER_BYTES) {
      return { kind: 'stop', result: checkPartialHeader(data, offset) };
    }
    const type = data[offset] ?? 0;
    const major = data[offset + 1] ?? 0;
    const length = ((data[offset + 3] ?? 0) << 8) | (data[offset + 4] ?? 0);
    if (type !== CONTENT_HANDSHAKE) return { kind: 'stop', result: refuse('bad-record') };
    if (major !== 3 || length === 0 || length > MAX_RECORD_FRAGMENT) {
      return { kind: 'stop', result: refuse('bad-record') };
    }
    if (offset + RECORD_HEADER_BYTES + length > maxBytes)
      return { kind: 'stop', result: refuse('too-large') };
    const end = offset + RECORD_HEADER_BYTES + length;
    fragments.push(data.subarray(offset + RECORD_HEADER_BYTES, Math.min(end, data.length)));
    fragmentBytes += Math.min(end, data.length) - offset - RECORD_HEADER_BYTES;
    if (messageBytes < 0 && fragmentBytes >= HANDSHAKE_HEADER_BYTES) {
      const head = joinPrefix(fragments, HANDSHAKE_HEADER_BYTES);
      if (head[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: 'stop', result: refuse('not-client-hello') };
      messageBytes =
        HANDSHAKE_HEADER_BYTES + (((head[1] ?? 0) << 16) | ((head[2] ?? 0) << 8) | (head[3] ?? 0));
      if (messageBytes > maxBytes) return { kind: 'stop', result: refuse('too-large') };
    }
    if (messageBytes >= 0 && fragmentBytes >= messageBytes) {
      const whole = joinPrefix(fragments, messageBytes);
      return {
        kind: 'message',
        body: whole.subarray(HANDSHAKE_HEADER_BYTES),
        consumed: Math.min(end, data.length),
      };
    }
    if (end >= data.length) return { kind: 'stop', result: INCOMPLETE };
    offset = end;
  }
}

/** A record header cut short: refuse early what can already be seen to be wrong. */
function checkPartialHeader(data: Uint8Array, offset: number): ClientHelloParse {
  if (offset < data.length && data[offset] !== CONTENT_HANDSHAKE) return refuse('bad-record');
  if (offset + 1 < data.length && data[offset + 1] !== 3) return refuse('bad-record');
  return INCOMPLETE;
}

/** The first `n` bytes of the concatenated fragments (the caller made sure there are that many). */
function joinPrefix(fragments: readonly Uint8Array[], n: number): Uint8Array {
  const first = fragments[0];
  if (first !== undefined && first.length >= n) return first.subarray(0, n);
  const out = new Uint8Array(n);
  let at = 0;
  for (const f of fragments) {
    if (at >= n) break;
    const take = Math.min(f.length, n - at);
    out.set(f.subarray(0, take), at);
    at += take;
  }
  return out;
}

/** A bounds-checked cursor over a ClientHello body. Reads past the end yield -1. */
class Reader {
  #at = 0;
  constructor(private readonly buf: Uint8Array) {}
  get remaining(): number {
    return this.buf.length - this.#at;
  }
  u8(): number {
    if (this.remaining < 1) return -1;
    return this.buf[this.#at++] ?? -1;
  }
  u16(): number {
    if (this.remaining < 2) return -1;
    const v = ((this.buf[this.#at] ?? 0) << 8) | (this.buf[this.#at + 1] ?? 0);
    this.#at += 2;
    return v;
  }
  /** `n` bytes as a sub-view, or undefined when fewer remain. */
  bytes(n: number): Uint8Array | undefined {
    if (n < 0 || this.remaining < n) return undefined;
    const out = this.buf.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
}

/**
 * The host name of a ClientHello body: a string, undefined when there is no SNI, null when the body is malformed,
 * false when the server_name extension holds no acceptable host name.
 */
function readServerName(body: Uint8Array): string | undefined | null | false {
  const r = new Reader(body);
  if (r.bytes(2 + 32) === undefined) return null; // legacy_version, random
  const sessionIdLength = r.u8();
  if (sessionIdLength < 0 || sessionIdLength > 32 || r.bytes(sessionIdLength) === undefined) return null;
  const suitesLength = r.u16();
  if (suitesLength < 2 || suitesLength % 2 !== 0 || r.bytes(suitesLength) === undefined) return null;
  const compressionLength = r.u8();
  if (compressionLength < 1 || r.bytes(compressionLength) === undefined) return null;
  if (r.remaining === 0) return undefined; // no extensions at all
  const extensionsLength = r.u16();
  const extensions = r.bytes(extensionsLength);
  if (extensions === undefined || r.remaining !== 0) return null;
  return findServerName(new Reader(extensions));
}

function findServerName(r: Reader): string | undefined | null | false {
  let found: string | undefined | false;
  let seen = false;
  while (r.remaining > 0) {
    const type = r.u16();
    const length = r.u16();
    const data = length < 0 ? undefined : r.bytes(length);
    if (type < 0 || data === undefined) return null;
    if (type !== EXTENSION_SERVER_NAME) continue;
    if (seen) return null; // an extension type may appear once (RFC 8446 §4.2)
    seen = true;
    found = hostNameOf(new Reader(data));
    if (found === undefined) return null;
  }
  return found;
}

function hostNameOf(r: Reader): string | undefined | false {
  const listLength = r.u16();
  const list = r.bytes(listLength);
  if (list === undefined || listLength === 0 || r.remaining !== 0) return undefined;
  const entries = new Reader(list);
  let host: string | false | undefined;
  while (entries.remaining > 0) {
    const nameType = entries.u8();
    const nameLength = entries.u16();
    const name = nameLength < 0 ? undefined : entries.bytes(nameLength);
    if (nameType < 0 || name === undefined) return undefined;
    if (nameType === NAME_TYPE_HOST && host === undefined) host = validHostName(name);
  }
  return host ?? false;
}

/** A DNS-style host name: 1–253 bytes of letters, digits, `-`, `_` and `.`; lower-cased. */
function validHostName(name: Uint8Array): string | false {
  if (name.length === 0 || name.length > MAX_HOST_NAME) return false;
  let out = '';
  for (const c of name) {
    const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
    const ok =
      (lower >= 0x61 && lower <= 0x7a) ||
      (lower >= 0x30 && lower <= 0x39) ||
      lower === 0x2d ||
      lower === 0x5f ||
      lower === 0x2e;
    if (!ok) return false;
    out += String.fromCharCode(lower);
  }
  return out;
}
