import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_CLIENT_HELLO_BYTES, parseClientHello, type ClientHelloParse } from './client-hello.js';
import { peekClientHello, type PeekResult } from './peek.js';

const SNI = 'web.default.default.a.external.11111111-2222-3333-4444-555555555555.consul';

/** The bytes node:tls sends first when connecting with `servername`, captured by a plain TCP server. */
async function captureClientHello(servername: string | undefined): Promise<Buffer> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const got = new Promise<Buffer>((resolve) => {
      server.once('connection', (s) => {
        const parts: Buffer[] = [];
        s.on('data', (c: Buffer) => {
          parts.push(c);
          const all = Buffer.concat(parts);
          if (parseClientHello(all).kind !== 'incomplete') {
            s.destroy();
            resolve(all);
          }
        });
      });
    });
    const { port } = server.address() as net.AddressInfo;
    const client = tls.connect({
      port,
      host: '127.0.0.1',
      ...(servername === undefined ? {} : { servername }),
    });
    client.on('error', () => undefined);
    const hello = await got;
    client.destroy();
    return hello;
  } finally {
    server.close();
  }
}

/** Re-frames a ClientHello's handshake bytes into records of `size` bytes each (legal TLS fragmentation). */
function refragment(hello: Buffer, size: number): Buffer {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const out: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const frag = body.subarray(i, i + size);
    const header = Buffer.from([22, 3, 1, 0, 0]);
    header.writeUInt16BE(frag.length, 3);
    out.push(header, frag);
  }
  return Buffer.concat(out);
}

function expectOk(r: ClientHelloParse, name: string | undefined): void {
  assert.equal(r.kind, 'ok', JSON.stringify(r));
  if (r.kind === 'ok') assert.equal(r.serverName, name);
}

test('sni client-hello - reads the SNI of a real node:tls ClientHello, lower-cased, and one without SNI', async () => {
  const hello = await captureClientHello(SNI.toUpperCase());
  expectOk(parseClientHello(hello), SNI);
  const plain = await captureClientHello(undefined);
  expectOk(parseClientHello(plain), undefined);
});

test('sni client-hello - byte-by-byte arrival is incomplete until the last byte, and records split anywhere work', async () => {
  const hello = await captureClientHello(SNI);
  for (let n = 0; n < hello.length; n++)
    assert.equal(parseClientHello(hello.subarray(0, n)).kind, 'incomplete');
  expectOk(parseClientHello(hello), SNI);
  for (const size of [1, 2, 3, 7, 100, 511]) {
    const framed = refragment(hello, size);
    expectOk(parseClientHello(framed, 1 << 16), SNI);
    for (let n = 0; n < framed.length; n += 97)
      assert.equal(parseClientHello(framed.subarray(0, n), 1 << 16).kind, 'incomplete');
  }
});

test('sni client-hello - garbage, HTTP, SSLv2, non-handshake records and oversized headers are refused', () => {
  const refused = (data: Uint8Array, reason: string): void =>
    assert.deepEqual(parseClientHello(data), { kind: 'refused', reason });
  refused(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), 'not-tls');
  refused(Buffer.from([0x80, 0x2e, 0x01, 0x03, 0x01]), 'not-tls');
  refused(Buffer.from([23, 3, 3, 0, 5, 1, 2, 3, 4, 5]), 'not-tls');
  refused(Buffer.from([22, 9]), 'bad-record');
  refused(Buffer.from([22, 3, 1, 0x40, 0x01]), 'bad-record'); // a record longer than 2^14
  refused(Buffer.from([22, 3, 1, 0, 0]), 'bad-record');
  refused(Buffer.from([22, 3, 1, 0, 4, 2, 0, 0, 0]), 'not-client-hello'); // a ServerHello
  refused(Buffer.from([22, 3, 1, 0x3f, 0xff, 1, 0xff, 0xff, 0xff]), 'too-large'); // 16 MiB ClientHello announced
  refused(Buffer.from([22, 3, 1, 0, 5, 1, 0, 0, 1, 0]), 'malformed');
});

test('sni client-hello - a hostile server_name (bad characters, empty) is refused', async () => {
  const hello = await captureClientHello('a'.repeat(20));
  const at = hello.indexOf(Buffer.from('a'.repeat(20)));
  const bad = Buffer.from(hello);
  bad[at + 3] = 0x2f; // '/'
  assert.deepEqual(parseClientHello(bad), { kind: 'refused', reason: 'bad-server-name' });
  bad[at + 3] = 0x00;
  assert.deepEqual(parseClientHello(bad), { kind: 'refused', reason: 'bad-server-name' });
});

/** A small deterministic PRNG so a failing fuzz case can be replayed from its seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

function mutate(base: Buffer, rand: () => number): Buffer {
  const out = Buffer.from(base);
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * out.length);
    switch (Math.floor(rand() * 4)) {
      case 0:
        out[at] = Math.floor(rand() * 256);
        break;
      case 1:
        out[at] = 0xff;
        break;
      case 2:
        out[at] = 0;
        break;
      default:
        out[at] = (out[at] ?? 0) ^ (1 << Math.floor(rand() * 8));
    }
  }
  const cut = rand() < 0.3 ? Math.floor(rand() * out.length) : out.length;
  return out.subarray(0, cut);
}

test('sni client-hello - fuzz: random and mutated input never throws, and what is accepted stays within the bound', async () => {
  const hello = await captureClientHello(SNI);
  const seed = Date.now() & 0xffff;
  const rand = prng(seed);
  const outcomes = new Map<string, number>();
  const maxBytes = 1024 + Math.floor(rand() * DEFAULT_MAX_CLIENT_HELLO_BYTES);
  for (let i = 0; i < 20_000; i++) {
    const input =
      i % 4 === 0
        ? randomBytes(Math.floor(rand() * 2048))
        : i % 4 === 1
          ? Buffer.concat([Buffer.from([22, 3, 1]), randomBytes(Math.floor(rand() * 600))])
          : mutate(i % 4 === 2 ? hello : refragment(hello, 1 + Math.floor(rand() * 300)), rand);
    let r: ClientHelloParse;
    try {
      r = parseClientHello(input, maxBytes);
    } catch (err) {
      assert.fail(`seed ${seed} case ${i}: threw ${String(err)}`);
    }
    if (r.kind === 'ok') {
      assert.ok(r.consumed <= maxBytes && r.consumed <= input.length, `seed ${seed} case ${i}`);
      if (r.serverName !== undefined) assert.match(r.serverName, /^[a-z0-9._-]{1,253}$/);
    }
    const key = r.kind === 'refused' ? r.reason : r.kind;
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  }
  // The corpus reached every outcome, so the fuzz is not stuck on the first check.
  for (const k of ['ok', 'incomplete', 'not-tls', 'bad-record', 'malformed']) {
    assert.ok(
      (outcomes.get(k) ?? 0) > 0,
      `seed ${seed}: no '${k}' outcome in ${JSON.stringify([...outcomes])}`,
    );
  }
});

async function peekVia(
  write: (client: net.Socket) => void,
  maxBytes?: number,
  timeoutMs?: number,
): Promise<{ r: PeekResult; rest: Buffer }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect({ port, host: '127.0.0.1' });
  client.on('error', () => undefined);
  const [sock] = (await once(server, 'connection')) as [net.Socket];
  write(client);
  const r = await peekClientHello(sock, {
    ...(maxBytes === undefined ? {} : { maxBytes }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  // Whatever the peek left in the socket: read it after the peek, as the pump would.
  client.end();
  const rest: Buffer[] = [];
  sock.on('data', (c: Buffer) => rest.push(c));
  sock.resume();
  if (!sock.readableEnded && !sock.destroyed) await once(sock, 'close');
  sock.destroy();
  client.destroy();
  server.close();
  return { r, rest: Buffer.concat(rest) };
}

test('sni peek - a fragmented ClientHello over TCP yields the SNI, and peeked + rest replays every byte in order', async () => {
  const hello = refragment(await captureClientHello(SNI), 50);
  const trailer = Buffer.from('early bytes after the hello');
  const { r, rest } = await peekVia((c) => {
    for (let i = 0; i < hello.length; i += 33) c.write(hello.subarray(i, i + 33));
    c.write(trailer);
  });
  assert.equal(r.kind, 'ok');
  if (r.kind !== 'ok') return;
  assert.equal(r.serverName, SNI);
  assert.deepEqual(Buffer.concat([r.peeked, rest]), Buffer.concat([hello, trailer]));
});

test('sni peek - garbage, an endless stream, silence and an early close are refused within the bounds', async () => {
  const garbage = await peekVia((c) => c.write('SSH-2.0-OpenSSH_9.6\r\n'));
  assert.deepEqual(garbage.r, { kind: 'refused', reason: 'not-tls' });
  // A record header that keeps promising more, in pieces: refused once past the cap, never buffered beyond it.
  const endless = await peekVia((c) => {
    c.write(Buffer.from([22, 3, 1, 0x3f, 0xff, 1, 0, 0x3f, 0xf0]));
    c.write(randomBytes(3000));
  }, 2048);
  assert.deepEqual(endless.r, { kind: 'refused', reason: 'too-large' });
  const silent = await peekVia(() => undefined, undefined, 30);
  assert.deepEqual(silent.r, { kind: 'refused', reason: 'timeout' });
  const closed = await peekVia((c) => c.end(Buffer.from([22, 3, 1])));
  assert.deepEqual(closed.r, { kind: 'refused', reason: 'closed' });
});
