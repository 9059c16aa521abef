/**
 * The peering gRPC TLS listener and the dialing transport over real loopback sockets: ExchangeSecret, the
 * error classification table, method restriction, credentials reload and shutdown.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';

import { Client, Metadata, credentials as grpcCredentials, status as GrpcStatus } from '@grpc/grpc-js';

import { silentLogger } from '../logging/index.js';
import { PeerDialError, STREAM_CODE, StreamError, type BidiStream } from '../peering/index.js';
import {
  GrpcTlsServer,
  createPeerTransport,
  type PeerStreamHandlers,
  type PeerTransportOptions,
} from './index.js';
import { makeTestPki, TEST_SERVER_NAME, type TestPki } from './peerstream/testing/pki.js';

const logger = silentLogger();

interface Started {
  server: GrpcTlsServer;
  address: string;
  pki: TestPki;
  /** Changes what the server's credentials() returns (for reloadCredentials). */
  setPki(p: TestPki): void;
}

async function startServer(
  t: TestContext,
  handlers: Partial<PeerStreamHandlers> = {},
  pki?: TestPki,
): Promise<Started> {
  const material = pki ?? (await makeTestPki());
  let current = material;
  const server = new GrpcTlsServer({
    logger,
    handlers: {
      exchangeSecret: handlers.exchangeSecret ?? (() => Promise.resolve('stream-secret')),
      streamResources: handlers.streamResources ?? ((s: BidiStream) => drain(s)),
    },
    credentials: () => ({ certPem: current.certPem, keyPem: current.keyPem, caPem: current.caPem }),
    shutdownGraceMs: 200,
  });
  const port = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  return {
    server,
    address: `127.0.0.1:${port}`,
    pki: material,
    setPki: (p) => {
      current = p;
    },
  };
}

async function drain(s: BidiStream): Promise<void> {
  while ((await s.recv()) !== null) {
    // discard
  }
}

function transport(
  t: TestContext,
  opts: Partial<PeerTransportOptions> = {},
): ReturnType<typeof createPeerTransport> {
  const tr = createPeerTransport({ logger, exchangePassTimeoutMs: 300, exchangeRetryWaitMs: 20, ...opts });
  t.after(() => {
    tr.close();
  });
  return tr;
}

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  assert.ok(addr !== null && typeof addr === 'object');
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return addr.port;
}

async function rejectsWith(p: Promise<unknown>): Promise<PeerDialError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PeerDialError, `expected PeerDialError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

test('grpc - ExchangeSecret round trip over TLS with SNI = peering server name', async (t) => {
  let seen: { PeerID: string; EstablishmentSecret: string } | undefined;
  const { address, pki } = await startServer(t, {
    exchangeSecret: (req) => {
      seen = req;
      return Promise.resolve('the-stream-secret');
    },
  });
  const tr = transport(t);
  const secret = await tr.exchangeSecret(
    { addresses: [address], serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
    { PeerID: 'peer-1', EstablishmentSecret: 'est-1' },
  );
  assert.equal(secret, 'the-stream-secret');
  assert.deepEqual(seen, { PeerID: 'peer-1', EstablishmentSecret: 'est-1' });
});

test('grpc - ExchangeSecret tries the next address after an unreachable one', async (t) => {
  const { address, pki } = await startServer(t);
  const dead = `127.0.0.1:${await closedPort()}`;
  const tr = transport(t);
  const secret = await tr.exchangeSecret(
    { addresses: [dead, address], serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
    { PeerID: 'p', EstablishmentSecret: 's' },
  );
  assert.equal(secret, 'stream-secret');
});

test('grpc - PERMISSION_DENIED from ExchangeSecret is SECRET_REJECTED and aborts at once', async (t) => {
  let calls = 0;
  const { address, pki } = await startServer(t, {
    exchangeSecret: () => {
      calls += 1;
      return Promise.reject(
        new StreamError(STREAM_CODE.permissionDenied, 'invalid peering establishment secret'),
      );
    },
  });
  const tr = transport(t, { exchangePassTimeoutMs: 5_000 });
  const err = await rejectsWith(
    tr.exchangeSecret(
      { addresses: [address, address], serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
      { PeerID: 'p', EstablishmentSecret: 'wrong' },
    ),
  );
  assert.equal(err.reason, 'SECRET_REJECTED');
  assert.equal(err.grpcCode, GrpcStatus.PERMISSION_DENIED);
  assert.equal(err.address, address);
  assert.match(err.message, /a new peering token must be generated/);
  assert.match(err.message, /invalid peering establishment secret/);
  assert.match(err.message, new RegExp(address));
  assert.equal(calls, 1);
});

test('grpc - a handler error other than StreamError answers INTERNAL without details', async (t) => {
  const { address, pki } = await startServer(t, {
    exchangeSecret: () => Promise.reject(new Error('raft is on fire: secret=abc')),
  });
  const tr = transport(t);
  const err = await rejectsWith(
    tr.exchangeSecret(
      { addresses: [address], serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
      { PeerID: 'p', EstablishmentSecret: 's' },
    ),
  );
  assert.equal(err.reason, 'STREAM_ERROR');
  assert.equal(err.grpcCode, GrpcStatus.INTERNAL);
  assert.doesNotMatch(err.message, /raft|secret=abc/);
});

test('grpc - a server certificate from another CA is TLS_HANDSHAKE_FAILED', async (t) => {
  const { address } = await startServer(t);
  const other = await makeTestPki();
  const tr = transport(t);
  const err = await rejectsWith(
    tr.exchangeSecret(
      { addresses: [address], serverName: TEST_SERVER_NAME, caPems: [other.caPem] },
      { PeerID: 'p', EstablishmentSecret: 's' },
    ),
  );
  assert.equal(err.reason, 'TLS_HANDSHAKE_FAILED', err.message);
  assert.equal(err.address, address);
  assert.match(err.message, new RegExp(address));

  const streamErr = await rejectsWith(
    tr.openStream(
      address,
      { serverName: TEST_SERVER_NAME, caPems: [other.caPem] },
      AbortSignal.timeout(5_000),
    ),
  );
  assert.equal(streamErr.reason, 'TLS_HANDSHAKE_FAILED', streamErr.message);
});

test('grpc - a server name the certificate does not carry is TLS_HANDSHAKE_FAILED', async (t) => {
  const { address, pki } = await startServer(t);
  const tr = transport(t);
  const err = await rejectsWith(
    tr.exchangeSecret(
      { addresses: [address], serverName: 'server.dc2.peering.test.consul', caPems: [pki.caPem] },
      { PeerID: 'p', EstablishmentSecret: 's' },
    ),
  );
  assert.equal(err.reason, 'TLS_HANDSHAKE_FAILED', err.message);
});

test('grpc - a closed port is ADDRESS_UNREACHABLE for ExchangeSecret and openStream', async (t) => {
  const pki = await makeTestPki();
  const address = `127.0.0.1:${await closedPort()}`;
  const tr = transport(t);
  const err = await rejectsWith(
    tr.exchangeSecret(
      { addresses: [address], serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
      { PeerID: 'p', EstablishmentSecret: 's' },
    ),
  );
  assert.equal(err.reason, 'ADDRESS_UNREACHABLE', err.message);
  assert.equal(err.address, address);
  assert.match(err.message, /ECONNREFUSED/);

  const streamErr = await rejectsWith(
    tr.openStream(address, { serverName: TEST_SERVER_NAME, caPems: [pki.caPem] }, AbortSignal.timeout(5_000)),
  );
  assert.equal(streamErr.reason, 'ADDRESS_UNREACHABLE', streamErr.message);
  assert.equal(streamErr.grpcCode, GrpcStatus.UNAVAILABLE);
});

test('grpc - openStream honours an aborted signal', async (t) => {
  const { address, pki } = await startServer(t);
  const tr = transport(t);
  const ac = new AbortController();
  ac.abort(new Error('shutting down'));
  await assert.rejects(
    tr.openStream(address, { serverName: TEST_SERVER_NAME, caPems: [pki.caPem] }, ac.signal),
    /shutting down/,
  );
});

test('grpc - methods other than PeerStreamService are refused', async (t) => {
  const { address, pki } = await startServer(t);
  const client = new Client(address, grpcCredentials.createSsl(Buffer.from(pki.caPem)), {
    'grpc.ssl_target_name_override': TEST_SERVER_NAME,
    'grpc.default_authority': TEST_SERVER_NAME,
  });
  t.after(() => {
    client.close();
  });
  const call = (path: string): Promise<{ code: number; details: string }> =>
    new Promise((resolve) => {
      client.makeUnaryRequest(
        path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        new Metadata(),
        { deadline: Date.now() + 5_000 },
        (err) => {
          resolve({ code: err?.code ?? GrpcStatus.OK, details: err?.details ?? '' });
        },
      );
    });
  // Consul's management service, served on the same port for local use, is denied to peers.
  assert.deepEqual(await call('/hashicorp.consul.internal.peering.PeeringService/GenerateToken'), {
    code: GrpcStatus.PERMISSION_DENIED,
    details: 'invalid permissions to the specified endpoint',
  });
  assert.deepEqual(await call('/hashicorp.consul.internal.peering.PeeringService/PeeringList'), {
    code: GrpcStatus.PERMISSION_DENIED,
    details: 'invalid permissions to the specified endpoint',
  });
  // Anything unknown gets grpc-js's UNIMPLEMENTED (dispatch happens before interceptors could run).
  assert.equal((await call('/some.Other/Method')).code, GrpcStatus.UNIMPLEMENTED);
});

test('grpc - reloadCredentials serves the new certificate to new connections', async (t) => {
  const started = await startServer(t);
  const next = await makeTestPki();
  started.setPki(next);
  started.server.reloadCredentials();
  const tr = transport(t);
  const secret = await tr.exchangeSecret(
    { addresses: [started.address], serverName: TEST_SERVER_NAME, caPems: [next.caPem] },
    { PeerID: 'p', EstablishmentSecret: 's' },
  );
  assert.equal(secret, 'stream-secret');
});

test('grpc - reloadCredentials rejects a mismatched key and keeps serving', async (t) => {
  const started = await startServer(t);
  const other = await makeTestPki();
  started.setPki({ ...started.pki, keyPem: other.keyPem });
  assert.throws(() => {
    started.server.reloadCredentials();
  });
  const tr = transport(t);
  const secret = await tr.exchangeSecret(
    { addresses: [started.address], serverName: TEST_SERVER_NAME, caPems: [started.pki.caPem] },
    { PeerID: 'p', EstablishmentSecret: 's' },
  );
  assert.equal(secret, 'stream-secret');
});

test('grpc - close() cancels open streams after the grace period and is idempotent', async (t) => {
  const { server, address, pki } = await startServer(t);
  const tr = transport(t);
  const stream = await tr.openStream(
    address,
    { serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
    AbortSignal.timeout(5_000),
  );
  await stream.send({ kind: 'heartbeat' });
  const deadline = Date.now() + 5_000;
  while (server.activeStreams === 0) {
    assert.ok(Date.now() < deadline, 'server never saw the stream');
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all([server.close(), server.close()]);
  const err = await stream.recv().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof PeerDialError, String(err));
  await assert.rejects(server.listen('127.0.0.1', 0), /closed/);
});
