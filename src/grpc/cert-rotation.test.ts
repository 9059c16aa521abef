/**
 * Certificate renewal on the peering gRPC TLS listener, end to end over loopback: the certificate manager (fake
 * clock, 1 h certificates) renews the server's peering certificate at ~60 % of its lifetime, the listener swaps
 * it in, an open stream keeps working, and a new TLS handshake is answered with the new certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import { test } from 'node:test';

import {
  CertManager,
  SERVER_PEERING_CERT_KEY,
  generateRootCA,
  serverPeeringSigner,
  type SignedCertificate,
} from '../connect/index.js';
import { FakeClock } from '../lib/testing/fake-clock.js';
import { silentLogger } from '../logging/index.js';
import type { BidiStream } from '../peering/index.js';
import { GrpcTlsServer, createPeerTransport } from './index.js';
import { TEST_DATACENTER, TEST_SERVER_NAME, TEST_TRUST_DOMAIN } from './peerstream/testing/pki.js';

const logger = silentLogger();

/** Echoes every message back until the peer half-closes. */
async function echo(s: BidiStream): Promise<void> {
  for (;;) {
    const m = await s.recv();
    if (m === null) return;
    await s.send(m);
  }
}

/**
 * The serial of the certificate a fresh TLS handshake is answered with. Not verified: the renewed certificate's
 * validity starts at the fake clock's time, which may lie ahead of the real one.
 */
function handshakeSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: TEST_SERVER_NAME,
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const serial = socket.getPeerX509Certificate()?.serialNumber;
      socket.destroy();
      if (serial === undefined) reject(new Error('no peer certificate'));
      else resolve(serial);
    });
    socket.once('error', reject);
  });
}

test('grpc - a renewed certificate is swapped in: open streams survive, new handshakes get the new serial', async (t) => {
  const clock = new FakeClock(Date.now());
  const ca = await generateRootCA({ clusterId: 'test', datacenter: TEST_DATACENTER });
  const inflight = new Set<Promise<SignedCertificate>>();
  const sign = serverPeeringSigner({
    activeRoot: () => ca,
    datacenter: TEST_DATACENTER,
    trustDomain: TEST_TRUST_DOMAIN,
    now: () => clock.now(),
    ttlHours: 1,
  });
  const manager = new CertManager<string>({
    logger,
    clock,
    random: () => 0,
    keyOf: (k) => k,
    sign: () => {
      const p = sign();
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      return p;
    },
  });
  t.after(() => {
    manager.close();
  });
  const first = await manager.ensure(SERVER_PEERING_CERT_KEY);

  const server = new GrpcTlsServer({
    logger,
    handlers: { exchangeSecret: () => Promise.resolve('s'), streamResources: echo },
    credentials: () => {
      const c = manager.current(SERVER_PEERING_CERT_KEY);
      assert.ok(c);
      return { certPem: c.certPem, keyPem: c.keyPem, caPem: ca.root.RootCert };
    },
    shutdownGraceMs: 200,
  });
  manager.subscribe(SERVER_PEERING_CERT_KEY, () => {
    server.reloadCredentials();
  });
  const port = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  assert.equal(await handshakeSerial(port), first.serial);

  // A verified stream, opened with the first certificate.
  const tr = createPeerTransport({ logger });
  t.after(() => {
    tr.close();
  });
  const stream = await tr.openStream(
    `127.0.0.1:${port}`,
    { serverName: TEST_SERVER_NAME, caPems: [ca.root.RootCert] },
    AbortSignal.timeout(10_000),
  );
  await stream.send({ kind: 'heartbeat' });
  assert.deepEqual(await stream.recv(), { kind: 'heartbeat' });

  // Just before 60 % of the lifetime nothing changes; at 60 % (jitter draw 0) the certificate is renewed.
  const idle = async (): Promise<void> => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  };
  await clock.advance(first.renewAt - clock.now() - 1, idle);
  assert.equal(manager.current(SERVER_PEERING_CERT_KEY), first);
  assert.equal(first.renewAt - first.validFrom, 0.6 * 3_600_000);
  await clock.advance(1, idle);
  const second = manager.current(SERVER_PEERING_CERT_KEY);
  assert.ok(second);
  assert.notEqual(second.serial, first.serial);

  // New handshakes see the new certificate (the swap reaches grpc-js on a microtask; poll briefly, no sleep).
  const deadline = Date.now() + 5_000;
  let seen = await handshakeSerial(port);
  while (seen !== second.serial && Date.now() < deadline) seen = await handshakeSerial(port);
  assert.equal(seen, second.serial);
  assert.ok(new X509Certificate(second.certPem).checkIssued(new X509Certificate(ca.root.RootCert)));

  // The stream opened before the renewal still carries messages both ways.
  await stream.send({ kind: 'heartbeat' });
  assert.deepEqual(await stream.recv(), { kind: 'heartbeat' });
  assert.equal(server.activeStreams, 1);
  stream.end();
  assert.equal(await stream.recv(), null);
});
