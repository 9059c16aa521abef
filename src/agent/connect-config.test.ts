/**
 * `connect { enabled = false }` and `connect { ca_config { cluster_id } }` on an in-process agent over loopback
 * HTTP: Consul's error on Connect endpoints, and the configured cluster ID as the trust domain.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test, type TestContext } from 'node:test';

import { buildConfig } from '../config/index.js';
import { decodePeeringToken } from '../lib/peering-token.js';
import { createLogger, silentLogger, type Logger } from '../logging/index.js';
import { Agent } from './agent.js';

const CLUSTER_ID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

async function startAgent(
  t: TestContext,
  raw: Record<string, unknown>,
  opts: { dev?: boolean; logger?: Logger } = {},
): Promise<{ agent: Agent; get: (path: string, init?: RequestInit) => Promise<Response> }> {
  const config = buildConfig(
    { node_name: 'n1', bind_addr: '127.0.0.1', ports: { http: 0, dns: -1, grpc_tls: 0 }, ...raw },
    opts.dev ?? true,
  );
  const agent = new Agent(config, opts.logger ?? silentLogger());
  await agent.start();
  t.after(() => agent.close());
  const http = agent.addresses.http;
  assert.ok(http);
  return { agent, get: (path, init) => fetch(`http://127.0.0.1:${http.port}${path}`, init) };
}

test('agent - connect disabled: CA roots, discovery chain and token generation answer Consul errors', async (t) => {
  const { get } = await startAgent(t, { connect: { enabled: false } });
  for (const path of ['/v1/connect/ca/roots', '/v1/agent/connect/ca/roots', '/v1/discovery-chain/web']) {
    const res = await get(path);
    assert.equal(res.status, 500, path);
    assert.equal(await res.text(), 'Connect must be enabled in order to use this endpoint', path);
  }
  const token = await get('/v1/peering/token', {
    method: 'POST',
    body: JSON.stringify({ PeerName: 'other' }),
  });
  assert.equal(token.status, 500);
  assert.equal(
    await token.text(),
    "connect.enabled must be set to true in the server's configuration when generating peering tokens",
  );
  // Everything else is unaffected.
  assert.equal((await get('/v1/catalog/services')).status, 200);
});

test('agent - connect enabled (the default) serves the CA roots', async (t) => {
  const { get } = await startAgent(t, {});
  const res = await get('/v1/connect/ca/roots');
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { Roots: unknown[] }).Roots.length, 1);
});

test('agent - connect.ca_config.cluster_id is the cluster ID and <cluster_id>.consul the trust domain', async (t) => {
  const { agent, get } = await startAgent(t, { connect: { ca_config: { cluster_id: CLUSTER_ID } } });
  assert.equal(agent.store.clusterId, CLUSTER_ID);
  const roots = (await (await get('/v1/connect/ca/roots')).json()) as {
    TrustDomain: string;
    Roots: { ExternalTrustDomain: string }[];
  };
  assert.equal(roots.TrustDomain, `${CLUSTER_ID}.consul`);
  assert.equal(roots.Roots[0]?.ExternalTrustDomain, CLUSTER_ID);
  const res = await get('/v1/peering/token', { method: 'POST', body: JSON.stringify({ PeerName: 'p' }) });
  assert.equal(res.status, 200);
  const { PeeringToken } = (await res.json()) as { PeeringToken: string };
  assert.equal(decodePeeringToken(PeeringToken).ServerName, `server.dc1.peering.${CLUSTER_ID}.consul`);
});

test('agent - a data dir keeps its cluster ID; a different configured one is reported, not applied', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-cluster-id-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const durable = { server: true, bootstrap: true, data_dir: dir };
  const first = await startAgent(t, durable, { dev: false });
  const original = first.agent.store.clusterId;
  await first.agent.close();

  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      cb();
    },
  });
  const second = await startAgent(
    t,
    { ...durable, connect: { ca_config: { cluster_id: CLUSTER_ID } } },
    { dev: false, logger: createLogger({ json: true, level: 'warn', destination }) },
  );
  assert.equal(second.agent.store.clusterId, original);
  const warning = lines.find((l) => l['configured_cluster_id'] === CLUSTER_ID);
  assert.ok(warning, JSON.stringify(lines));
  assert.equal(warning['cluster_id'], original);
  assert.match(String(warning['msg']), /differs from the cluster ID this data dir was bootstrapped with/);
});
