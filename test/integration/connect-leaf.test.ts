import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ENTENTE_BIN, startAgentProcess } from '../helpers/agent-process.js';
import { useDevAgent } from '../helpers/dev-agent.js';

const dev = useDevAgent();

interface Root {
  ID: string;
  RootCert: string;
  Active: boolean;
}

test('connect leaf - GET /v1/agent/connect/ca/leaf/:service answers Consul JSON for an unregistered service, chained to the active root', async (t) => {
  const r = await dev.call('GET', '/v1/agent/connect/ca/leaf/billing');
  assert.equal(r.status, 200, r.text);
  const leaf = r.json();
  assert.deepEqual(Object.keys(leaf), [
    'SerialNumber',
    'CertPEM',
    'PrivateKeyPEM',
    'Service',
    'ServiceURI',
    'ValidAfter',
    'ValidBefore',
    'CreateIndex',
    'ModifyIndex',
  ]);
  assert.equal(r.headers.get('X-Consul-Index'), String(leaf.ModifyIndex));
  const roots = (await dev.call('GET', '/v1/agent/connect/ca/roots')).json();
  const active = (roots.Roots as Root[]).find((x) => x.Active);
  assert.ok(active);
  assert.equal(leaf.ServiceURI, `spiffe://${roots.TrustDomain}/ns/default/dc/dc1/svc/billing`);
  const x = new X509Certificate(leaf.CertPEM);
  assert.ok(x.checkIssued(new X509Certificate(active.RootCert)));
  assert.ok(x.verify(new X509Certificate(active.RootCert).publicKey));
  assert.equal(x.subjectAltName, `URI:${leaf.ServiceURI}`);
  assert.equal(
    Date.parse(x.validTo) - Date.parse(x.validFrom),
    72 * 3_600_000,
    "Consul's default LeafCertTTL",
  );

  if (spawnSync('openssl', ['version']).status !== 0) {
    t.diagnostic('openssl verify skipped: install the Debian package "openssl"');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'entente-leaf-'));
  try {
    writeFileSync(
      join(dir, 'roots.pem'),
      (await dev.call('GET', '/v1/agent/connect/ca/roots?pem=true')).text,
    );
    writeFileSync(join(dir, 'leaf.pem'), leaf.CertPEM);
    const out = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'roots.pem'), join(dir, 'leaf.pem')]);
    assert.match(out.toString(), /leaf\.pem: OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('connect leaf - the cached leaf is served again; ?index= blocks until wait and answers the same leaf', async () => {
  const first = (await dev.call('GET', '/v1/agent/connect/ca/leaf/web')).json();
  const again = await dev.call('GET', '/v1/agent/connect/ca/leaf/web');
  assert.equal(again.json().SerialNumber, first.SerialNumber);
  const blocked = await dev.call(
    'GET',
    `/v1/agent/connect/ca/leaf/web?index=${first.ModifyIndex}&wait=200ms`,
  );
  assert.equal(blocked.status, 200);
  assert.equal(blocked.json().SerialNumber, first.SerialNumber);
  assert.equal(blocked.headers.get('X-Consul-Index'), String(first.ModifyIndex));
  const other = (await dev.call('GET', '/v1/agent/connect/ca/leaf/api')).json();
  assert.ok(other.ModifyIndex > first.ModifyIndex, 'each signed leaf moves the leaf index');

  const roots = await dev.call('GET', '/v1/agent/connect/ca/roots');
  const index = roots.headers.get('X-Consul-Index') ?? '';
  const rootsBlocked = await dev.call('GET', `/v1/agent/connect/ca/roots?index=${index}&wait=200ms`);
  assert.equal(
    rootsBlocked.headers.get('X-Consul-Index'),
    index,
    'no rotation: the roots query times out unchanged',
  );

  const empty = await dev.call('GET', '/v1/agent/connect/ca/leaf/');
  assert.equal(empty.status, 500);
  assert.equal(empty.text, 'URI must be either service, agent, server, or kind');
});

test('connect leaf - after a root rotation the leaf is re-issued by the new root; the old leaf still chains to the old root', async () => {
  const before = (await dev.call('GET', '/v1/agent/connect/ca/leaf/rotating')).json();
  const oldRoots = (await dev.call('GET', '/v1/agent/connect/ca/roots')).json();
  const oldActive = (oldRoots.Roots as Root[]).find((x) => x.Active);
  assert.ok(oldActive);
  const put = await dev.call('PUT', '/v1/connect/ca/configuration', {
    Provider: 'consul',
    Config: { PrivateKeyType: 'ec', PrivateKeyBits: 384 },
  });
  assert.equal(put.status, 200, put.text);
  const roots = (await dev.call('GET', '/v1/agent/connect/ca/roots')).json();
  const active = (roots.Roots as Root[]).find((x) => x.Active);
  assert.ok(active);
  assert.notEqual(active.ID, oldActive.ID, 'the key change rotated the root');
  assert.ok(
    (roots.Roots as Root[]).some((x) => x.ID === oldActive.ID),
    'the old root is still listed',
  );

  // A non-blocking read re-validates: the cached leaf was signed by the old root, so a new one is issued now.
  const after = await dev.call('GET', '/v1/agent/connect/ca/leaf/rotating');
  const leaf = after.json();
  assert.ok(leaf.ModifyIndex > before.ModifyIndex);
  const x = new X509Certificate(leaf.CertPEM);
  assert.ok(x.checkIssued(new X509Certificate(active.RootCert)), 'the new leaf chains to the new root');
  assert.ok(
    new X509Certificate(before.CertPEM).checkIssued(new X509Certificate(oldActive.RootCert)),
    'the old leaf still chains to the old root',
  );
});

test('connect leaf - connect.ca_config.csr_max_per_second limits signing with Consul 429 text', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-leaf-limit-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'connect.hcl');
  // One token every 10 s: a second CSR within the same 9.5 s is refused rather than waiting.
  writeFileSync(file, 'connect { ca_config { csr_max_per_second = 0.1 } }');
  const agent = await startAgentProcess(t, { dev: true, args: ['-config-file', file] });
  const get = (svc: string): Promise<Response> => fetch(`${agent.httpAddr}/v1/agent/connect/ca/leaf/${svc}`);
  const [a, b] = await Promise.all([get('one'), get('two')]);
  const statuses = [a.status, b.status].sort();
  assert.deepEqual(statuses, [200, 429]);
  const refused = a.status === 429 ? a : b;
  assert.equal(await refused.text(), 'Rate limit reached, try again later');
});

test('connect leaf - a malformed csr_max_per_second stops start-up with Consul decode text', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-leaf-bad-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'connect.hcl');
  writeFileSync(file, 'connect { ca_config { csr_max_per_second = "lots" } }');
  const args = [
    'agent',
    '-dev',
    '-config-file',
    file,
    '-http-port',
    '0',
    '-dns-port',
    '-1',
    '-grpc-tls-port',
    '-1',
  ];
  const run = spawnSync(process.execPath, [ENTENTE_BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 1, run.stderr);
  assert.ok(
    run.stderr.includes(
      'error decoding config: 1 error(s) decoding:\n\n' +
        `* cannot parse 'CSRMaxPerSecond' as float: strconv.ParseFloat: parsing "lots": invalid syntax`,
    ),
    run.stderr,
  );
});
