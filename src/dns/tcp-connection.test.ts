import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { test } from 'node:test';

import { TcpDnsConnection, type TcpConnectionLimits } from './tcp-connection.js';

type Reply = (answer: Buffer | undefined) => void;

/** A listener whose connections are served by TcpDnsConnection with a handler that answers only when told to. */
async function serve(
  t: TestContext,
  limits: TcpConnectionLimits,
): Promise<{ port: number; waiting: { query: Buffer; reply: Reply }[] }> {
  const waiting: { query: Buffer; reply: Reply }[] = [];
  const server = net.createServer((socket) => {
    new TcpDnsConnection(socket, (query, reply) => waiting.push({ query, reply }), limits);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, waiting };
}

function frame(text: string): Buffer {
  const body = Buffer.from(text);
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(body.length, 0);
  return Buffer.concat([prefix, body]);
}

async function until(predicate: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('dns - TCP pipelining is bounded: no more than maxPending queries of a connection are in hand at once', async (t) => {
  const { port, waiting } = await serve(t, { idleTimeoutMs: 10_000, maxQueries: 100, maxPending: 3 });
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  const got: Buffer[] = [];
  client.on('data', (c: Buffer) => got.push(c));
  await once(client, 'connect');
  client.write(Buffer.concat(Array.from({ length: 10 }, (_, i) => frame(`q${i}`))));
  await until(() => waiting.length === 3, 'three queries in hand');

  // Answering one (late, as a forwarded query is) lets exactly one more in; a dropped one (no answer) too.
  waiting[0]?.reply(Buffer.from('a0'));
  await until(() => waiting.length === 4, 'a fourth query');
  waiting[1]?.reply(undefined);
  await until(() => waiting.length === 5, 'a fifth query');
  assert.deepEqual(
    waiting.map((w) => w.query.toString()),
    ['q0', 'q1', 'q2', 'q3', 'q4'],
  );
  await until(() => Buffer.concat(got).length === 4, 'the one answer');
  assert.deepEqual(Buffer.concat(got), frame('a0'));
});

test('dns - TCP connection ends after maxQueries, once their answers are written', async (t) => {
  const { port, waiting } = await serve(t, { idleTimeoutMs: 10_000, maxQueries: 2, maxPending: 8 });
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  const got: Buffer[] = [];
  client.on('data', (c: Buffer) => got.push(c));
  await once(client, 'connect');
  client.write(Buffer.concat([frame('q0'), frame('q1'), frame('q2')]));
  await until(() => waiting.length === 2, 'two queries');
  const ended = once(client, 'end');
  for (const w of waiting) w.reply(Buffer.from(`a-${w.query.toString()}`));
  await ended;
  assert.deepEqual(Buffer.concat(got), Buffer.concat([frame('a-q0'), frame('a-q1')]));
  assert.equal(waiting.length, 2, 'the third query is never read');
});

test('dns - an idle TCP connection is closed after the idle timeout', async (t) => {
  const { port } = await serve(t, { idleTimeoutMs: 100, maxQueries: 10, maxPending: 2 });
  const client = net.connect(port, '127.0.0.1');
  t.after(() => client.destroy());
  client.on('error', () => undefined);
  await once(client, 'connect');
  await once(client, 'close'); // the test's own timeout fails it if the server never closes
});
