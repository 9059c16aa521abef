/**
 * StreamResources through both adapters over a real TLS loopback connection: message round trips, status
 * propagation, backpressure, message size limits and lenient decoding of peer input.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { create } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';
import { Client, Metadata, credentials as grpcCredentials, status as GrpcStatus } from '@grpc/grpc-js';

import {
  Operation,
  ReplicationMessage_HeartbeatSchema,
  ReplicationMessage_ResponseSchema,
  ReplicationMessageSchema,
} from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import { silentLogger } from '../../logging/index.js';
import {
  PeerDialError,
  STREAM_CODE,
  StreamError,
  TYPE_URL,
  type BidiStream,
  type ReplicationMessage,
} from '../../peering/index.js';
import { GrpcTlsServer } from '../server.js';
import { GrpcBidiStream, type PeerBidiStream } from './bidi.js';
import { createPeerTransport } from './client.js';
import { STREAM_RESOURCES_PATH, replicationMessageCodec } from './methods.js';
import type { OutgoingWireMessage } from './encoded-response.js';
import type { InboundMessage } from './inbound-decode.js';
import { makeTestPki, TEST_SERVER_NAME, type TestPki } from './testing/pki.js';
import { sampleMessages } from './testing/samples.js';

const logger = silentLogger();

/** A deferred the server handler resolves with its stream, so tests can drive both ends. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Polls `cond` on every turn of the event loop until it holds, failing after `timeoutMs`. */
async function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

interface Pair {
  pki: TestPki;
  address: string;
  /** The client end (dialer). */
  client: PeerBidiStream;
  /** The server end, as handed to the handler. */
  server: Promise<GrpcBidiStream>;
  /** Settles when the server handler returns. */
  handlerDone: Promise<undefined>;
}

/**
 * Starts a server whose StreamResources handler exposes its stream and runs `serve` (default: wait until the
 * test resolves `release`), then opens a client stream to it.
 */
async function open(
  t: TestContext,
  opts: { serve?: (s: GrpcBidiStream) => Promise<void>; maxReceiveMessageBytes?: number } = {},
): Promise<Pair> {
  const pki = await makeTestPki();
  const serverStream = deferred<GrpcBidiStream>();
  const handlerDone = deferred<undefined>();
  const server = new GrpcTlsServer({
    logger,
    handlers: {
      exchangeSecret: () => Promise.resolve('x'),
      streamResources: async (s: BidiStream) => {
        assert.ok(s instanceof GrpcBidiStream);
        serverStream.resolve(s);
        try {
          if (opts.serve) await opts.serve(s);
          else while ((await s.recv()) !== null);
        } finally {
          handlerDone.resolve(undefined);
        }
      },
    },
    credentials: () => pki,
    shutdownGraceMs: 200,
    ...(opts.maxReceiveMessageBytes === undefined
      ? {}
      : { maxReceiveMessageBytes: opts.maxReceiveMessageBytes }),
  });
  const port = await server.listen('127.0.0.1', 0);
  const transport = createPeerTransport({ logger });
  t.after(async () => {
    transport.close();
    await server.close();
  });
  const address = `127.0.0.1:${port}`;
  const client = await transport.openStream(
    address,
    { serverName: TEST_SERVER_NAME, caPems: [pki.caPem] },
    AbortSignal.timeout(10_000),
  );
  return { pki, address, client, server: serverStream.promise, handlerDone: handlerDone.promise };
}

test('grpc - StreamResources carries every domain message kind both ways unchanged', async (t) => {
  const echoed: ReplicationMessage[] = [];
  const pair = await open(t, {
    serve: async (s) => {
      for (;;) {
        const m = await s.recv();
        if (m === null) break;
        echoed.push(m);
        await s.send(m);
      }
    },
  });
  const samples = sampleMessages();
  for (const m of samples) await pair.client.send(m);
  const back: ReplicationMessage[] = [];
  for (let i = 0; i < samples.length; i++) {
    const m = await pair.client.recv();
    assert.ok(m !== null);
    back.push(m);
  }
  assert.deepEqual(echoed, samples, 'client → server');
  assert.deepEqual(back, samples, 'server → client');

  // Graceful end: the client half-closes, the server sees EOF, returns, and the client sees the end.
  pair.client.end();
  await pair.handlerDone;
  assert.equal(await pair.client.recv(), null);
  await assert.rejects(pair.client.send({ kind: 'heartbeat' }));
});

test('grpc - server fail() reaches the dialer as a classified PeerDialError after earlier messages', async (t) => {
  const pair = await open(t, {
    serve: async (s) => {
      const first = await s.recv();
      assert.equal(first?.kind, 'open');
      await s.send({ kind: 'terminated' });
      s.fail(new StreamError(STREAM_CODE.aborted, 'peering is marked as deleted: p'));
    },
  });
  await pair.client.send({ kind: 'open', peerId: 'p', streamSecretId: 's', remote: undefined });
  assert.deepEqual(await pair.client.recv(), { kind: 'terminated' });
  const err = await pair.client.recv().then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PeerDialError);
  assert.equal(err.grpcCode, GrpcStatus.ABORTED);
  assert.equal(err.reason, 'STREAM_ERROR');
  assert.equal(err.address, pair.address);
  assert.match(err.message, /ABORTED: peering is marked as deleted: p/);
});

test('grpc - a rejected stream secret is SECRET_REJECTED; FAILED_PRECONDITION keeps its code', async (t) => {
  for (const [code, text, reason] of [
    [STREAM_CODE.permissionDenied, 'invalid peering stream secret', 'SECRET_REJECTED'],
    [STREAM_CODE.failedPrecondition, 'cannot establish a peering stream on a follower node', 'STREAM_ERROR'],
  ] as const) {
    const pair = await open(t, {
      serve: (s) => {
        s.fail(new StreamError(code, text));
        return Promise.resolve();
      },
    });
    await pair.client
      .send({ kind: 'open', peerId: 'p', streamSecretId: 'bad', remote: undefined })
      .catch(() => undefined);
    const err = await pair.client.recv().then(
      () => assert.fail('expected an error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PeerDialError);
    assert.equal(err.reason, reason);
    assert.equal(err.grpcCode, code);
    assert.match(err.message, new RegExp(text));
  }
});

test('grpc - a handler that throws ends the call: StreamError keeps its status, others become INTERNAL', async (t) => {
  const pair = await open(t, {
    serve: () => Promise.reject(new Error('boom: internal detail')),
  });
  const err = await pair.client.recv().then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PeerDialError);
  assert.equal(err.grpcCode, GrpcStatus.INTERNAL);
  assert.doesNotMatch(err.message, /boom/);
});

test('grpc - the dialer cancelling (fail) rejects the server recv', async (t) => {
  const pair = await open(t, { serve: async () => new Promise(() => undefined) });
  const server = await pair.server;
  const pending = server.recv();
  pair.client.fail(new StreamError(STREAM_CODE.internal, 'local failure'));
  await assert.rejects(pending, /cancelled|closed/);
  await assert.rejects(pair.client.send({ kind: 'heartbeat' }), /local failure/);
});

test('grpc - backpressure: 5,000 × 10 KB to a slow reader waits for drain and stays bounded', async (t) => {
  const COUNT = 5_000;
  const SIZE = 10 * 1024;
  const payload = 'x'.repeat(SIZE);
  const got: string[] = [];
  const sender: { stream?: PeerBidiStream } = {};
  let heapPeak = 0;
  const heapBase = process.memoryUsage().heapUsed;
  const pair = await open(t, {
    serve: async (s) => {
      // Read nothing until the sender has been made to wait, then read slowly (one message per loop turn).
      await until(() => (sender.stream?.stats.drainWaits ?? 0) > 0, 'the sender to wait for drain');
      for (;;) {
        const m = await s.recv();
        if (m === null) break;
        assert.ok(m.kind === 'response' && m.resource?.type === 'exported-service-list');
        got.push(m.nonce);
        if (got.length % 100 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
        await new Promise((r) => setImmediate(r));
      }
    },
  });
  sender.stream = pair.client;
  const started = Date.now();
  for (let i = 0; i < COUNT; i++) {
    await pair.client.send({
      kind: 'response',
      nonce: i.toString(16).padStart(8, '0'),
      resourceUrl: TYPE_URL.exportedServiceList,
      resourceId: 'exported-service-list',
      resource: { type: 'exported-service-list', services: [payload] },
      operation: 1,
    });
  }
  pair.client.end();
  await pair.handlerDone;
  const server = await pair.server;
  assert.equal(got.length, COUNT);
  assert.deepEqual(got.slice(0, 3), ['00000000', '00000001', '00000002']);
  assert.equal(got[COUNT - 1], (COUNT - 1).toString(16).padStart(8, '0'));
  assert.ok(pair.client.stats.drainWaits >= 1, 'sender awaited drain');
  assert.equal(pair.client.stats.sent, COUNT);
  // The receive side never held more than the readable high-water mark (16) plus the message in flight.
  assert.ok(server.stats.maxQueued <= 17, `server queued ${server.stats.maxQueued}`);
  t.diagnostic(
    `sent ${COUNT} x ${SIZE} B in ${Date.now() - started} ms; drain waits ${pair.client.stats.drainWaits}; ` +
      `server max queued ${server.stats.maxQueued}; heap growth at peak ${((heapPeak - heapBase) / 1048576).toFixed(1)} MiB`,
  );
});

test('grpc - a message over the receive limit fails the call with RESOURCE_EXHAUSTED', async (t) => {
  const pair = await open(t, { maxReceiveMessageBytes: 64 * 1024 });
  const server = await pair.server;
  const serverRecv = server.recv().then(
    (m) => ({ ok: true as const, m }),
    (e: unknown) => ({ ok: false as const, e }),
  );
  await pair.client.send({
    kind: 'response',
    nonce: '00000001',
    resourceUrl: TYPE_URL.trustBundle,
    resourceId: 'roots',
    resource: {
      type: 'trust-bundle',
      trustDomain: 'td',
      rootPems: ['x'.repeat(100 * 1024)],
      exportedPartition: '',
    },
    operation: 1,
  });
  const err = await pair.client.recv().then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PeerDialError);
  assert.equal(err.grpcCode, GrpcStatus.RESOURCE_EXHAUSTED);
  assert.equal(err.reason, 'STREAM_ERROR');
  const r = await serverRecv;
  assert.equal(r.ok, false, 'the server side does not receive the oversized message');
});

test('grpc - the default server limit is 4 MiB (a 5 MiB message from an 8 MiB dialer is refused)', async (t) => {
  const pair = await open(t);
  await pair.client.send({
    kind: 'response',
    nonce: '00000001',
    resourceUrl: TYPE_URL.exportedServiceList,
    resourceId: 'exported-service-list',
    resource: { type: 'exported-service-list', services: ['y'.repeat(5 * 1024 * 1024)] },
    operation: 1,
  });
  const err = await pair.client.recv().then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof PeerDialError);
  assert.equal(err.grpcCode, GrpcStatus.RESOURCE_EXHAUSTED);
});

test('grpc - raw peer input: unknown Any type URL is undecodable, payload-less messages are skipped', async (t) => {
  const pki = await makeTestPki();
  const received: ReplicationMessage[] = [];
  const done = deferred<undefined>();
  const server = new GrpcTlsServer({
    logger,
    handlers: {
      exchangeSecret: () => Promise.resolve('x'),
      streamResources: async (s) => {
        for (;;) {
          const m = await s.recv();
          if (m === null) break;
          received.push(m);
        }
        done.resolve(undefined);
      },
    },
    credentials: () => pki,
    shutdownGraceMs: 200,
  });
  const port = await server.listen('127.0.0.1', 0);
  const raw = new Client(`127.0.0.1:${port}`, grpcCredentials.createSsl(Buffer.from(pki.caPem)), {
    'grpc.ssl_target_name_override': TEST_SERVER_NAME,
    'grpc.default_authority': TEST_SERVER_NAME,
  });
  t.after(async () => {
    raw.close();
    await server.close();
  });
  const call = raw.makeBidiStreamRequest<OutgoingWireMessage, InboundMessage>(
    STREAM_RESOURCES_PATH,
    replicationMessageCodec.serialize,
    replicationMessageCodec.deserialize,
    new Metadata(),
  );
  call.on('error', () => undefined);
  const url = 'type.googleapis.com/example.Unknown';
  call.write(create(ReplicationMessageSchema)); // no payload: ignored
  call.write(
    create(ReplicationMessageSchema, {
      Payload: {
        case: 'response',
        value: create(ReplicationMessage_ResponseSchema, {
          Nonce: '00000001',
          ResourceURL: url,
          ResourceID: 'x',
          operation: Operation.UPSERT,
          Resource: create(AnySchema, { typeUrl: url, value: new Uint8Array([0xff, 0xff]) }),
        }),
      },
    }),
  );
  call.write(
    create(ReplicationMessageSchema, {
      Payload: { case: 'heartbeat', value: create(ReplicationMessage_HeartbeatSchema) },
    }),
  );
  call.end();
  await done.promise;
  assert.equal(received.length, 2);
  const [resp, hb] = received;
  assert.ok(resp?.kind === 'response' && resp.resource?.type === 'undecodable');
  assert.equal(resp.resource.typeUrl, url);
  assert.deepEqual(hb, { kind: 'heartbeat' });
});
