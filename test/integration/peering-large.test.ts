// A service whose instances together far exceed gRPC's 4 MiB message limit replicates between two agent
// processes: Entente peers negotiate chunked exports over gRPC metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

async function call(agent: AgentProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as any };
}

test('peering - 2,000 instances of 5 KB (10 MB) replicate between agent processes', async (t) => {
  const [a, b] = await Promise.all([
    startAgentProcess(t, { grpcTls: true, datacenter: 'dca', node: 'a' }),
    startAgentProcess(t, { grpcTls: true, datacenter: 'dcb', node: 'b' }),
  ]);
  const meta: Record<string, string> = {};
  for (let k = 0; k < 10; k++) meta[`k${k}`] = 'x'.repeat(500);
  const total = 2000;
  for (let start = 0; start < total; start += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        call(a, 'PUT', '/v1/catalog/register', {
          Node: `node-${start + j}`,
          Address: '10.0.0.1',
          Service: { Service: 'big', ID: `big-${start + j}`, Port: 80, Meta: meta },
        }).then((r) => assert.equal(r.status, 200, r.text)),
      ),
    );
  }
  await call(a, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'big', Consumers: [{ Peer: 'b' }] }],
  });
  const token = (await call(a, 'POST', '/v1/peering/token', { PeerName: 'b' })).json().PeeringToken;
  assert.equal(
    (await call(b, 'POST', '/v1/peering/establish', { PeerName: 'a', PeeringToken: token })).status,
    200,
  );
  await retry(
    async () => {
      const rows = (await call(b, 'GET', '/v1/catalog/service/big?peer=a')).json();
      assert.equal(rows.length, total);
      assert.equal(rows[0].ServiceMeta.k9.length, 500);
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  const peering = (await call(a, 'GET', '/v1/peering/b')).json();
  assert.equal(peering.State, 'ACTIVE');
  assert.equal(peering.Diagnostics.LastNack, undefined, 'the importer NACKed nothing');
});
