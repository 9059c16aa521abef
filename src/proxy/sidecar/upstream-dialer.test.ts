// The DestinationPeer path with fakes: a TLS server standing in for the peer's mesh gateway (the real gateway
// passes TLS through to the exporting sidecar; here it terminates with a leaf the peer's CA signed).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  connect as netConnect,
  createServer as createNetServer,
  type AddressInfo,
  type Socket,
} from 'node:net';
import { test, type TestContext } from 'node:test';
import { createServer, type TLSSocket } from 'node:tls';

import type { LeafCert } from '../../api/index.js';
import { EndpointPicker } from './endpoint-picker.js';
import { testCluster } from './testing/test-ca.js';
import { TlsMaterial } from './tls-material.js';
import { dialUpstream } from './upstream-dialer.js';
import { peerTarget, throughLocalGateways } from './upstream-target.js';

/** A TLS server presenting `leaf`, trusting `clientRoots`, recording each SNI and echoing one line. */
async function fakeGateway(t: TestContext, leaf: LeafCert, clientRoots: string[]) {
  const snis: string[] = [];
  const callers: string[] = [];
  const server = createServer(
    {
      cert: leaf.CertPEM,
      key: leaf.PrivateKeyPEM,
      ca: clientRoots,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (s: TLSSocket) => {
      snis.push((s as TLSSocket & { servername: string }).servername);
      callers.push(s.getPeerCertificate().subjectaltname ?? '');
      s.pipe(s);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, snis, callers };
}

/** A TCP pass-through standing in for the local mesh gateway (it routes by SNI, never terminates TLS). */
async function passThrough(t: TestContext, toPort: number) {
  let connections = 0;
  const open = new Set<Socket>();
  // Half-open, as the real gateway: the dialler's FIN must not end the echo coming back.
  const server = createNetServer({ allowHalfOpen: true }, (down) => {
    connections += 1;
    const up = netConnect({ host: '127.0.0.1', port: toPort, allowHalfOpen: true });
    for (const s of [down, up]) {
      open.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        open.delete(s);
        down.destroy();
        up.destroy();
      });
    }
    down.pipe(up).pipe(down);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of open) s.destroy();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('peer upstream - local mode: dialled at the local gateway with the peer’s SNI, SAN check and bundle; the peer’s own gateway address is not dialled', async (t) => {
  const local = await testCluster('dc1');
  const peer = await testCluster('dcb');
  const peerGw = await fakeGateway(t, peer.gatewayLeaf(), [local.rootPem]);
  const localGw = await passThrough(t, peerGw.port);
  const material = new TlsMaterial();
  material.setLeaf(local.serviceLeaf('web'));
  material.setRoots(local.roots);
  material.setPeerBundle('b', peer.bundle('b'));
  const sni = `api.default.default.cluster-a.external.${peer.trustDomain}`;
  const unreachable = await closedPort();
  const remote = peerTarget('b', [
    {
      Node: {
        ID: '',
        Node: 'gw',
        Address: '127.0.0.1',
        Datacenter: 'dcb',
        TaggedAddresses: null,
        Meta: null,
        CreateIndex: 1,
        ModifyIndex: 1,
      },
      Service: {
        ID: 'api-sidecar-proxy',
        Service: 'api-sidecar-proxy',
        Tags: null,
        Address: '127.0.0.1',
        Port: unreachable,
        Connect: {
          PeerMeta: { SNI: [sni], SpiffeID: [`spiffe://${peer.trustDomain}/gateway/mesh/dc/dcb`] },
        },
      },
      Checks: [],
    },
  ]);
  assert.ok(remote);
  const target = throughLocalGateways(remote, [{ host: '127.0.0.1', port: localGw.port }]);
  const picker = new EndpointPicker();
  picker.update(target.endpoints);
  const s = await dialUpstream(target, picker, material.peerClientContext('b'), 2000);
  s.end('via local');
  const [echo] = (await once(s, 'data')) as [Buffer];
  assert.equal(echo.toString(), 'via local');
  assert.equal(localGw.connections(), 1);
  assert.equal(peerGw.snis.at(-1), sni, 'the peer’s SNI travels through the local gateway');

  // The same target with the peer's SAN set not matching: refused even though the path is local.
  const fresh = new EndpointPicker();
  fresh.update(target.endpoints);
  const wrong = { ...target, expectedSans: [`spiffe://${peer.trustDomain}/ns/default/dc/dcb/svc/billing`] };
  await assert.rejects(
    dialUpstream(wrong, fresh, material.peerClientContext('b'), 2000),
    /peer certificate mismatch/,
  );
  // The local roots are not the peer's trust, whichever way the bytes go.
  const third = new EndpointPicker();
  third.update(target.endpoints);
  await assert.rejects(dialUpstream(target, third, material.localClientContext(), 2000), /certificate/);
});

test('peer upstream - dialled at the peer gateway with PeerMeta SNI, the SAN checked against PeerMeta.SpiffeID, the peer bundle as roots', async (t) => {
  const local = await testCluster('dc1');
  const peer = await testCluster('dcb');
  const gw = await fakeGateway(t, peer.gatewayLeaf(), [local.rootPem]);
  const material = new TlsMaterial();
  material.setLeaf(local.serviceLeaf('web'));
  material.setRoots(local.roots);
  const sni = `api.default.default.cluster-a.external.${peer.trustDomain}`;
  const meta = {
    SNI: [sni],
    SpiffeID: [
      `spiffe://${peer.trustDomain}/ns/default/dc/dcb/svc/api`,
      `spiffe://${peer.trustDomain}/gateway/mesh/dc/dcb`,
    ],
  };
  const entries = [
    {
      Node: {
        ID: '',
        Node: 'gw',
        Address: '127.0.0.1',
        Datacenter: 'dcb',
        TaggedAddresses: null,
        Meta: null,
        CreateIndex: 1,
        ModifyIndex: 1,
      },
      Service: {
        ID: 'api-sidecar-proxy',
        Service: 'api-sidecar-proxy',
        Tags: null,
        Address: '127.0.0.1',
        Port: gw.port,
        Connect: { PeerMeta: meta },
      },
      Checks: [],
    },
  ];
  const target = peerTarget('b', entries);
  assert.ok(target);
  const picker = new EndpointPicker();
  picker.update(target.endpoints);

  // No bundle from the peer yet: nothing to trust, no dial.
  await assert.rejects(
    dialUpstream(target, picker, material.peerClientContext('b'), 2000),
    /no trust bundle from peer b/,
  );
  // The local roots are not the peer's: the handshake fails and the gateway is ejected.
  await assert.rejects(dialUpstream(target, picker, material.localClientContext(), 2000), /certificate/);
  assert.equal(picker.pick(), undefined, 'the failing gateway was ejected');
  picker.update([]);
  picker.update(target.endpoints);

  material.setPeerBundle('b', peer.bundle('b'));
  const s = await dialUpstream(target, picker, material.peerClientContext('b'), 2000);
  s.end('ping');
  const [echo] = (await once(s, 'data')) as [Buffer];
  assert.equal(echo.toString(), 'ping');
  assert.deepEqual(gw.snis.at(-1), sni);
  assert.match(
    gw.callers.at(-1) ?? '',
    new RegExp(`URI:spiffe://${local.trustDomain}/ns/default/dc/dc1/svc/web`),
  );

  // A gateway presenting an identity outside PeerMeta.SpiffeID is refused.
  const fresh = new EndpointPicker();
  fresh.update(target.endpoints);
  const wrong = { ...target, expectedSans: [`spiffe://${peer.trustDomain}/ns/default/dc/dcb/svc/billing`] };
  await assert.rejects(dialUpstream(wrong, fresh, material.peerClientContext('b'), 2000), (err: Error) => {
    assert.match(err.message, /peer certificate mismatch got spiffe:\/\/.*\/gateway\/mesh\/dc\/dcb/);
    return true;
  });
});
