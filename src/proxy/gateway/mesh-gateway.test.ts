import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { generateRootCA } from '../../connect/index.js';
import { silentLogger } from '../../logging/index.js';
import type { FollowRead } from './follow.js';
import type { GatewaySource } from './gateway-source.js';
import { MeshGateway } from './mesh-gateway.js';
import { RoutingView } from './routing-view.js';

const TD = '11111111-2222-3333-4444-555555555555.consul';
const PEER_TD = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.consul';

/** A blocking read that answers `value` at index 1, then blocks until aborted (nothing changes). */
function fixed<T>(value: T): FollowRead<T> {
  return (index, signal) =>
    index === 0
      ? Promise.resolve({ value, index: 1 })
      : new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
}

/** A TLS echo server standing in for a sidecar's public listener. */
async function tlsEcho(t: TestContext): Promise<{ port: number; ca: string }> {
  const { root, signingKeyPem } = await generateRootCA({ clusterId: TD.split('.')[0]!, datacenter: 'dcb' });
  const server = tls.createServer({ cert: root.RootCert, key: signingKeyPem, allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, ca: root.RootCert };
}

function entry(port: number, extra: Record<string, unknown> = {}): any {
  return {
    Node: { Node: 'n1', Address: '127.0.0.1', TaggedAddresses: null },
    Service: { Kind: 'connect-proxy', ID: 'p', Service: 'p', Address: '127.0.0.1', Port: port, ...extra },
    Checks: [],
  };
}

async function startGateway(t: TestContext, localPort: number, peerGatewayPort: number, apiSni: string) {
  const source: GatewaySource = {
    trustDomain: fixed(TD),
    exports: fixed({
      Kind: 'exported-services',
      Name: 'default',
      Services: [{ Name: 'web', Consumers: [{ Peer: 'a' }] }],
    }),
    peers: fixed(['b']),
    trustBundle: () => fixed({ TrustDomain: PEER_TD.toUpperCase(), PeerName: 'b', RootPEMs: [] }),
    healthyConnect: (service, peer) => {
      if (peer === 'b' && service === 'api') {
        return fixed([
          entry(1, {
            TaggedAddresses: { wan: { Address: '127.0.0.1', Port: peerGatewayPort } },
            Connect: { PeerMeta: { SNI: [apiSni] } },
          }),
        ]);
      }
      return fixed(peer === undefined && (service === 'web' || service === 'db') ? [entry(localPort)] : []);
    },
  };
  const view = new RoutingView(source, { datacenter: 'dcb', logger: silentLogger() });
  await view.start();
  // Peer bundles follow asynchronously after the peer list: wait (deadline) until b's trust domain is known.
  const deadline = Date.now() + 5_000;
  while (!view.context().peerByTrustDomain.has(PEER_TD)) {
    assert.ok(Date.now() < deadline, 'peer trust domain never known');
    await new Promise((r) => setTimeout(r, 5));
  }
  const gw = new MeshGateway({ view, logger: silentLogger(), clientHelloTimeoutMs: 2_000 });
  const { port } = await gw.listen(0, '127.0.0.1');
  t.after(async () => {
    await gw.close();
    view.close();
  });
  return { gw, port };
}

async function roundTrip(port: number, servername: string, ca: string, payload: Buffer): Promise<Buffer> {
  const socket = tls.connect({
    port,
    host: '127.0.0.1',
    servername,
    ca,
    checkServerIdentity: () => undefined,
  });
  await once(socket, 'secureConnect');
  const parts: Buffer[] = [];
  socket.on('data', (c: Buffer) => parts.push(c));
  const ended = once(socket, 'end');
  socket.end(payload);
  await ended;
  socket.destroy();
  return Buffer.concat(parts);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Connects, sends `bytes` and answers whether the gateway closed the connection without a byte back. */
async function closedWithoutReply(
  port: number,
  bytes: Buffer | undefined,
  servername?: string,
): Promise<boolean> {
  if (servername !== undefined) {
    const s = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false });
    s.on('error', () => undefined);
    const ev = await Promise.race([
      new Promise((r) => s.once('secureConnect', () => r('connected'))),
      new Promise((r) => s.once('close', () => r('closed'))),
    ]);
    s.destroy();
    return ev !== 'connected';
  }
  const s = net.connect({ port, host: '127.0.0.1' });
  s.on('error', () => undefined);
  let got = 0;
  s.on('data', (c: Buffer) => (got += c.length));
  s.write(bytes ?? Buffer.alloc(0));
  await once(s, 'close');
  return got === 0;
}

test('mesh gateway - routes exported, local-datacenter and outgoing peer SNIs without terminating TLS', async (t) => {
  const local = await tlsEcho(t);
  const peerGw = await tlsEcho(t);
  const apiSni = `api.default.default.dcb.external.${PEER_TD}`;
  const { gw, port } = await startGateway(t, local.port, peerGw.port, apiSni);
  for (const size of [1, 1000, 3 * 1024 * 1024 + 5]) {
    const payload = randomBytes(size);
    const echoed = await roundTrip(port, `web.default.default.a.external.${TD}`, local.ca, payload);
    assert.equal(sha(echoed), sha(payload), `exported, ${size} bytes`);
  }
  const small = randomBytes(4096);
  assert.equal(sha(await roundTrip(port, `db.default.dcb.internal.${TD}`, local.ca, small)), sha(small));
  // Local mode: an SNI under peer b's trust domain goes to b's gateway (here the second echo, its own CA).
  assert.equal(sha(await roundTrip(port, apiSni, peerGw.ca, small)), sha(small));
  const c = gw.counters();
  assert.equal(c.connectionsForwarded, 5);
  assert.ok(c.bytesUp >= 3 * 1024 * 1024 && c.bytesDown >= 3 * 1024 * 1024);
  assert.equal(
    Object.values(c.refused).reduce((a, b) => a + b, 0),
    0,
  );
});

test('mesh gateway - a service not exported to the peer, garbage, unknown SNIs and no endpoints are closed and counted', async (t) => {
  const local = await tlsEcho(t);
  const { gw, port } = await startGateway(t, local.port, 1, 'x');
  assert.ok(await closedWithoutReply(port, undefined, `db.default.default.a.external.${TD}`)); // db is not exported
  assert.ok(await closedWithoutReply(port, undefined, `web.default.default.c.external.${TD}`)); // not to peer c
  assert.ok(await closedWithoutReply(port, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')));
  assert.ok(await closedWithoutReply(port, randomBytes(5000)));
  assert.ok(await closedWithoutReply(port, undefined, 'example.com'));
  assert.ok(await closedWithoutReply(port, undefined, `nothing.default.dcb.internal.${TD}`));
  assert.ok(await closedWithoutReply(port, undefined, `api.default.default.dcb.external.${PEER_TD}`)); // SNI not in PeerMeta
  const c = gw.counters();
  assert.equal(c.refused['not-exported'], 2);
  assert.equal(c.refused['bad-client-hello'], 2);
  assert.equal(c.refused['unknown-sni'], 1);
  assert.equal(c.refused['no-endpoints'], 2);
  assert.equal(c.connectionsForwarded, 0);
  // The gateway still serves after all that.
  const payload = randomBytes(10_000);
  assert.equal(
    sha(await roundTrip(port, `web.default.default.a.external.${TD}`, local.ca, payload)),
    sha(payload),
  );
});

test('mesh gateway - connections over the cap are closed at accept and counted', async (t) => {
  const local = await tlsEcho(t);
  const source: GatewaySource = {
    trustDomain: fixed(TD),
    exports: fixed(null),
    peers: fixed([]),
    trustBundle: () => fixed(null),
    healthyConnect: () => fixed([entry(local.port)]),
  };
  const view = new RoutingView(source, { datacenter: 'dcb', logger: silentLogger() });
  await view.start();
  const gw = new MeshGateway({
    view,
    logger: silentLogger(),
    maxConnections: 2,
    clientHelloTimeoutMs: 10_000,
  });
  const { port } = await gw.listen(0, '127.0.0.1');
  t.after(async () => {
    await gw.close();
    view.close();
  });
  // Two silent connections hold both slots (their ClientHello deadline is long); the third is closed at once.
  const held = [net.connect({ port, host: '127.0.0.1' }), net.connect({ port, host: '127.0.0.1' })];
  for (const h of held) h.on('error', () => undefined);
  const deadline = Date.now() + 5_000;
  while (gw.counters().connectionsActive < 2) {
    assert.ok(Date.now() < deadline);
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(await closedWithoutReply(port, Buffer.from([22])));
  assert.equal(gw.counters().refused['over-capacity'], 1);
  for (const h of held) h.destroy();
});
