/**
 * The transport's healing behaviour over real loopback sockets, with a cuttable TCP bridge between the dialer and
 * the listener: bounded secret exchange (repeated and silent addresses), refusal of CA-less targets, and the
 * CONNECTION_LOST reason on both ends for a reset or a blackholed (keepalive-detected) connection.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { silentLogger } from '../../logging/index.js';
import { PeerDialError, type BidiStream } from '../../peering/index.js';
import { TcpBridge } from '../../../test/helpers/tcp-bridge.js';
import { GrpcTlsServer, createPeerTransport, type PeerTransportOptions } from '../index.js';
import { makeTestPki, TEST_SERVER_NAME, type TestPki } from './testing/pki.js';

const logger = silentLogger();

interface Listener {
  address: string;
  pki: TestPki;
  /** Outcomes of the server-side `recv` loops, one per accepted stream. */
  ended: Promise<unknown>[];
}

async function listen(t: TestContext, keepalive?: { timeMs: number; timeoutMs: number }): Promise<Listener> {
  const pki = await makeTestPki();
  const ended: Promise<unknown>[] = [];
  const server = new GrpcTlsServer({
    logger,
    handlers: {
      exchangeSecret: () => Promise.resolve('stream-secret'),
      streamResources: (s: BidiStream) => {
        const done = drain(s);
        ended.push(
          done.then(
            () => 'clean end',
            (err: unknown) => err,
          ),
        );
        return done.catch(() => undefined);
      },
    },
    credentials: () => ({ certPem: pki.certPem, keyPem: pki.keyPem, caPem: pki.caPem }),
    shutdownGraceMs: 100,
    ...(keepalive ? { keepaliveTimeMs: keepalive.timeMs, keepaliveTimeoutMs: keepalive.timeoutMs } : {}),
  });
  const port = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  return { address: `127.0.0.1:${port}`, pki, ended };
}

async function drain(s: BidiStream): Promise<void> {
  while ((await s.recv()) !== null) {
    // discard
  }
}

async function bridgeTo(t: TestContext, address: string): Promise<TcpBridge> {
  const port = Number(address.split(':').pop());
  const b = await TcpBridge.start({ host: '127.0.0.1', port });
  t.after(() => b.close());
  return b;
}

function transport(t: TestContext, opts: Partial<PeerTransportOptions> = {}) {
  const tr = createPeerTransport({ logger, exchangePassTimeoutMs: 300, exchangeRetryWaitMs: 20, ...opts });
  t.after(() => {
    tr.close();
  });
  return tr;
}

async function rejection(p: Promise<unknown>): Promise<PeerDialError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PeerDialError, `expected PeerDialError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

async function until(fn: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test(
  'grpc heal - ExchangeSecret with one unreachable address listed twice ends after its pass',
  { timeout: 30_000 },
  async (t) => {
    const { address, pki } = await listen(t);
    const bridge = await bridgeTo(t, address);
    bridge.cut('reset');
    const tr = transport(t);
    const err = await rejection(
      tr.exchangeSecret(
        { addresses: [bridge.address, bridge.address], serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
        { PeerID: 'p', EstablishmentSecret: 's' },
      ),
    );
    assert.equal(err.reason, 'ADDRESS_UNREACHABLE', err.message);
    // The message lists the distinct address once.
    assert.equal(err.message.split(`ExchangeSecret to ${bridge.address}`).length - 1, 1, err.message);
  },
);

test(
  'grpc heal - ExchangeSecret to a peer that accepts and never answers ends at the total bound',
  { timeout: 30_000 },
  async (t) => {
    const { address, pki } = await listen(t);
    const bridge = await bridgeTo(t, address);
    bridge.cut('silence');
    const tr = transport(t, {
      exchangeTotalTimeoutMs: 800,
      exchangeAttemptTimeoutMs: 5_000,
      exchangePassTimeoutMs: 5_000,
    });
    const err = await rejection(
      tr.exchangeSecret(
        { addresses: [bridge.address], serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
        { PeerID: 'p', EstablishmentSecret: 's' },
      ),
    );
    assert.match(err.message, /no peer server answered within 800 ms/);
    assert.ok(err.message.includes(bridge.address), err.message);
  },
);

test('grpc heal - a target without CA is refused and never dialled in plaintext', async (t) => {
  const { address } = await listen(t);
  const bridge = await bridgeTo(t, address);
  const tr = transport(t);
  const err = await rejection(
    tr.openStream(bridge.address, { serverName: TEST_SERVER_NAME, caPems: [] }, AbortSignal.timeout(5_000)),
  );
  assert.equal(err.reason, 'TLS_HANDSHAKE_FAILED');
  assert.match(err.message, /refusing to dial .* without TLS/);
  const exErr = await rejection(
    tr.exchangeSecret(
      { addresses: [bridge.address], serverName: TEST_SERVER_NAME, caPems: [] },
      { PeerID: 'p', EstablishmentSecret: 's' },
    ),
  );
  assert.match(exErr.message, /without TLS/);
  assert.equal(bridge.accepted, 0, 'no connection was made');
});

test(
  'grpc heal - a reset of an open stream is CONNECTION_LOST on both ends',
  { timeout: 30_000 },
  async (t) => {
    const { address, pki, ended } = await listen(t);
    const bridge = await bridgeTo(t, address);
    const tr = transport(t);
    const stream = await tr.openStream(
      bridge.address,
      { serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
      AbortSignal.timeout(5_000),
    );
    await stream.send({ kind: 'heartbeat' });
    await until(() => ended.length === 1, 'the server handler');
    bridge.cut('reset');
    const err = await rejection(stream.recv());
    assert.equal(err.reason, 'CONNECTION_LOST', err.message);
    const serverSide = await ended[0];
    assert.ok(serverSide instanceof PeerDialError, String(serverSide));
    assert.equal(serverSide.reason, 'CONNECTION_LOST');
  },
);

test(
  'grpc heal - keepalive drops a blackholed connection on both ends, then a redial works after heal',
  { timeout: 30_000 },
  async (t) => {
    const ka = { timeMs: 300, timeoutMs: 300 };
    const { address, pki, ended } = await listen(t, ka);
    const bridge = await bridgeTo(t, address);
    const tr = transport(t, {
      keepaliveTimeMs: ka.timeMs,
      keepaliveTimeoutMs: ka.timeoutMs,
      connectTimeoutMs: 1_000,
    });
    const target = { serverName: TEST_SERVER_NAME, caPems: [pki.caPem] };
    const stream = await tr.openStream(bridge.address, target, AbortSignal.timeout(5_000));
    await stream.send({ kind: 'heartbeat' });
    await until(() => ended.length === 1, 'the server handler');
    bridge.cut('blackhole');
    // Nothing is reset or closed: only the pings going unanswered can end these streams.
    const err = await rejection(stream.recv());
    assert.equal(err.reason, 'CONNECTION_LOST', err.message);
    const serverSide = await ended[0];
    assert.ok(serverSide instanceof PeerDialError, String(serverSide));
    assert.equal(serverSide.reason, 'CONNECTION_LOST');
    // A dial during the cut fails within the connect timeout; after heal a fresh connection works.
    const during = await rejection(tr.openStream(bridge.address, target, AbortSignal.timeout(10_000)));
    assert.equal(during.reason, 'ADDRESS_UNREACHABLE', during.message);
    bridge.heal();
    const again = await tr.openStream(bridge.address, target, AbortSignal.timeout(10_000));
    await again.send({ kind: 'heartbeat' });
    await until(() => ended.length === 2, 'the new stream on the server');
    again.end();
  },
);
