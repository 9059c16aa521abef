// Cluster peering between separate agent processes on loopback: A exports to B and C, B exports to A.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ENTENTE_BIN,
  fastPeeringConfigFile,
  startAgentProcess,
  startPeeringAgent,
  type AgentProcess,
} from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

async function call(agent: AgentProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as any };
}

/** Runs `entente <group> <verb> -http-addr=<agent> <args...>`. */
function cli(agent: AgentProcess | undefined, group: string, verb: string, ...args: string[]) {
  const addr = agent ? [`-http-addr=${agent.httpAddr}`] : [];
  const r = spawnSync(process.execPath, [ENTENTE_BIN, group, verb, ...addr, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function register(
  agent: AgentProcess,
  node: string,
  service: string,
  status = 'passing',
  id = service,
) {
  const r = await call(agent, 'PUT', '/v1/catalog/register', {
    Node: node,
    Address: '10.0.0.1',
    Service: { Service: service, ID: id, Port: 8080 },
    Check: { CheckID: `chk-${id}`, Name: 'chk', Status: status, ServiceID: id },
  });
  assert.equal(r.status, 200, r.text);
}

async function exportServices(
  agent: AgentProcess,
  entries: { Name: string; Consumers: { Peer: string }[] }[],
) {
  const r = await call(agent, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: entries,
  });
  assert.equal(r.text, 'true', r.text);
}

async function state(agent: AgentProcess, peer: string): Promise<string> {
  const r = await call(agent, 'GET', `/v1/peering/${peer}`);
  return r.status === 200 ? r.json().State : `HTTP ${r.status}`;
}

async function waitState(agent: AgentProcess, peer: string, want: string) {
  await retry(async () => assert.equal(await state(agent, peer), want), { timeoutMs: 15_000 });
}

test('peering - three agent processes: establish, replicate, ?peer= endpoints, delete, re-establish', async (t) => {
  const cfg = fastPeeringConfigFile(t);
  const start = (dc: string) => startPeeringAgent(t, dc, cfg);
  const [a, b, c] = await Promise.all([start('dca'), start('dcb'), start('dcc')]);

  await register(a, 'a-node-1', 'web');
  await register(a, 'a-node-2', 'web', 'passing', 'web-2');
  await register(a, 'a-node-1', 'db');
  await register(b, 'b-node-1', 'api');
  await exportServices(a, [
    { Name: 'web', Consumers: [{ Peer: 'cluster-b' }, { Peer: 'cluster-c' }] },
    { Name: 'db', Consumers: [{ Peer: 'cluster-b' }] },
  ]);
  await exportServices(b, [{ Name: 'api', Consumers: [{ Peer: 'cluster-a' }] }]);

  // A → B through the HTTP API.
  const tokB = await call(a, 'POST', '/v1/peering/token', { PeerName: 'cluster-b', Meta: { team: 'b' } });
  assert.equal(tokB.status, 200, tokB.text);
  const pending = (await call(a, 'GET', '/v1/peering/cluster-b')).json();
  assert.equal(pending.State, 'PENDING');
  assert.deepEqual(pending.Meta, { team: 'b' });
  const est = await call(b, 'POST', '/v1/peering/establish', {
    PeerName: 'cluster-a',
    PeeringToken: tokB.json().PeeringToken,
  });
  assert.equal(est.status, 200, est.text);
  assert.equal(est.text, '{}');

  // A → C through the CLI.
  const gen = cli(a, 'peering', 'generate-token', '-name', 'cluster-c');
  assert.equal(gen.code, 0, gen.stderr);
  const described = cli(undefined, 'peering', 'describe-token', gen.stdout.trim());
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /server\.dca\.peering\./);
  const decoded = JSON.parse(Buffer.from(gen.stdout.trim(), 'base64').toString()) as {
    EstablishmentSecret: string;
    ServerAddresses: string[];
  };
  assert.ok(!described.stdout.includes(decoded.EstablishmentSecret), 'describe-token never shows the secret');
  assert.deepEqual(decoded.ServerAddresses, [`127.0.0.1:${a.grpcTlsPort}`]);
  const estC = cli(c, 'peering', 'establish', '-name', 'cluster-a', '-peering-token', gen.stdout.trim());
  assert.equal(estC.code, 0, estC.stderr);
  assert.match(estC.stdout, /Successfully established peering connection with cluster-a/);

  await waitState(b, 'cluster-a', 'ACTIVE');
  await waitState(a, 'cluster-b', 'ACTIVE');
  await waitState(c, 'cluster-a', 'ACTIVE');

  // Exported services appear through every ?peer= endpoint; local reads stay local.
  await retry(
    async () => {
      const rows = (await call(b, 'GET', '/v1/health/service/web?peer=cluster-a')).json();
      assert.equal(rows.length, 2);
      assert.equal(rows[0].Service.PeerName, 'cluster-a');
      assert.equal(rows[0].Checks[0].CheckID, 'web:overall-check');
    },
    { timeoutMs: 15_000 },
  );
  assert.deepEqual(Object.keys((await call(b, 'GET', '/v1/catalog/services?peer=cluster-a')).json()).sort(), [
    'db',
    'web',
  ]);
  assert.equal((await call(b, 'GET', '/v1/catalog/service/web?peer=cluster-a')).json().length, 2);
  assert.ok(
    (await call(b, 'GET', '/v1/catalog/nodes?peer=cluster-a')).json().some((n: any) => n.Node === 'a-node-1'),
  );
  assert.equal(
    (await call(b, 'GET', '/v1/catalog/node/a-node-1?peer=cluster-a')).json().Node.PeerName,
    'cluster-a',
  );
  assert.equal(
    (await call(b, 'GET', '/v1/catalog/node-services/a-node-1?peer=cluster-a')).json().Services.length,
    2,
  );
  assert.equal((await call(b, 'GET', '/v1/health/checks/web?peer=cluster-a')).json().length, 2);
  assert.equal((await call(b, 'GET', '/v1/health/node/a-node-1?peer=cluster-a')).json().length, 2);
  assert.equal(
    (await call(b, 'GET', '/v1/catalog/service/web')).text,
    '[]',
    'without ?peer= only local data',
  );
  await retry(
    async () =>
      assert.equal((await call(a, 'GET', '/v1/health/service/api?peer=cluster-b')).json().length, 1),
    { timeoutMs: 15_000 },
  );
  await retry(
    async () =>
      assert.equal((await call(c, 'GET', '/v1/health/service/web?peer=cluster-a')).json().length, 2),
    { timeoutMs: 15_000 },
  );
  assert.equal(
    (await call(c, 'GET', '/v1/health/service/db?peer=cluster-a')).text,
    '[]',
    'db is not exported to C',
  );
  const services = cli(b, 'catalog', 'services', '-peer', 'cluster-a');
  assert.equal(services.code, 0, services.stderr);
  assert.deepEqual(services.stdout.trim().split('\n'), ['db', 'web']);

  // A blocking ?peer= query wakes on an exporter-side health change.
  const first = await call(b, 'GET', '/v1/health/service/web?peer=cluster-a');
  const index = first.headers.get('x-consul-index');
  const waiting = call(b, 'GET', `/v1/health/service/web?peer=cluster-a&index=${index}&wait=20s`);
  await register(a, 'a-node-1', 'web', 'critical');
  const woke = await waiting;
  assert.ok(Number(woke.headers.get('x-consul-index')) > Number(index));
  assert.ok(woke.json().some((r: any) => r.Checks[0].Status === 'critical'));

  // New instance, deregistration and un-export propagate.
  await register(a, 'a-node-3', 'web', 'passing', 'web-3');
  await retry(
    async () =>
      assert.equal((await call(b, 'GET', '/v1/health/service/web?peer=cluster-a')).json().length, 3),
    { timeoutMs: 15_000 },
  );
  await call(a, 'PUT', '/v1/catalog/deregister', { Node: 'a-node-2', ServiceID: 'web-2' });
  await retry(
    async () =>
      assert.equal((await call(b, 'GET', '/v1/health/service/web?peer=cluster-a')).json().length, 2),
    { timeoutMs: 15_000 },
  );
  await exportServices(a, [{ Name: 'web', Consumers: [{ Peer: 'cluster-b' }, { Peer: 'cluster-c' }] }]);
  await retry(
    async () => assert.equal((await call(b, 'GET', '/v1/health/service/db?peer=cluster-a')).text, '[]'),
    { timeoutMs: 15_000 },
  );

  const list = (await call(a, 'GET', '/v1/peerings')).json();
  assert.deepEqual(
    list.map((p: any) => p.Name),
    ['cluster-b', 'cluster-c'],
  );
  const readB = (await call(a, 'GET', '/v1/peering/cluster-b')).json();
  assert.deepEqual(readB.StreamStatus.ExportedServices, ['web']);
  assert.deepEqual(readB.StreamStatus.ImportedServices, ['api']);
  assert.ok(readB.StreamStatus.LastHeartbeat);

  // Delete from the dialer side: B removes its record; A goes TERMINATED and drops what it imported from B.
  const del = await call(b, 'DELETE', '/v1/peering/cluster-a');
  assert.equal(del.status, 200);
  assert.equal(del.text, '');
  await retry(async () => assert.equal((await call(b, 'GET', '/v1/peering/cluster-a')).status, 404), {
    timeoutMs: 15_000,
  });
  await waitState(a, 'cluster-b', 'TERMINATED');
  assert.equal((await call(a, 'GET', '/v1/health/service/api?peer=cluster-b')).text, '[]');
  assert.equal(
    (await call(b, 'GET', '/v1/catalog/nodes?peer=cluster-a')).text,
    '[]',
    'no leftovers on the deleting side',
  );

  // After the other side deletes too, a new token re-establishes cleanly.
  assert.equal((await call(a, 'DELETE', '/v1/peering/cluster-b')).status, 200);
  await retry(async () => assert.equal((await call(a, 'GET', '/v1/peering/cluster-b')).status, 404), {
    timeoutMs: 15_000,
  });
  const again = await call(a, 'POST', '/v1/peering/token', { PeerName: 'cluster-b' });
  assert.equal(
    (
      await call(b, 'POST', '/v1/peering/establish', {
        PeerName: 'cluster-a',
        PeeringToken: again.json().PeeringToken,
      })
    ).status,
    200,
  );
  await waitState(b, 'cluster-a', 'ACTIVE');
  await retry(
    async () =>
      assert.equal((await call(b, 'GET', '/v1/health/service/web?peer=cluster-a')).json().length, 2),
    { timeoutMs: 15_000 },
  );

  // kill -9 the acceptor: the dialer shows FAILING with a reason and keeps what it imported.
  await a.kill();
  await waitState(c, 'cluster-a', 'FAILING');
  const failing = (await call(c, 'GET', '/v1/peering/cluster-a')).json();
  assert.ok(failing.Diagnostics.Reason, JSON.stringify(failing.Diagnostics));
  assert.ok(failing.Diagnostics.Message);
  assert.equal((await call(c, 'GET', '/v1/health/service/web?peer=cluster-a')).json().length, 2);

  // Restart the acceptor on the same data and port: the dialer reconnects, and changes made after the restart
  // converge exactly (nothing missing, nothing stale).
  const a2 = await startPeeringAgent(t, 'dca', cfg, {
    dataDir: a.dataDir,
    args: ['-grpc-tls-port', String(a.grpcTlsPort)],
  });
  await waitState(c, 'cluster-a', 'ACTIVE');
  await call(a2, 'PUT', '/v1/catalog/deregister', { Node: 'a-node-3', ServiceID: 'web-3' });
  await register(a2, 'a-node-4', 'web', 'warning', 'web-4');
  const expectWeb = async (agent: AgentProcess) => {
    await retry(
      async () => {
        const rows = (await call(agent, 'GET', '/v1/health/service/web?peer=cluster-a')).json();
        assert.deepEqual(rows.map((r: any) => `${r.Service.ID}:${r.Checks[0].Status}`).sort(), [
          'web-4:warning',
          'web:critical',
        ]);
      },
      { timeoutMs: 15_000 },
    );
  };
  await expectWeb(c);

  // The same for the dialer: kill -9 C, change A while C is down, restart C; it converges.
  await c.kill();
  await register(a2, 'a-node-1', 'web', 'passing');
  const c2 = await startPeeringAgent(t, 'dcc', cfg, { dataDir: c.dataDir });
  await waitState(c2, 'cluster-a', 'ACTIVE');
  await retry(
    async () => {
      const rows = (await call(c2, 'GET', '/v1/health/service/web?peer=cluster-a')).json();
      assert.deepEqual(rows.map((r: any) => `${r.Service.ID}:${r.Checks[0].Status}`).sort(), [
        'web-4:warning',
        'web:passing',
      ]);
    },
    { timeoutMs: 15_000 },
  );
});

test('peering - bad tokens and names get clear errors', async (t) => {
  const a = await startAgentProcess(t, { grpcTls: true, datacenter: 'dcx', node: 'x' });
  const bad = async (body: unknown, status: number, re: RegExp) => {
    const r = await call(a, 'POST', '/v1/peering/establish', body);
    assert.equal(r.status, status, r.text);
    assert.match(r.text, re);
  };
  await bad({ PeerName: 'p', PeeringToken: '!!!not-base64' }, 400, /base64/i);
  await bad({ PeerName: 'p', PeeringToken: Buffer.from('not json').toString('base64') }, 400, /token/i);
  await bad({ PeerName: 'p', PeeringToken: Buffer.from('{}').toString('base64') }, 400, /peering token/i);
  await bad({ PeerName: 'p' }, 400, /PeeringToken is required/);
  await bad({ PeeringToken: 'x' }, 400, /PeerName is required/);
  const badName = await call(a, 'POST', '/v1/peering/token', { PeerName: 'Not_Valid' });
  assert.equal(badName.status, 400);
  assert.match(badName.text, /not a valid peer name/);
  const own = (await call(a, 'POST', '/v1/peering/token', { PeerName: 'me' })).json().PeeringToken;
  await bad({ PeerName: 'me2', PeeringToken: own }, 400, /within the same cluster/);
  const none = await call(a, 'GET', '/v1/peering/unknown');
  assert.equal(none.status, 404);
  assert.equal(none.text, 'Peering not found for "unknown"');
  assert.ok(Number(none.headers.get('x-consul-index')) >= 1);
  const noBody = await call(a, 'POST', '/v1/peering/token');
  assert.equal(noBody.text, 'The peering arguments must be provided in the body');
});

test('peering - a token whose CA does not match the acceptor fails establishment with the TLS detail', async (t) => {
  const [a, b, other] = await Promise.all([
    startAgentProcess(t, { grpcTls: true, datacenter: 'dca', node: 'a', timeoutMs: 60_000 }),
    startAgentProcess(t, { grpcTls: true, datacenter: 'dcb', node: 'b', timeoutMs: 60_000 }),
    startAgentProcess(t, { grpcTls: true, datacenter: 'dco', node: 'o', timeoutMs: 60_000 }),
  ]);
  const good = JSON.parse(
    Buffer.from(
      (await call(a, 'POST', '/v1/peering/token', { PeerName: 'b' })).json().PeeringToken,
      'base64',
    ).toString(),
  );
  const foreign = JSON.parse(
    Buffer.from(
      (await call(other, 'POST', '/v1/peering/token', { PeerName: 'x' })).json().PeeringToken,
      'base64',
    ).toString(),
  );
  const forged = Buffer.from(JSON.stringify({ ...good, CA: foreign.CA })).toString('base64');
  const r = await call(b, 'POST', '/v1/peering/establish', { PeerName: 'a', PeeringToken: forged });
  assert.equal(r.status, 500, r.text);
  // The answer says why (stable reason), where, and the TLS detail ...
  assert.match(r.text, /failed to establish peering "a" \(TLS_HANDSHAKE_FAILED\)/);
  assert.match(r.text, /ExchangeSecret to 127\.0\.0\.1:\d+ failed/);
  assert.match(r.text, /certificate|TLS/i);
  // ... and nothing is left behind to delete by hand.
  assert.equal((await call(b, 'GET', '/v1/peering/a')).status, 404);
});

test('peering - with peering disabled every peering endpoint says so', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-nopeering-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'off.hcl');
  writeFileSync(cfg, 'peering { enabled = false }\n');
  const a = await startAgentProcess(t, { grpcTls: true, args: ['-config-file', cfg] });
  for (const [method, path, body] of [
    ['POST', '/v1/peering/token', { PeerName: 'x' }],
    ['POST', '/v1/peering/establish', { PeerName: 'x', PeeringToken: 'abc' }],
    ['GET', '/v1/peering/x', undefined],
    ['GET', '/v1/peerings', undefined],
    ['DELETE', '/v1/peering/x', undefined],
  ] as const) {
    const r = await call(a, method, path, body);
    assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
    assert.match(r.text, /peering is disabled/, `${method} ${path}`);
  }
});
