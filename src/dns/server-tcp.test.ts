import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { test } from 'node:test';

import dnsPacket from 'dns-packet';

import { silentLogger } from '../logging/index.js';
import { DnsServer, MAX_TCP_CONNECTIONS_PER_CLIENT, MAX_TCP_QUERIES_PER_CONNECTION } from './server.js';
import type { InstanceSpec } from './testing/fixtures.js';
import { queryPacket, storeWith } from './testing/fixtures.js';

async function startDns(t: TestContext, specs: InstanceSpec[]): Promise<{ server: DnsServer; port: number }> {
  const server = new DnsServer({
    store: storeWith(specs),
    datacenter: 'dc1',
    nodeName: 'server1',
    domain: 'consul.',
    altDomain: '',
    dnsConfig: {},
    recursors: [],
    logger: silentLogger(),
  });
  t.after(() => server.close());
  const { tcpPort } = await server.listen('127.0.0.1', 0);
  return { server, port: tcpPort };
}

function framed(query: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(query.length, 0);
  return Buffer.concat([prefix, query]);
}

/** Counts the complete DNS messages in a TCP byte stream. */
function countFrames(stream: Buffer): number {
  let n = 0;
  for (let at = 0; at + 2 <= stream.length; n++) {
    const len = stream.readUInt16BE(at);
    if (at + 2 + len > stream.length) break;
    at += 2 + len;
  }
  return n;
}

async function until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** 3,000 healthy instances of `web`: an A answer over TCP is tens of KiB. */
const BIG_SERVICE: InstanceSpec[] = Array.from({ length: 3000 }, (_, i) => ({
  node: `n${i}`,
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  service: 'web',
  port: 80,
}));

test('dns - TCP honours backpressure: a client that pipelines and never reads stops being read', async (t) => {
  const { server, port } = await startDns(t, BIG_SERVICE);
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  client.pause(); // read nothing
  const total = MAX_TCP_QUERIES_PER_CONNECTION;
  const queries = Buffer.concat(
    Array.from({ length: total }, (_, i) => framed(queryPacket('web.service.consul.', 'A', { id: i }))),
  );
  client.write(queries);
  await until(() => server.stats.tcpBlocked === 1, 'the server to stop reading the connection');
  const received = server.stats.received;
  assert.ok(received < total, `only what fits the socket buffers is answered (${received} of ${total})`);

  // Reading resumes as the client drains its answers; every query is answered, then the connection ends.
  const chunks: Buffer[] = [];
  client.on('data', (c: Buffer) => chunks.push(c));
  client.resume();
  await once(client, 'end');
  assert.equal(countFrames(Buffer.concat(chunks)), total);
  assert.equal(server.stats.received, total);
  // The last answer may still sit in the server's socket buffer when the client sees the end: the connection stays
  // counted as blocked until that buffer drains or the socket closes, so wait for it rather than race it.
  await until(() => server.stats.tcpBlocked === 0, 'the connection to stop counting as blocked');
  const first = dnsPacket.decode(Buffer.concat(chunks).subarray(2));
  assert.ok((first.answers ?? []).length > 100);
  client.destroy();
});

test('dns - TCP connections per client are capped and the refusals counted', async (t) => {
  const { server, port } = await startDns(t, []);
  const open: net.Socket[] = [];
  t.after(() => {
    for (const s of open) s.destroy();
  });
  for (let i = 0; i < MAX_TCP_CONNECTIONS_PER_CLIENT; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    await once(s, 'connect');
    open.push(s);
  }
  // The server has counted them all once one query on the last is answered (connections are accepted in order).
  const last = open[open.length - 1];
  assert.ok(last);
  last.write(framed(queryPacket('server1.node.consul.', 'A')));
  await once(last, 'data');
  const extra = net.connect(port, '127.0.0.1');
  extra.on('error', () => undefined);
  await once(extra, 'close');
  assert.equal(server.stats.tcpRefused, 1);
});
