import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { pump, type PumpCounters, type PumpResult } from './pump.js';

/** Upper bound the pump may hold per direction: source readable HWM + destination writable HWM + one read chunk. */
const CHUNK_BYTES = 64 * 1024;

interface Rig {
  /** The test's client socket (talks to the pump's downstream side). */
  client: net.Socket;
  /** The upstream server's accepted socket (talks to the pump's upstream side). */
  server: net.Socket;
  /** The pump's two sockets. */
  down: net.Socket;
  up: net.Socket;
  result: Promise<PumpResult>;
  counters: PumpCounters;
}

async function listen(t: TestContext, onConn: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer({ allowHalfOpen: true }, onConn);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.after(() => srv.close());
  return (srv.address() as net.AddressInfo).port;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** client → [down | pump | up] → server, all on loopback with OS ports. */
async function rig(t: TestContext, idleTimeoutMs = 0): Promise<Rig> {
  const counters: PumpCounters = { up: 0, down: 0 };
  const accepted = deferred<net.Socket>();
  const upstreamPort = await listen(t, (s) => accepted.resolve(s));
  const pumped = deferred<{ down: net.Socket; up: net.Socket; result: Promise<PumpResult> }>();
  const proxyPort = await listen(t, (down) => {
    const up = net.connect({ port: upstreamPort, host: '127.0.0.1', allowHalfOpen: true });
    up.once('connect', () =>
      pumped.resolve({ down, up, result: pump(down, up, { idleTimeoutMs, counters: [counters] }) }),
    );
  });
  const client = net.connect({ port: proxyPort, host: '127.0.0.1', allowHalfOpen: true });
  t.after(() => client.destroy());
  const { down, up, result } = await pumped.promise;
  const server = await accepted.promise;
  t.after(() => server.destroy());
  return { client, server, down, up, result, counters };
}

function sha(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Everything `s` reads until its end; unlike `for await`, it leaves the write half open. */
function readAll(s: net.Socket): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on('data', (c: Buffer) => parts.push(c));
  return new Promise((resolve, reject) => {
    s.once('end', () => resolve(Buffer.concat(parts)));
    s.once('error', reject);
  });
}

async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('proxy pump - bytes arrive intact both ways and are counted', async (t) => {
  const r = await rig(t);
  const a = randomBytes(3 * 1024 * 1024 + 7);
  const b = randomBytes(1024 * 1024 + 3);
  const gotAtServer = readAll(r.server);
  const gotAtClient = readAll(r.client);
  r.client.end(a);
  r.server.end(b);
  assert.equal(sha(await gotAtServer), sha(a));
  assert.equal(sha(await gotAtClient), sha(b));
  const res = await r.result;
  assert.equal(res.end, 'done');
  assert.equal(res.bytesUp, a.length);
  assert.equal(res.bytesDown, b.length);
  assert.deepEqual(r.counters, { up: a.length, down: b.length });
});

test('proxy pump - a slow reader pauses the source; the pump buffers no more than the high-water marks', async (t) => {
  const r = await rig(t);
  r.server.pause();
  const total = 64 * 1024 * 1024;
  const payload = randomBytes(total);
  const bound = r.down.readableHighWaterMark + r.up.writableHighWaterMark + CHUNK_BYTES;
  let maxHeld = 0;
  r.down.on('data', () => {
    maxHeld = Math.max(maxHeld, r.down.readableLength + r.up.writableLength);
  });
  const gotAtServer = readAll(r.server);
  r.client.end(payload);
  // The pipe pauses its source when the destination is full: the pump stops reading.
  await until(() => r.down.readableFlowing === false && r.up.writableLength > 0, 'the pump to pause');
  assert.ok(
    r.counters.up < total,
    `the pump read ${r.counters.up} of ${total} bytes while its reader was stalled`,
  );
  assert.ok(r.up.writableLength <= r.up.writableHighWaterMark + CHUNK_BYTES);
  r.server.resume();
  assert.equal(sha(await gotAtServer), sha(payload));
  assert.ok(maxHeld <= bound, `held ${maxHeld} bytes, bound ${bound}`);
  r.server.end();
  assert.equal((await r.result).end, 'done');
});

test('proxy pump - half-close of one side still delivers the other direction', async (t) => {
  const r = await rig(t);
  const request = Buffer.from('request, then FIN');
  const reply = randomBytes(2 * 1024 * 1024);
  const gotAtClient = readAll(r.client);
  r.client.end(request);
  // The server sees the whole request and its end, then answers on the still-open direction.
  assert.deepEqual(await readAll(r.server), request);
  assert.equal(r.client.writableEnded, true);
  r.server.end(reply);
  assert.equal(sha(await gotAtClient), sha(reply));
  const res = await r.result;
  assert.equal(res.end, 'done');
  assert.equal(res.bytesDown, reply.length);
});

test('proxy pump - the idle timeout destroys both sides', async (t) => {
  const r = await rig(t, 50);
  // Both far ends see the pump's sockets go away (they are half-open sockets, so they see an end, not a close).
  const clientClosed = once(r.client, 'end');
  const serverClosed = once(r.server, 'end');
  r.server.resume();
  r.client.on('error', () => undefined);
  r.server.on('error', () => undefined);
  r.client.write('one chunk, then silence');
  const res = await r.result;
  assert.equal(res.end, 'idle-timeout');
  assert.equal(res.bytesUp, 'one chunk, then silence'.length);
  await Promise.all([clientClosed, serverClosed]);
  assert.equal(r.down.destroyed && r.up.destroyed, true);
});

test('proxy pump - an upstream reset destroys the downstream and reports the error', async (t) => {
  const r = await rig(t);
  r.client.on('error', () => undefined);
  const clientClosed = once(r.client, 'end');
  r.client.write('hello');
  await once(r.server, 'data');
  r.server.resetAndDestroy();
  const res = await r.result;
  assert.equal(res.end, 'error');
  assert.ok(res.error instanceof Error);
  await clientClosed;
  assert.equal(r.down.destroyed, true);
});

test('proxy pump - aborting the signal tears both sides down', async (t) => {
  const ac = new AbortController();
  const srvPort = await listen(t, (s) => s.on('error', () => undefined));
  const pumped = deferred<{ result: Promise<PumpResult> }>();
  const port = await listen(t, (down) => {
    const up = net.connect({ port: srvPort, host: '127.0.0.1', allowHalfOpen: true });
    up.once('connect', () => pumped.resolve({ result: pump(down, up, { signal: ac.signal }) }));
  });
  const client = net.connect({ port, host: '127.0.0.1' });
  client.on('error', () => undefined);
  t.after(() => client.destroy());
  const { result } = await pumped.promise;
  ac.abort();
  assert.equal((await result).end, 'aborted');
  await once(client, 'close');
});
