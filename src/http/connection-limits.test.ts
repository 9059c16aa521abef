import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { test } from 'node:test';

import { createLogger } from '../logging/index.js';
import { TOO_MANY_CONNS_RESPONSE } from './connection-guard.js';
import type { HttpServerOptions, Route } from './server.js';
import { HttpServer } from './server.js';

/** Log lines written, as text. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(chunk.toString());
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

const routes: Route[] = [
  { path: '/v1/ok', prefix: false, methods: { GET: () => Promise.resolve({ body: 'ok' }) } },
  {
    path: '/v1/boom',
    prefix: false,
    methods: { GET: () => Promise.reject(new Error('kaboom')) },
  },
  {
    path: '/v1/put',
    prefix: false,
    methods: { PUT: async (ctx) => ({ body: (await ctx.rawBody()).length }) },
  },
];

async function startServer(
  t: TestContext,
  opts: Partial<HttpServerOptions> & { json?: boolean } = {},
): Promise<{ port: number; logs: LogCapture; server: HttpServer }> {
  const logs = new LogCapture();
  const logger = createLogger({ level: 'info', json: opts.json ?? true, destination: logs });
  const server = new HttpServer({ routes, logger, ...opts });
  t.after(() => server.close());
  const { port } = await server.listen('127.0.0.1', 0);
  return { port, logs, server };
}

/** A raw client socket that collects what it receives and records when it closes. */
interface RawClient {
  socket: net.Socket;
  received: () => string;
  closed: Promise<void>;
}

async function connect(port: number): Promise<RawClient> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  return { socket, received: () => Buffer.concat(chunks).toString('latin1'), closed };
}

/** Polls until `predicate` holds; fails after `timeoutMs` (a deadline, not a timing assertion). */
async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const GET_OK = 'GET /v1/ok HTTP/1.1\r\nHost: x\r\n\r\n';

test('http - limits.http_max_conns_per_client: the connection past the limit gets Consul 429 and is closed', async (t) => {
  const { port, logs, server } = await startServer(t, { maxConnsPerClient: 3 });
  const kept: RawClient[] = [];
  for (let i = 0; i < 3; i++) {
    const c = await connect(port);
    c.socket.write(GET_OK);
    await until(() => c.received().includes('"ok"'), `answer on connection ${i}`);
    kept.push(c);
  }
  const extra = await connect(port);
  extra.socket.write(GET_OK);
  await extra.closed;
  assert.equal(
    extra.received(),
    TOO_MANY_CONNS_RESPONSE.toString('latin1'),
    'only the 429, no answer to the GET',
  );
  assert.match(extra.received(), /^HTTP\/1.1 429 Too Many Requests\r\n/);

  // More refusals within the log interval are counted, not logged again.
  const again = await connect(port);
  await again.closed;
  assert.equal(server.connectionStats.refusedPerClient, 2);
  const warnLines = logs.lines.filter((l) => l.includes('http_max_conns_per_client'));
  assert.equal(warnLines.length, 1, logs.text);
  assert.match(warnLines[0] ?? '', /"client":"127\.0\.0\.1"/);

  // A freed slot is usable again.
  kept[0]?.socket.destroy();
  await kept[0]?.closed;
  let served = false;
  for (const deadline = Date.now() + 10_000; !served && Date.now() < deadline;) {
    const next = await connect(port);
    next.socket.write(GET_OK);
    await Promise.race([next.closed, until(() => next.received().length > 0, 'any answer')]);
    served = next.received().includes('"ok"');
    next.socket.destroy();
  }
  assert.ok(served, 'a connection is accepted once the client is under its limit again');
  for (const c of kept) c.socket.destroy();
});

test('http - http_max_conns_per_client = 0 means no per-client limit', async (t) => {
  const { port, server } = await startServer(t, { maxConnsPerClient: 0 });
  const clients: RawClient[] = [];
  for (let i = 0; i < 250; i++) clients.push(await connect(port));
  const last = clients[clients.length - 1];
  last?.socket.write(GET_OK);
  await until(() => last?.received().includes('"ok"') ?? false, 'answer on the 250th connection');
  assert.equal(server.connectionStats.refusedPerClient, 0);
  for (const c of clients) c.socket.destroy();
});

test('http - a request body that never completes is cut with 408 at the request timeout', async (t) => {
  const { port } = await startServer(t, { headersTimeoutMs: 200, requestTimeoutMs: 400 });
  const c = await connect(port);
  // Promises 100 bytes of body, sends 5, then goes quiet.
  c.socket.write('PUT /v1/put HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhello');
  await c.closed; // the test's own deadline fails it if the server never closes the connection
  assert.match(c.received(), /^HTTP\/1.1 408 /);
});

test('http - headers that never complete are cut at the headers timeout', async (t) => {
  const { port } = await startServer(t, { headersTimeoutMs: 200, requestTimeoutMs: 60_000 });
  const c = await connect(port);
  c.socket.write('GET /v1/ok HTTP/1.1\r\nHost: x\r\n');
  await c.closed;
  assert.match(c.received(), /^HTTP\/1.1 408 /);
});

test('http - at the total connection cap new connections are dropped and that is logged once per interval', async (t) => {
  const { port, logs, server } = await startServer(t, { maxConnections: 2 });
  const a = await connect(port);
  const b = await connect(port);
  a.socket.write(GET_OK);
  b.socket.write(GET_OK);
  await until(() => a.received().includes('"ok"') && b.received().includes('"ok"'), 'two answers');
  const dropped = [await connect(port), await connect(port)];
  await Promise.all(dropped.map((c) => c.closed));
  await until(() => server.connectionStats.droppedAtCap === 2, 'drops counted');
  const lines = logs.lines.filter((l) => l.includes('total connection cap'));
  assert.equal(lines.length, 1, logs.text);
  a.socket.destroy();
  b.socket.destroy();
});

for (const json of [true, false]) {
  test(`http - ?token= is redacted from the log of an unexpected 500 (${json ? 'JSON' : 'human'} format)`, async (t) => {
    const { port, logs } = await startServer(t, { json });
    const res = await fetch(`http://127.0.0.1:${port}/v1/boom?dc=dc1&token=s3cr3t-value&pretty`);
    assert.equal(res.status, 500);
    await until(() => logs.text.includes('request failed'), 'the error line');
    assert.doesNotMatch(logs.text, /s3cr3t-value/);
    assert.match(logs.text, /token=\[redacted\]/);
    assert.match(logs.text, /dc=dc1/, 'the rest of the URL is kept');
  });
}
