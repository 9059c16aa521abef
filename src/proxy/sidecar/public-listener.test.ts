import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, createServer as netServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';

import { silentLogger } from '../../logging/index.js';
import { ProxyCounters } from './counters.js';
import { L7Gateway } from './l7-gateway.js';
import { PublicListener } from './public-listener.js';
import { testCluster } from './testing/test-ca.js';
import { TlsMaterial } from './tls-material.js';

/** Rejects after `ms` (a deadline for an event that must come long before the listener's own timeouts). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what}: not within ${String(ms)} ms`));
    }, ms);
  });
  return Promise.race([p, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

/** A local "application" that answers `got:<bytes>` only after the caller half-closed its side. */
async function replyAfterEndApp(): Promise<{ port: number; close: () => void }> {
  const app = netServer({ allowHalfOpen: true }, (s: Socket) => {
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('end', () => s.end(`got:${got}`));
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  return { port: (app.address() as AddressInfo).port, close: () => app.close() };
}

test('public listener - a client that closes before its ClientHello is let go at once, not held to the handshake timeout; half-close still works once secure', async () => {
  const cluster = await testCluster('dc1');
  const material = new TlsMaterial();
  material.setLeaf(cluster.serviceLeaf('api'));
  material.setRoots(cluster.roots);
  const app = await replyAfterEndApp();
  const counters = new ProxyCounters();
  const config = {
    bindAddress: '127.0.0.1',
    bindPort: 0,
    localServiceAddress: '127.0.0.1',
    localServicePort: app.port,
    localConnectTimeoutMs: 5_000,
    handshakeTimeoutMs: 120_000,
    maxConnections: 16,
    idleTimeoutMs: 120_000,
  };
  const logger = silentLogger();
  // tcp: the L7 gateway is never used here.
  const l7 = new L7Gateway({
    logger,
    counters,
    listener: () => config,
    intentions: () => [],
    defaultAllow: true,
    selfUri: () => '',
  });
  const listener = new PublicListener(config, 'tcp', {
    material,
    counters,
    logger,
    authorize: () => Promise.resolve({ allowed: true, reason: 'test' }),
    l7,
  });
  await listener.listen();
  try {
    // Like the agent's TCP check: connect, send FIN, nothing else. The listener must close its side promptly.
    const probe = netConnect({ host: '127.0.0.1', port: listener.port, allowHalfOpen: true });
    probe.on('error', () => undefined);
    await once(probe, 'connect');
    probe.end();
    probe.resume();
    await within(once(probe, 'close'), 20_000, 'pre-handshake FIN closed by the listener');
    assert.equal(counters.snapshot().handshake_timeouts, 0);

    // A secure caller half-closes after its request; the application's answer still comes back.
    const web = cluster.serviceLeaf('web');
    const c = tlsConnect({
      host: '127.0.0.1',
      port: listener.port,
      cert: web.CertPEM,
      key: web.PrivateKeyPEM,
      ca: cluster.rootPem,
      checkServerIdentity: () => undefined,
    });
    await once(c, 'secureConnect');
    let answer = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => (answer += d));
    c.end('ping');
    await within(once(c, 'end'), 20_000, 'answer after half-close');
    assert.equal(answer, 'got:ping');
    c.destroy();
  } finally {
    await listener.close(true);
    app.close();
  }
});
