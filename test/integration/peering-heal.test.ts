// Healing between two agent processes with a cuttable TCP bridge on the peering path (test/helpers/tcp-bridge.ts):
// the exporter (acceptor) A is dialled by the importer B through the bridge. Short keepalives make the bounds
// small; every wait polls with a deadline, nothing is timed.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTENTE_BIN, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { fetchHealthView } from '../helpers/peering-view.js';
import { retry } from '../helpers/retry.js';
import { TcpBridge } from '../helpers/tcp-bridge.js';

async function call(agent: AgentProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  assert.ok(res.status === 200, `${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

async function register(agent: AgentProcess, node: string, status: string): Promise<void> {
  await call(agent, 'PUT', '/v1/catalog/register', {
    Node: node,
    Address: '10.0.0.1',
    Service: { Service: 'web', ID: `web-${node}`, Port: 8080 },
    Check: { CheckID: `chk-${node}`, Name: 'chk', Status: status, ServiceID: `web-${node}` },
  });
}

async function peering(
  agent: AgentProcess,
  name: string,
): Promise<{ State: string; Diagnostics: Record<string, unknown> }> {
  return (await call(agent, 'GET', `/v1/peering/${name}`)) as {
    State: string;
    Diagnostics: Record<string, unknown>;
  };
}

function configFile(t: TestContext, name: string, peering: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'entente-heal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, `${name}.json`);
  writeFileSync(f, JSON.stringify({ peering }));
  return f;
}

/** A's view of web equals B's imported view, exactly. */
async function converged(a: AgentProcess, b: AgentProcess): Promise<void> {
  const want = await fetchHealthView(a.httpAddr, 'web');
  const got = await fetchHealthView(b.httpAddr, 'web', 'a');
  assert.deepEqual(got.view, want.view);
}

test('peering heal - blackhole: stale flag, exporter leaves ACTIVE with CONNECTION_LOST, exact convergence after heal; a redial replaces a half-dead stream', async (t) => {
  // Heartbeats stay long (Consul's 2 min timeout would hide the cut): only keepalive can notice it. B (dialer)
  // notices within 1 s + 1 s; A (acceptor) within 8 s + 8 s, so B redials while A still holds the old stream.
  const common = { heartbeat_interval: '500ms', heartbeat_timeout: '10m', max_reconnect_backoff: '500ms' };
  const cfgA = configFile(t, 'a', { ...common, keepalive_interval: '8s', keepalive_timeout: '8s' });
  const cfgB = configFile(t, 'b', { ...common, keepalive_interval: '1s', keepalive_timeout: '1s' });
  const [a, b] = await Promise.all([
    startAgentProcess(t, {
      grpcTls: true,
      datacenter: 'a',
      node: 'a-server',
      args: ['-config-file', cfgA],
      timeoutMs: 60_000,
    }),
    startAgentProcess(t, {
      datacenter: 'b',
      node: 'b-server',
      args: ['-config-file', cfgB],
      timeoutMs: 60_000,
    }),
  ]);
  const bridge = await TcpBridge.start({ host: '127.0.0.1', port: a.grpcTlsPort ?? 0 });
  t.after(() => bridge.close());

  await register(a, 'n1', 'passing');
  await register(a, 'n2', 'passing');
  await call(a, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'web', Consumers: [{ Peer: 'b' }] }],
  });
  const { PeeringToken } = (await call(a, 'POST', '/v1/peering/token', {
    PeerName: 'b',
    ServerExternalAddresses: [bridge.address],
  })) as { PeeringToken: string };
  await call(b, 'POST', '/v1/peering/establish', { PeerName: 'a', PeeringToken });
  await retry(() => converged(a, b), { timeoutMs: 30_000 });
  const fresh = await fetchHealthView(b.httpAddr, 'web', 'a');
  assert.ok(fresh.lastContactMs < 5_000, `fresh data has a small last contact: ${fresh.lastContactMs}`);

  // 1. Blackhole. B's reads flag the data as stale; A stops saying ACTIVE, with the lost-connection reason.
  bridge.cut('blackhole');
  await register(a, 'n1', 'critical');
  await retry(
    async () => {
      const r = await fetchHealthView(b.httpAddr, 'web', 'a');
      assert.ok(r.lastContactMs > 3_000, `last contact ${r.lastContactMs}`);
    },
    { timeoutMs: 45_000, intervalMs: 200 },
  );
  await retry(
    async () => {
      const p = await peering(a, 'b');
      assert.equal(p.State, 'FAILING');
      assert.equal(p.Diagnostics['Reason'], 'CONNECTION_LOST');
    },
    { timeoutMs: 45_000, intervalMs: 200 },
  );
  // The CLI's `peering read` shows the same reason.
  const read = spawnSync(
    process.execPath,
    [ENTENTE_BIN, 'peering', 'read', `-http-addr=${a.httpAddr}`, '-name', 'b'],
    {
      encoding: 'utf8',
    },
  );
  assert.match(read.stdout, /Reason:\s+CONNECTION_LOST/, read.stdout + read.stderr);

  // 2. Heal: exact convergence (the flip made during the cut arrives), and the stale flag clears.
  bridge.heal();
  await retry(() => converged(a, b), { timeoutMs: 30_000, intervalMs: 100 });
  await retry(
    async () => {
      assert.equal((await peering(a, 'b')).State, 'ACTIVE');
      assert.equal((await peering(b, 'a')).State, 'ACTIVE');
      const r = await fetchHealthView(b.httpAddr, 'web', 'a');
      assert.ok(r.lastContactMs < 3_000, `last contact ${r.lastContactMs}`);
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );

  // 3. The current connection goes half-dead (new ones pass). B's keepalive drops it first and B redials; A,
  // still holding the old stream, takes the new authenticated one instead of refusing it.
  const acceptedBefore = bridge.accepted;
  bridge.freezeExisting();
  await register(a, 'n2', 'critical');
  await retry(
    async () => {
      assert.ok(bridge.accepted > acceptedBefore, 'B redialled');
      await converged(a, b);
      assert.equal((await peering(b, 'a')).State, 'ACTIVE');
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  await retry(
    () => assert.ok(a.logs.some((l) => l.includes('a new authenticated stream replaces the running one'))),
    {
      timeoutMs: 10_000,
    },
  );
  assert.ok(
    !a.logs.some((l) => l.includes('there is an active stream for the given PeerID')),
    'the redial was not refused',
  );
});
