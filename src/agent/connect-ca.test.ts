/**
 * The Connect CA configuration and root rotation on an in-process agent over loopback HTTP: Consul's shapes and
 * refusals, rotation with cross-signing verified with node:crypto and `openssl verify`, durability across a
 * restart, and the server certificate re-issued from the real store after a real rotation.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';

import { runAgainst } from '../cli/testing/run.js';
import { buildConfig } from '../config/index.js';
import { generateRootCA, signServerPeeringCert, trustDomain } from '../connect/index.js';
import { FakeClock } from '../lib/testing/fake-clock.js';
import { silentLogger } from '../logging/index.js';
import { Agent } from './agent.js';
import { ServerCertificate } from './server-certificate.js';

interface RootJson {
  ID: string;
  Active: boolean;
  RootCert: string;
  IntermediateCerts: string[] | null;
  PrivateKeyType: string;
  PrivateKeyBits: number;
}
interface RootsJson {
  ActiveRootID: string;
  Roots: RootJson[];
}
interface ConfigJson {
  Provider: string;
  Config: Record<string, unknown>;
  CreateIndex: number;
  ModifyIndex: number;
}

type Get = (path: string, init?: RequestInit) => Promise<Response>;

async function startAgent(
  t: TestContext,
  raw: Record<string, unknown> = {},
  dev = true,
): Promise<{ agent: Agent; get: Get }> {
  const config = buildConfig(
    { node_name: 'n1', bind_addr: '127.0.0.1', ports: { http: 0, dns: -1, grpc_tls: -1 }, ...raw },
    dev,
  );
  const agent = new Agent(config, silentLogger());
  await agent.start();
  t.after(() => agent.close());
  const http = agent.addresses.http;
  assert.ok(http);
  return { agent, get: (path, init) => fetch(`http://127.0.0.1:${http.port}${path}`, init) };
}

async function getJson<T>(get: Get, path: string): Promise<T> {
  const res = await get(path);
  assert.equal(res.status, 200, path);
  return (await res.json()) as T;
}

function put(get: Get, body: unknown): Promise<Response> {
  return get('/v1/connect/ca/configuration', { method: 'PUT', body: JSON.stringify(body) });
}

test('agent connect CA - GET configuration: Consul’s shape, seeded from connect.ca_config', async (t) => {
  const { get } = await startAgent(t, { connect: { ca_config: { leaf_cert_ttl: '24h' } } });
  const cfg = await getJson<ConfigJson & Record<string, unknown>>(get, '/v1/connect/ca/configuration');
  assert.deepEqual(Object.keys(cfg), [
    'Provider',
    'Config',
    'State',
    'ForceWithoutCrossSigning',
    'CreateIndex',
    'ModifyIndex',
  ]);
  assert.equal(cfg.Provider, 'consul');
  assert.deepEqual(cfg.Config, { IntermediateCertTTL: '8760h', LeafCertTTL: '24h', RootCertTTL: '87600h' });
  assert.ok(cfg.CreateIndex > 0);
});

test('agent connect CA - an invalid configuration at start-up stops the agent with Consul’s message', async () => {
  const config = buildConfig(
    {
      node_name: 'n1',
      bind_addr: '127.0.0.1',
      ports: { http: 0, dns: -1, grpc_tls: -1 },
      connect: { ca_config: { private_key_type: 'dsa' } },
    },
    true,
  );
  const agent = new Agent(config, silentLogger());
  await assert.rejects(agent.start(), /private key type must be either 'ec' or 'rsa'/);
  await agent.close();
});

test('agent connect CA - invalid configurations are refused with Consul’s message and change nothing', async (t) => {
  const { get } = await startAgent(t);
  const before = await getJson<ConfigJson>(get, '/v1/connect/ca/configuration');
  const rootsBefore = await getJson<RootsJson>(get, '/v1/connect/ca/roots');
  const cases: [Record<string, unknown>, string][] = [
    [{ PrivateKeyType: 'dsa' }, "error configuring provider: private key type must be either 'ec' or 'rsa'"],
    [
      { LeafCertTTL: '10m' },
      'error configuring provider: leaf cert TTL must be greater or equal than 1h0m0s',
    ],
    [
      { LeafCertTTL: '9000h', IntermediateCertTTL: '30000h', RootCertTTL: '90000h' },
      'error configuring provider: leaf cert TTL must be less than 8760h0m0s',
    ],
    [
      { PrivateKeyType: 'rsa', PrivateKeyBits: 256 },
      'error configuring provider: RSA key length must be 2048 or 4096 bits',
    ],
    [
      { PrivateKeyBits: 1024 },
      'error configuring provider: EC key length must be one of (224, 256, 384, 521) bits',
    ],
    [
      { LeafCertTTL: '72h', Colour: 'blue' },
      "error configuring provider: error decoding config: 1 error(s) decoding:\n\n* '' has invalid keys: Colour",
    ],
  ];
  for (const [config, message] of cases) {
    const res = await put(get, { Provider: 'consul', Config: config });
    assert.equal(res.status, 400, JSON.stringify(config));
    assert.equal(await res.text(), message);
  }
  const vault = await put(get, { Provider: 'vault', Config: {} });
  assert.equal(vault.status, 400);
  assert.match(await vault.text(), /^could not initialize provider: unknown CA provider "vault"/);
  const state = await put(get, { Provider: 'consul', Config: {}, State: { foo: 'bar' } });
  assert.equal(state.status, 400);
  assert.equal(
    await state.text(),
    'Provider State is read-only. It must be omitted or identical to the current value',
  );
  assert.deepEqual(await getJson<ConfigJson>(get, '/v1/connect/ca/configuration'), before);
  assert.deepEqual(await getJson<RootsJson>(get, '/v1/connect/ca/roots'), rootsBefore);
});

test('agent connect CA - a TTL change updates the configuration and keeps the root', async (t) => {
  const { get } = await startAgent(t);
  const rootsBefore = await get('/v1/connect/ca/roots');
  const res = await put(get, {
    Provider: 'consul',
    Config: { leaf_cert_ttl: '12h', RotationPeriod: '2160h' },
  });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
  const cfg = await getJson<ConfigJson>(get, '/v1/connect/ca/configuration');
  assert.deepEqual(cfg.Config, { LeafCertTTL: '12h', RotationPeriod: '2160h' });
  const rootsAfter = await get('/v1/connect/ca/roots');
  assert.equal(rootsAfter.headers.get('x-consul-index'), rootsBefore.headers.get('x-consul-index'));
  assert.deepEqual(await rootsAfter.json(), await rootsBefore.json());
});

test('agent connect CA - a key change rotates: old root kept, cross-signed, old and new leaves verify', async (t) => {
  const { agent, get } = await startAgent(t);
  const domain = trustDomain(agent.store.clusterId);
  const before = await getJson<RootsJson>(get, '/v1/connect/ca/roots');
  const oldRoot = agent.store.caRoots(undefined).value[0];
  assert.ok(oldRoot);
  const oldLeaf = await signServerPeeringCert({
    root: oldRoot,
    signingKeyPem: agent.store.caSigningKeyPem,
    datacenter: 'dc1',
    trustDomain: domain,
  });

  const res = await put(get, { Provider: 'consul', Config: { PrivateKeyType: 'rsa', PrivateKeyBits: 2048 } });
  assert.equal(res.status, 200, await res.clone().text());
  const after = await getJson<RootsJson>(get, '/v1/connect/ca/roots');
  assert.equal(after.Roots.length, 2);
  assert.notEqual(after.ActiveRootID, before.ActiveRootID);
  const old = after.Roots.find((r) => r.ID === before.ActiveRootID);
  const active = after.Roots.find((r) => r.ID === after.ActiveRootID);
  assert.ok(old && active);
  assert.equal(old.Active, false);
  assert.equal(active.Active, true);
  assert.equal(active.PrivateKeyType, 'rsa');
  assert.equal(active.PrivateKeyBits, 2048);
  assert.equal(active.IntermediateCerts?.length, 1);
  const cross = active.IntermediateCerts?.[0] ?? '';

  const newRoot = agent.store.caRoots(undefined).value.find((r) => r.Active);
  assert.ok(newRoot);
  const newLeaf = await signServerPeeringCert({
    root: newRoot,
    signingKeyPem: agent.store.caSigningKeyPem,
    datacenter: 'dc1',
    trustDomain: domain,
  });

  // node:crypto: the old leaf still verifies against the old root (still trusted); the new leaf against the new
  // root, and against the old root through the cross-signed copy of the new root.
  const oldRootCert = new X509Certificate(old.RootCert);
  const newRootCert = new X509Certificate(active.RootCert);
  const crossCert = new X509Certificate(cross);
  const oldLeafCert = new X509Certificate(oldLeaf.certPem);
  const newLeafCert = new X509Certificate(newLeaf.certPem);
  assert.equal(oldLeafCert.verify(oldRootCert.publicKey), true);
  assert.equal(newLeafCert.verify(newRootCert.publicKey), true);
  assert.equal(newLeafCert.verify(oldRootCert.publicKey), false);
  assert.equal(crossCert.verify(oldRootCert.publicKey), true);
  assert.equal(crossCert.subject, newRootCert.subject);
  assert.equal(crossCert.issuer, oldRootCert.subject);
  assert.ok(newLeafCert.checkIssued(crossCert));
  assert.equal(newLeafCert.verify(crossCert.publicKey), true);

  // openssl verify, as a peer's TLS stack would.
  let openssl = true;
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    openssl = false;
  }
  if (!openssl) {
    t.diagnostic('openssl not installed (Debian package: openssl): openssl verify skipped');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'entente-ca-rotation-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, pem: string): string => {
    const p = join(dir, name);
    writeFileSync(p, pem);
    return p;
  };
  const verify = (args: string[]): string =>
    execFileSync('openssl', ['verify', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  const oldRootFile = file('old-root.pem', old.RootCert);
  const newRootFile = file('new-root.pem', active.RootCert);
  const crossFile = file('cross.pem', cross);
  const oldLeafFile = file('old-leaf.pem', oldLeaf.certPem);
  const newLeafFile = file('new-leaf.pem', newLeaf.certPem);
  const bundleFile = file('bundle.pem', after.Roots.map((r) => r.RootCert).join(''));
  assert.equal(verify(['-CAfile', bundleFile, oldLeafFile]), `${oldLeafFile}: OK`);
  assert.equal(verify(['-CAfile', newRootFile, newLeafFile]), `${newLeafFile}: OK`);
  assert.equal(verify(['-CAfile', oldRootFile, '-untrusted', crossFile, newLeafFile]), `${newLeafFile}: OK`);
  assert.throws(() => verify(['-CAfile', oldRootFile, newLeafFile]));
});

test('agent connect CA - configuration and rotated roots survive a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-ca-durable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const durable = { server: true, bootstrap: true, data_dir: dir };
  const first = await startAgent(t, durable, false);
  const res = await put(first.get, {
    Provider: 'consul',
    Config: { PrivateKeyBits: 384, LeafCertTTL: '48h' },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const roots = await getJson<RootsJson>(first.get, '/v1/connect/ca/roots');
  const cfg = await getJson<ConfigJson>(first.get, '/v1/connect/ca/configuration');
  const key = first.agent.store.caSigningKeyPem;
  await first.agent.close();

  const second = await startAgent(t, durable, false);
  assert.deepEqual(await getJson<RootsJson>(second.get, '/v1/connect/ca/roots'), roots);
  assert.deepEqual(await getJson<ConfigJson>(second.get, '/v1/connect/ca/configuration'), cfg);
  assert.equal(second.agent.store.caSigningKeyPem, key);
  assert.equal(roots.Roots.find((r) => r.Active)?.PrivateKeyBits, 384);
});

test('agent connect CA - connect disabled: the configuration endpoints answer Consul’s 500', async (t) => {
  const { get } = await startAgent(t, { connect: { enabled: false } });
  for (const init of [undefined, { method: 'PUT', body: '{"Provider":"consul","Config":{}}' }]) {
    const res = await get('/v1/connect/ca/configuration', init);
    assert.equal(res.status, 500);
    assert.equal(await res.text(), 'Connect must be enabled in order to use this endpoint');
  }
});

test('agent connect CA - the server certificate follows a real rotation of the real store', async (t) => {
  const { agent, get } = await startAgent(t, { connect: { ca_config: { leaf_cert_ttl: '24h' } } });
  const clock = new FakeClock(Date.now());
  const certs = new ServerCertificate({
    store: agent.store,
    logger: silentLogger(),
    datacenter: 'dc1',
    trustDomain: trustDomain(agent.store.clusterId),
    clock,
  });
  t.after(() => certs.close());
  const first = await certs.start();
  const changes: string[] = [];
  certs.onChange((c) => changes.push(c.rootId));

  const res = await put(get, { Provider: 'consul', Config: { PrivateKeyBits: 521, LeafCertTTL: '24h' } });
  assert.equal(res.status, 200, await res.clone().text());
  const active = agent.store.caRoots(undefined).value.find((r) => r.Active);
  assert.ok(active && active.ID !== first.rootId);
  const deadline = Date.now() + 10_000;
  while (changes.length === 0 && Date.now() < deadline) {
    await clock.advance(1_000);
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(changes, [active.ID]);
  const leaf = new X509Certificate(certs.current.certPem);
  assert.equal(leaf.verify(new X509Certificate(active.RootCert).publicKey), true);
  // Issued for the configured LeafCertTTL (24h here; the signer's own default is 72h).
  assert.equal(Date.parse(leaf.validTo) - Date.parse(leaf.validFrom), 24 * 3_600_000);
  // The chain the listener presents carries the cross-signed copy of the new root after the leaf.
  assert.equal(certs.chainPem, certs.current.certPem + (active.IntermediateCerts ?? []).join(''));
  assert.equal(active.IntermediateCerts?.length, 1);
});

test('agent connect CA - CLI connect ca get-config | set-config -config-file F', async (t) => {
  const { agent, get } = await startAgent(t);
  const env = { CONSUL_HTTP_ADDR: `127.0.0.1:${String(agent.addresses.http?.port)}` };
  const shown = await runAgainst(undefined, ['connect', 'ca', 'get-config'], { env });
  assert.equal(shown.code, 0, shown.stderr);
  const cfg = await getJson<ConfigJson>(get, '/v1/connect/ca/configuration');
  assert.equal(
    shown.stdout,
    `${JSON.stringify({ ...cfg, State: null, ForceWithoutCrossSigning: false }, null, '\t')}\n`,
  );

  const files = {
    'ca.json': JSON.stringify({ provider: 'consul', config: { LeafCertTTL: '24h', PrivateKeyBits: 384 } }),
    'bad.json': JSON.stringify({ Provider: 'consul', Config: { PrivateKeyType: 'dsa' } }),
  };
  const before = await getJson<RootsJson>(get, '/v1/connect/ca/roots');
  const bad = await runAgainst(undefined, ['connect', 'ca', 'set-config', '-config-file', 'bad.json'], {
    env,
    files,
  });
  assert.equal(bad.code, 1);
  assert.match(
    bad.stderr,
    /^Error setting CA configuration: .*private key type must be either 'ec' or 'rsa'/,
  );
  const missing = await runAgainst(undefined, ['connect', 'ca', 'set-config'], { env, files });
  assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'The -config-file flag is required\n' });

  const set = await runAgainst(undefined, ['connect', 'ca', 'set-config', '-config-file', 'ca.json'], {
    env,
    files,
  });
  assert.deepEqual(set, { code: 0, stdout: 'Configuration updated!\n', stderr: '' });
  const after = await getJson<RootsJson>(get, '/v1/connect/ca/roots');
  assert.notEqual(after.ActiveRootID, before.ActiveRootID);
  assert.equal(after.Roots.length, 2);
  assert.deepEqual((await getJson<ConfigJson>(get, '/v1/connect/ca/configuration')).Config, {
    LeafCertTTL: '24h',
    PrivateKeyBits: 384,
  });
});

test('agent connect CA - an operator key and root become the active root; the key is never echoed', async (t) => {
  const { agent, get } = await startAgent(t);
  const own = await generateRootCA({ clusterId: agent.store.clusterId, datacenter: 'dc1', keyBits: 384 });
  const res = await put(get, {
    Provider: 'consul',
    Config: { PrivateKey: own.signingKeyPem, RootCert: own.root.RootCert },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const roots = await getJson<RootsJson>(get, '/v1/connect/ca/roots');
  assert.equal(roots.ActiveRootID, own.root.ID);
  assert.equal(roots.Roots.length, 2);
  const text = await (await get('/v1/connect/ca/configuration')).text();
  assert.ok(!text.includes('PRIVATE KEY'), text);
  const cfg = JSON.parse(text) as ConfigJson;
  assert.equal(cfg.Config['PrivateKey'], 'hidden');
  // Writing back what was read keeps the key: no change, no rotation.
  const again = await put(get, { Provider: cfg.Provider, Config: cfg.Config });
  assert.equal(again.status, 200);
  assert.deepEqual(await getJson<ConfigJson>(get, '/v1/connect/ca/configuration'), cfg);
  assert.equal((await getJson<RootsJson>(get, '/v1/connect/ca/roots')).Roots.length, 2);
  assert.equal(agent.store.caSigningKeyPem, own.signingKeyPem);

  const mismatched = await generateRootCA({ clusterId: agent.store.clusterId, datacenter: 'dc1' });
  const bad = await put(get, {
    Provider: 'consul',
    Config: { PrivateKey: mismatched.signingKeyPem, RootCert: own.root.RootCert },
  });
  assert.equal(bad.status, 400);
  assert.equal(await bad.text(), 'error generating CA root certificate: PrivateKey does not match RootCert');
});
