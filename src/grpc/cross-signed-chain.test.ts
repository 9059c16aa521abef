/**
 * After a root rotation, a peer whose trust bundle still holds only the old root opens a verified peering stream
 * to a server whose certificate the new root signed, because the listener sends the cross-signed copy of the new
 * root after the leaf (agent `ServerCertificate.chainPem`). Without that copy the handshake is refused.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';

import { crossSignRoot, generateRootCA, signServerPeeringCert } from '../connect/index.js';
import { silentLogger } from '../logging/index.js';
import type { BidiStream } from '../peering/index.js';
import { GrpcTlsServer, createPeerTransport } from './index.js';
import { TEST_DATACENTER, TEST_SERVER_NAME, TEST_TRUST_DOMAIN } from './peerstream/testing/pki.js';

const logger = silentLogger();

async function echo(s: BidiStream): Promise<void> {
  for (;;) {
    const m = await s.recv();
    if (m === null) return;
    await s.send(m);
  }
}

async function serve(t: TestContext, certPem: string, keyPem: string, caPem: string): Promise<number> {
  const server = new GrpcTlsServer({
    logger,
    handlers: { exchangeSecret: () => Promise.resolve('s'), streamResources: echo },
    credentials: () => ({ certPem, keyPem, caPem }),
    shutdownGraceMs: 200,
  });
  const port = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  return port;
}

test('grpc - a peer trusting only the old root accepts the new root’s server certificate via the cross-signed copy', async (t) => {
  const clusterId = TEST_TRUST_DOMAIN.replace(/\.consul$/, '');
  const oldCa = await generateRootCA({ clusterId, datacenter: TEST_DATACENTER });
  const newCa = await generateRootCA({ clusterId, datacenter: TEST_DATACENTER, keyBits: 384 });
  const cross = await crossSignRoot({
    newRootPem: newCa.root.RootCert,
    oldRoot: oldCa.root,
    oldSigningKeyPem: oldCa.signingKeyPem,
  });
  const leaf = await signServerPeeringCert({
    root: newCa.root,
    signingKeyPem: newCa.signingKeyPem,
    datacenter: TEST_DATACENTER,
    trustDomain: TEST_TRUST_DOMAIN,
  });
  const tr = createPeerTransport({ logger });
  t.after(() => {
    tr.close();
  });
  const trustsOldOnly = { serverName: TEST_SERVER_NAME, caPems: [oldCa.root.RootCert] };

  const withChain = await serve(t, leaf.certPem + cross, leaf.keyPem, newCa.root.RootCert);
  const stream = await tr.openStream(`127.0.0.1:${withChain}`, trustsOldOnly, AbortSignal.timeout(10_000));
  await stream.send({ kind: 'heartbeat' });
  assert.deepEqual(await stream.recv(), { kind: 'heartbeat' });
  stream.end();

  const leafOnly = await serve(t, leaf.certPem, leaf.keyPem, newCa.root.RootCert);
  await assert.rejects(tr.openStream(`127.0.0.1:${leafOnly}`, trustsOldOnly, AbortSignal.timeout(10_000)));
});
