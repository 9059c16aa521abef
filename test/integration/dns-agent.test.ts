// The agent's DNS interface queried with real resolvers (dig, Node's Resolver), for local services and for a
// service imported from a peer running in another agent process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';
import { missingTool } from '../helpers/system-tool.js';

async function call(agent: AgentProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as any };
}

function dig(port: number, ...args: string[]): string {
  return execFileSync('dig', ['@127.0.0.1', '-p', String(port), '+short', '+time=2', '+tries=1', ...args], {
    encoding: 'utf8',
  });
}

test('dns - a real agent answers local, peered and virtual names to dig and Node resolvers', async (t) => {
  const [a, b] = await Promise.all([
    startAgentProcess(t, { grpcTls: true, datacenter: 'dca', node: 'a-server' }),
    startAgentProcess(t, { grpcTls: true, dns: true, datacenter: 'dcb', node: 'b-server' }),
  ]);
  const port = b.dnsPort!;
  for (const [node, addr] of [
    ['a1', '10.1.0.1'],
    ['a2', '10.1.0.2'],
  ] as const) {
    await call(a, 'PUT', '/v1/catalog/register', {
      Node: node,
      Address: addr,
      Service: { Service: 'web', ID: `web-${node}`, Port: 8080 },
      Check: { CheckID: `c-${node}`, Name: 'c', Status: 'passing', ServiceID: `web-${node}` },
    });
  }
  await call(b, 'PUT', '/v1/catalog/register', {
    Node: 'b1',
    Address: '10.2.0.1',
    Service: { Service: 'api', Port: 9000 },
  });
  await call(a, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'web', Consumers: [{ Peer: 'cluster-b' }] }],
  });
  const token = (await call(a, 'POST', '/v1/peering/token', { PeerName: 'cluster-b' })).json().PeeringToken;
  assert.equal(
    (await call(b, 'POST', '/v1/peering/establish', { PeerName: 'cluster-a', PeeringToken: token })).status,
    200,
  );
  await retry(
    async () =>
      assert.equal((await call(b, 'GET', '/v1/health/service/web?peer=cluster-a')).json().length, 2),
    {
      timeoutMs: 15_000,
    },
  );

  // dig over UDP and TCP (skipped, naming the package, where dig is not installed).
  await t.test('dns - dig over UDP and TCP', { skip: missingTool('dig') }, () => {
    assert.equal(dig(port, 'api.service.consul').trim(), '10.2.0.1');
    assert.equal(dig(port, '+tcp', 'api.service.dcb.consul').trim(), '10.2.0.1');
    assert.deepEqual(dig(port, 'web.service.cluster-a.peer.consul').trim().split('\n').sort(), [
      '10.1.0.1',
      '10.1.0.2',
    ]);
    assert.deepEqual(dig(port, '+tcp', 'web.service.cluster-a.peer.consul').trim().split('\n').sort(), [
      '10.1.0.1',
      '10.1.0.2',
    ]);
    assert.equal(dig(port, 'a1.node.cluster-a.peer.consul').trim(), '10.1.0.1');
    assert.match(
      dig(port, 'SRV', '_web._tcp.service.cluster-a.peer.consul'),
      /1 1 8080 a[12]\.node\.cluster-a\.peer\.consul\./,
    );
    assert.match(dig(port, 'web.virtual.cluster-a.consul').trim(), /^24\d\.\d+\.\d+\.\d+$/);
    assert.equal(dig(port, 'web.service.consul').trim(), '', 'peered data is not local data');
  });

  // Node's resolver.
  const r = new Resolver();
  r.setServers([`127.0.0.1:${port}`]);
  assert.deepEqual((await r.resolve4('web.service.cluster-a.peer.consul')).sort(), ['10.1.0.1', '10.1.0.2']);
  const srv = await r.resolveSrv('api.service.consul');
  assert.equal(srv[0]?.port, 9000);
  await assert.rejects(r.resolve4('nope.service.consul'), /ENOTFOUND/);
  await assert.rejects(r.resolve4('web.service.dca.dc.cluster-a.peer.consul'), /ENOTFOUND/);

  // Health changes on the exporter reach DNS answers on the importer.
  await call(a, 'PUT', '/v1/catalog/register', {
    Node: 'a2',
    Address: '10.1.0.2',
    Check: { CheckID: 'c-a2', Name: 'c', Status: 'critical', ServiceID: 'web-a2' },
  });
  // A new Resolver per attempt: no answer is reused from an earlier query.
  await retry(
    async () => {
      const fresh = new Resolver();
      fresh.setServers([`127.0.0.1:${port}`]);
      assert.deepEqual(await fresh.resolve4('web.service.cluster-a.peer.consul'), ['10.1.0.1']);
    },
    { timeoutMs: 15_000 },
  );
});
