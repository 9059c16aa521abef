// Per-peer import caps between two agent processes: the importer's `peering { import_max_services }` refuses a
// service past the cap with a NACK the exporter sees, keeps what it imported, shows it in the peering read and a
// metric, and imports the refused service once the exporter made room and sends it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import {
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
  return { status: res.status, text, json: () => JSON.parse(text) as any };
}

function configFile(t: TestContext, config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'entente-import-caps-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'caps.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

async function register(agent: AgentProcess, service: string, tag = 'v1') {
  const r = await call(agent, 'PUT', '/v1/catalog/register', {
    Node: `node-${service}`,
    Address: '10.0.0.1',
    Service: { Service: service, ID: service, Port: 8080, Tags: [tag] },
  });
  assert.equal(r.status, 200, r.text);
}

const imported = async (b: AgentProcess): Promise<string[]> =>
  Object.keys((await call(b, 'GET', '/v1/catalog/services?peer=a')).json() as object).sort();

test('peering import caps - a service past import_max_services is NACKed, not stored, shown; room lets it in', async (t) => {
  const caps = configFile(t, {
    peering: {
      heartbeat_interval: '200ms',
      heartbeat_timeout: '3s',
      max_reconnect_backoff: '500ms',
      import_max_services: 2,
    },
    telemetry: { prometheus_retention_time: '60s', disable_hostname: true },
  });
  const [a, b] = await Promise.all([
    startPeeringAgent(t, 'dca', fastPeeringConfigFile(t)),
    startPeeringAgent(t, 'dcb', caps),
  ]);
  for (const s of ['web', 'api', 'db']) await register(a, s);
  const exp = await call(a, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: '*', Consumers: [{ Peer: 'b' }] }],
  });
  assert.equal(exp.text, 'true', exp.text);
  const token = (await call(a, 'POST', '/v1/peering/token', { PeerName: 'b' })).json().PeeringToken;
  assert.equal(
    (await call(b, 'POST', '/v1/peering/establish', { PeerName: 'a', PeeringToken: token })).status,
    200,
  );

  // b holds two of the three, and says why the third is missing.
  const got = await retry(
    async () => {
      const p = (await call(b, 'GET', '/v1/peering/a')).json();
      assert.equal(p.State, 'ACTIVE');
      assert.equal(p.Diagnostics.Imports?.Refused?.Services, 1, JSON.stringify(p.Diagnostics));
      // The refusal is decided when an update is queued: the accepted ones may still be committing.
      const names = await imported(b);
      assert.equal(names.length, 2, names.join());
      return { p, names };
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const { p: read, names: two } = got;
  assert.equal(read.Diagnostics.Imports.Services, 2);
  assert.equal(read.Diagnostics.Imports.MaxServices, 2);
  assert.match(read.Diagnostics.Imports.LastRefusedMessage, /the limit is peering.import_max_services = 2/);
  const refused = ['api', 'db', 'web'].find((s) => !two.includes(s)) ?? '';
  assert.match(read.Diagnostics.Imports.LastRefusedMessage, new RegExp(`service "${refused}" not imported`));

  // The exporter received the NACK over gRPC (google.rpc.Status message), and the stream stayed up.
  await retry(
    async () => {
      const p = (await call(a, 'GET', '/v1/peering/b')).json();
      assert.equal(p.State, 'ACTIVE');
      assert.match(p.Diagnostics.LastNackMessage ?? '', /import_max_services = 2/);
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  await retry(
    async () => {
      const res = await fetch(`${b.httpAddr}/v1/agent/metrics?format=prometheus`);
      assert.match(
        await res.text(),
        /entente_peering_imports_refused\{peer_name="a",[^}]*cap="services"\} 1\b/,
      );
    },
    { timeoutMs: 10_000, intervalMs: 200 },
  );

  // a stops exporting one of the imported services and changes the refused one: b has room and takes it.
  const gone = two[0] ?? '';
  assert.equal((await call(a, 'PUT', '/v1/catalog/deregister', { Node: `node-${gone}` })).status, 200);
  await register(a, refused, 'v2');
  await retry(
    async () => {
      const now = await imported(b);
      assert.deepEqual(now, [...two.filter((s) => s !== gone), refused].sort());
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
});

test('peering import caps - a cap that is not an integer of at least 1 stops start-up, naming the key', async (t) => {
  const bad = configFile(t, { peering: { import_max_instances: 0 } });
  await assert.rejects(
    startAgentProcess(t, { args: ['-config-file', bad] }),
    /peering\.import_max_instances: must be at least 1, got 0/,
  );
});
