import { connect } from 'node:net';

/** One HTTP/1.1 response as it came off the wire: the header block (up to and without the blank line) and the body. */
export interface RawResponse {
  /** The status line and header lines, as sent. */
  head: string;
  body: Buffer;
}

/** Headers Node's `http` server writes by itself on a keep-alive answer; a server that replays a head sets none of them. */
const NODE_ADDED = new Set(['date', 'connection', 'keep-alive']);

/**
 * `GET <url>` over a fresh TCP connection, as `wrk` sends it (HTTP/1.1, keep-alive, a Host header), returning the
 * response bytes unparsed, so two servers' answers can be compared byte for byte. Needs a `Content-Length`
 * answer (no chunked encoding); bounded by a 10 s timeout.
 */
export function rawGet(url: string): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no whole answer from ${url} within 10 s`));
    }, 10_000);
    let buf = Buffer.alloc(0);
    socket.on('connect', () => {
      socket.write(`GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.subarray(0, end).toString('latin1');
      const m = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (!m) {
        clearTimeout(timer);
        socket.destroy();
        reject(new Error(`answer of ${url} has no Content-Length:\n${head}`));
        return;
      }
      const body = buf.subarray(end + 4);
      if (body.length < Number(m[1])) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ head, body: Buffer.from(body.subarray(0, Number(m[1]))) });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * The header lines of `head` that a Node server must set itself to send the same head, as a flat
 * `[name, value, ...]` list for `writeHead` (names as sent, order kept; `Date`, `Connection`, `Keep-Alive` left out:
 * Node adds those).
 */
export function replayableHeaders(head: string): string[] {
  const out: string[] = [];
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (NODE_ADDED.has(name.toLowerCase())) continue;
    out.push(name, line.slice(colon + 1).trim());
  }
  return out;
}

/** `head` with the value of its `Date` header blanked: two answers sent in different seconds still compare equal. */
export function withoutDate(head: string): string {
  return head.replace(/\r\nDate: [^\r]*/i, '\r\nDate: -');
}
