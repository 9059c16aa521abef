// Two agent processes peered for the mesh: B exports `web` (with a sidecar and a mesh gateway registered on B); A sees
// the gateway as web's peer sidecar with PeerMeta, both sides serve the peer trust bundles proxies need, A authorizes
// B's web leaf for `api` by intentions with Peer = "b", and A's stored bundle follows B's root rotation.
import { test } from 'node:test';
import { X509Certificate } from 'node:crypto';
import assert from 'node:assert/strict';
import { fastPeeringConfigFile, startPeeringAgent, type AgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

async function call(agent: AgentProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as any };
}

async function ok(agent: AgentProcess, method: string, path: string, body?: unknown) {
  const r = await call(agent, method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
  return r;
}

async function state(agent: AgentProcess, peer: string): Promise<string> {
  const r = await call(agent, 'GET', `/v1/peering/${peer}`);
  return r.status === 200 ? r.json().State : `HTTP ${r.status}`;
}

/** B's current root PEMs, as /v1/connect/ca/roots lists them (active or not), and its trust domain. */
async function roots(agent: AgentProcess): Promise<{ td: string; pems: string[] }> {
  const r = (await ok(agent, 'GET', '/v1/connect/ca/roots')).json();
  const pems = (r.Roots as { RootCert: string }[]).map((x) =>
    x.RootCert.endsWith('\n') ? x.RootCert : `${x.RootCert}\n`,
  );
  return { td: r.TrustDomain as string, pems };
}

/** True when the first certificate of `certPem` was issued and signed by one of `rootPems`. */
function signedByOneOf(certPem: string, rootPems: readonly string[]): boolean {
  const leaf = new X509Certificate(certPem);
  return rootPems.some((pem) => {
    const root = new X509Certificate(pem);
    return leaf.checkIssued(root) && leaf.verify(root.publicKey);
  });
}

async function authorize(agent: AgentProcess, target: string, uri: string, serial: string) {
  return (
    await ok(agent, 'POST', '/v1/agent/connect/authorize', {
      Target: target,
      ClientCertURI: uri,
      ClientCertSerial: serial,
    })
  ).json() as { Authorized: boolean; Reason: string };
}

test('peering mesh - B exports web through its mesh gateway: PeerMeta on A, trust bundles served, Peer intentions authorize, B root rotation followed', async (t) => {
  const cfg = fastPeeringConfigFile(t);
  const start = (dc: string) => startPeeringAgent(t, dc, cfg);
  const [a, b] = await Promise.all([start('dca'), start('dcb')]);

  // B: web with a sidecar (agent registration, Consul's SidecarService expansion) and a mesh gateway with a WAN address.
  await ok(b, 'PUT', '/v1/agent/service/register', {
    ID: 'web',
    Name: 'web',
    Port: 8080,
    Connect: { SidecarService: {} },
  });
  await ok(b, 'PUT', '/v1/catalog/register', {
    Node: 'gw-node',
    Address: '10.1.0.9',
    Service: {
      Kind: 'mesh-gateway',
      ID: 'mesh-gateway',
      Service: 'mesh-gateway',
      Address: '10.1.0.9',
      Port: 8443,
      TaggedAddresses: {
        lan: { Address: '10.1.0.9', Port: 8443 },
        wan: { Address: '198.51.100.7', Port: 443 },
      },
    },
    Check: { CheckID: 'gw-alive', Name: 'gateway alive', Status: 'passing', ServiceID: 'mesh-gateway' },
  });
  await ok(b, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'web', Consumers: [{ Peer: 'a' }] }],
  });

  // Peer: B generates the token for "a", A establishes as "b".
  const token = (await ok(b, 'POST', '/v1/peering/token', { PeerName: 'a' })).json().PeeringToken as string;
  await ok(a, 'POST', '/v1/peering/establish', { PeerName: 'b', PeeringToken: token });
  await retry(async () => assert.equal(await state(a, 'b'), 'ACTIVE'), { timeoutMs: 20_000 });

  // A: health/connect lists the gateway as web's sidecar in peer b, with PeerMeta.
  const bRoots = await roots(b);
  const rows = await retry(
    async () => {
      const r = (await ok(a, 'GET', '/v1/health/connect/web?peer=b')).json() as any[];
      assert.equal(r.length, 1);
      return r;
    },
    { timeoutMs: 20_000 },
  );
  const row = rows[0];
  assert.equal(row.Node.Node, 'gw-node');
  assert.equal(row.Service.Kind, 'connect-proxy');
  assert.equal(row.Service.Service, 'web-sidecar-proxy');
  assert.equal(row.Service.PeerName, 'b');
  assert.equal(row.Service.Address, '10.1.0.9');
  assert.equal(row.Service.Port, 8443);
  assert.deepEqual(row.Service.TaggedAddresses.wan, { Address: '198.51.100.7', Port: 443 });
  assert.equal(row.Service.Proxy.DestinationServiceName, 'web');
  assert.deepEqual(row.Service.Connect.PeerMeta, {
    SNI: [`web.default.default.a.external.${bRoots.td}`],
    SpiffeID: [
      `spiffe://${bRoots.td}/ns/default/dc/dcb/svc/web`,
      `spiffe://${bRoots.td}/gateway/mesh/dc/dcb`,
    ],
    Protocol: 'tcp',
  });
  assert.equal(row.Checks[0].Status, 'passing');
  // The plain export is unchanged: web's own instance, Connect stripped.
  const plain = (await ok(a, 'GET', '/v1/health/service/web?peer=b')).json() as any[];
  assert.equal(plain.length, 1);
  assert.equal(plain[0].Service.Kind ?? '', '');
  assert.equal(plain[0].Service.Connect?.PeerMeta, undefined);
  assert.equal(plain[0].Service.Proxy?.DestinationServiceName, undefined);
  assert.equal(plain[0].Service.Port, 8080);

  // A stores B's trust bundle and serves it.
  const bundle = (await ok(a, 'GET', '/v1/internal/peering/trust-bundle/b')).json();
  assert.equal(bundle.Bundle.TrustDomain, bRoots.td);
  assert.deepEqual(bundle.Bundle.RootPEMs, bRoots.pems);
  assert.deepEqual((await ok(a, 'GET', '/v1/peering/b')).json().PeerCAPems, bRoots.pems);

  // B's web sidecar must trust the peers web is exported to: A's bundle, by service.
  const aRoots = await roots(a);
  const byService = (await ok(b, 'GET', '/v1/internal/peering/trust-bundles?service=web')).json();
  assert.deepEqual(
    byService.Bundles.map((x: { PeerName: string; TrustDomain: string; RootPEMs: string[] }) => [
      x.PeerName,
      x.TrustDomain,
      x.RootPEMs,
    ]),
    [['a', aRoots.td, aRoots.pems]],
  );
  assert.deepEqual((await ok(b, 'GET', '/v1/internal/peering/trust-bundles?service=db')).json().Bundles, []);
  assert.equal((await call(b, 'GET', '/v1/internal/peering/trust-bundles')).status, 400);
  assert.equal((await ok(a, 'GET', '/v1/internal/peering/trust-bundle/nope')).json().Bundle, null);

  // A authorizes B's web leaf for target api only when an intention with Peer = "b" allows it; the leaf chains to a
  // root of the bundle A stores for b (what A's sidecars would verify it against).
  const leaf = (await ok(b, 'GET', '/v1/agent/connect/ca/leaf/web')).json();
  assert.equal(leaf.ServiceURI, `spiffe://${bRoots.td}/ns/default/dc/dcb/svc/web`);
  assert.ok(signedByOneOf(leaf.CertPEM, bundle.Bundle.RootPEMs), "B's leaf chains to A's stored bundle");
  const webUri: string = leaf.ServiceURI;
  const serial: string = leaf.SerialNumber;
  const intention = (sources: { Name: string; Peer: string; Action: string }[]) =>
    ok(a, 'PUT', '/v1/config', { Kind: 'service-intentions', Name: 'api', Sources: sources });
  await intention([{ Name: 'web', Peer: 'b', Action: 'deny' }]);
  await retry(async () => {
    const d = await authorize(a, 'api', webUri, serial);
    assert.equal(d.Authorized, false, d.Reason);
  });
  await intention([{ Name: 'web', Peer: 'b', Action: 'allow' }]);
  await retry(async () => {
    const d = await authorize(a, 'api', webUri, serial);
    assert.equal(d.Authorized, true, d.Reason);
  });
  // An allow for another peer does not admit b's web; b's web is still not A's own web.
  await intention([
    { Name: 'web', Peer: 'b', Action: 'deny' },
    { Name: 'web', Peer: 'other', Action: 'allow' },
  ]);
  await retry(async () => {
    const d = await authorize(a, 'api', webUri, serial);
    assert.equal(d.Authorized, false, d.Reason);
  });

  // B rotates its root: A's stored bundle follows (both roots, as B lists them).
  await ok(b, 'PUT', '/v1/connect/ca/configuration', {
    Provider: 'consul',
    Config: { PrivateKeyType: 'ec', PrivateKeyBits: 384 },
  });
  const rotated = await retry(async () => {
    const r = await roots(b);
    assert.equal(r.pems.length, 2);
    return r;
  });
  assert.equal(rotated.td, bRoots.td, 'a rotation keeps the trust domain');
  await retry(
    async () => {
      const got = (await ok(a, 'GET', '/v1/internal/peering/trust-bundle/b')).json();
      assert.deepEqual(got.Bundle.RootPEMs, rotated.pems);
    },
    { timeoutMs: 20_000 },
  );
  assert.deepEqual((await ok(a, 'GET', '/v1/peering/b')).json().PeerCAPems, rotated.pems);
  // The peering itself survives B's rotation (its server certificate now chains to the new root).
  await retry(async () => assert.equal(await state(a, 'b'), 'ACTIVE'), { timeoutMs: 20_000 });
  // A leaf B issues after the rotation verifies against A's stored bundle and is authorized by the same intention.
  const stored = (await ok(a, 'GET', '/v1/internal/peering/trust-bundle/b')).json().Bundle
    .RootPEMs as string[];
  const fresh = await retry(async () => {
    const l = (await ok(b, 'GET', '/v1/agent/connect/ca/leaf/web')).json();
    assert.notEqual(l.SerialNumber, serial, 'B re-issued the leaf after its rotation');
    return l;
  });
  assert.ok(signedByOneOf(fresh.CertPEM, stored), "B's new leaf chains to A's updated bundle");
  assert.ok(!signedByOneOf(fresh.CertPEM, bundle.Bundle.RootPEMs), 'and not to the bundle A had before');
  await intention([{ Name: 'web', Peer: 'b', Action: 'allow' }]);
  await retry(async () => {
    const d = await authorize(a, 'api', fresh.ServiceURI, fresh.SerialNumber);
    assert.equal(d.Authorized, true, d.Reason);
  });
});
