import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';

import type { LeafCert } from '../../api/index.js';
import { verifyCaller, type VerifiedCaller } from './caller-identity.js';
import { testCluster } from './testing/test-ca.js';
import { TlsMaterial } from './tls-material.js';

/** Handshakes a client presenting `client` against a server built from `material`; answers verifyCaller's result. */
async function callerSeenBy(material: TlsMaterial, client: LeafCert): Promise<VerifiedCaller | string> {
  const opts = material.serverOptions();
  assert.ok(opts);
  let result: VerifiedCaller | string = 'no connection';
  const server = createServer({ ...opts, requestCert: true, rejectUnauthorized: true }, (s: TLSSocket) => {
    result = verifyCaller(s.getPeerCertificate(true), material);
    s.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const c = connect({
    port: (server.address() as AddressInfo).port,
    host: '127.0.0.1',
    cert: client.CertPEM,
    key: client.PrivateKeyPEM,
    rejectUnauthorized: false,
  });
  c.on('error', () => undefined);
  c.resume();
  await once(c, 'close');
  server.close();
  return result;
}

test('caller identity - local and exported-to-peer callers are named; a peer CA cannot vouch for a local or unknown identity', async () => {
  const local = await testCluster('dc1');
  const east = await testCluster('dce');
  const material = new TlsMaterial();
  material.setLeaf(local.serviceLeaf('api'));
  material.setRoots(local.roots);
  material.setInboundBundles([east.bundle('east')]);

  const web = await callerSeenBy(material, local.serviceLeaf('web'));
  assert.equal(typeof web, 'object');
  assert.deepEqual(
    { name: (web as VerifiedCaller).name, peer: (web as VerifiedCaller).peer },
    { name: 'web', peer: '' },
  );
  assert.match((web as VerifiedCaller).serial, /^[0-9a-f]{2}(:[0-9a-f]{2})*$/);
  const fromEast = await callerSeenBy(material, east.serviceLeaf('web'));
  assert.equal((fromEast as VerifiedCaller).peer, 'east');

  // east's CA signing a certificate that claims the local trust domain: chain valid, anchor wrong → refused.
  const refused = await callerSeenBy(material, east.forgedLeaf(local.trustDomain, 'dc1', 'admin'));
  assert.equal(typeof refused, 'string');
  assert.match(refused as string, /does not chain to the roots of its trust domain/);

  // Not exported to this peer any more: its trust domain is unknown.
  material.setInboundBundles([]);
  const gone = await callerSeenBy(material, east.serviceLeaf('web'));
  assert.equal(gone, 'no connection', 'the handshake itself fails without the bundle');
});
