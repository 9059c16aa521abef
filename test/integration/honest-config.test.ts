// A real `entente agent` never advertises what it does not do: refused security settings, headers that match what
// is enforced, no redirect to a missing UI, no invented node meta, and the agent/self fields Consul's Go client reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'entente-honest-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test('honest config - acl.enabled stops start-up with a message naming the key', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'acl.hcl');
  writeFileSync(file, 'acl { enabled = true\n default_policy = "deny" }\n');
  await assert.rejects(
    startAgentProcess(t, { args: ['-config-file', file] }),
    (err: Error) =>
      /exited with 1/.test(err.message) && /acl\.enabled: ACLs are not implemented/.test(err.message),
  );
});

test('honest config - responses say the policy that is enforced, and / does not redirect to a missing UI', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'acl.json');
  writeFileSync(
    file,
    JSON.stringify({ acl: { enabled: false, default_policy: 'deny' }, ui_config: { enabled: true } }),
  );
  const agent = await startAgentProcess(t, { args: ['-config-file', file] });
  const put = await fetch(`${agent.httpAddr}/v1/kv/open`, { method: 'PUT', body: 'x' });
  assert.equal(put.status, 200, 'a PUT without a token succeeds: no ACLs');
  assert.equal(put.headers.get('x-consul-default-acl-policy'), 'allow');
  assert.ok(
    agent.logs.some((l) => l.includes('acl.default_policy has no effect')),
    'the ignored key is logged',
  );
  assert.ok(agent.logs.some((l) => l.includes('ui_config.enabled (-ui) is ignored')));
  const root = await fetch(`${agent.httpAddr}/`, { redirect: 'manual' });
  assert.equal(root.status, 200);
  assert.equal(root.headers.get('location'), null);
  assert.match(await root.text(), /no web UI yet/);
});

test('honest config - agent/self has what the Go client reads; no xDS, no invented meta', async (t) => {
  const agent = await startAgentProcess(t, { grpcTls: true, args: ['-node-meta', 'rack:r1'] });
  const self = (await (await fetch(`${agent.httpAddr}/v1/agent/self`)).json()) as Record<string, any>;
  // Stated (the Go client slices tcp:// off it), but with port 0: no Serf listener exists.
  assert.equal(self['DebugConfig'].SerfAdvertiseAddrLAN, 'tcp://127.0.0.1:0');
  assert.equal(self['DebugConfig'].GRPCPort, -1, 'plaintext gRPC is not served, so not advertised');
  assert.equal(self['DebugConfig'].GRPCTLSPort, agent.grpcTlsPort);
  assert.equal(self['DebugConfig'].ConnectEnabled, true);
  assert.equal(self['DebugConfig'].EnableDebug, false);
  assert.equal(self['xDS'], undefined, 'no xDS server, no xDS section');
  assert.deepEqual(self['Meta'], { 'consul-network-segment': '', rack: 'r1' });
  assert.equal(self['Member'].Tags.grpc_tls_port, String(agent.grpcTlsPort));
  // The Go client's TestAPI_AgentJoin: join the address agent/self gives (minus tcp://).
  const addr = String(self['DebugConfig'].SerfAdvertiseAddrLAN).slice('tcp://'.length);
  const join = await fetch(`${agent.httpAddr}/v1/agent/join/${addr}`, { method: 'PUT' });
  assert.equal(join.status, 200, await join.text());
  for (const target of ['10.9.9.9:8301', '127.0.0.1:8301']) {
    const other = await fetch(`${agent.httpAddr}/v1/agent/join/${target}`, { method: 'PUT' });
    assert.equal(other.status, 400, target);
    assert.match(await other.text(), /do not join LAN clusters/);
  }
  const nodes = (await (await fetch(`${agent.httpAddr}/v1/catalog/node/node1`)).json()) as Record<
    string,
    any
  >;
  assert.deepEqual(nodes['Node'].Meta, { 'consul-network-segment': '', rack: 'r1' });
  const consulSvc = nodes['Services'].consul;
  assert.equal(consulSvc.Meta.grpc_port, undefined, 'no plaintext gRPC port announced');
  assert.equal(consulSvc.Meta.grpc_tls_port, String(agent.grpcTlsPort));
});

/** One port a response names, and where. */
interface Advertised {
  readonly where: string;
  readonly port: number;
}

function portOfAddress(where: string, addr: unknown): Advertised[] {
  const m = typeof addr === 'string' ? /:(\d+)$/.exec(addr) : null;
  return m ? [{ where, port: Number(m[1]) }] : [];
}

/** Every port named by agent/self, agent/members, the catalog's `consul` service and /v1/status/*. */
async function advertisedPorts(httpAddr: string): Promise<Advertised[]> {
  const get = async (path: string): Promise<any> => (await fetch(`${httpAddr}${path}`)).json();
  const out: Advertised[] = [];
  const debug = ((await get('/v1/agent/self')) as Record<string, any>)['DebugConfig'] as Record<
    string,
    unknown
  >;
  for (const [k, v] of Object.entries(debug)) {
    if (/Port(LAN|WAN)?$/.test(k) && typeof v === 'number') out.push({ where: `DebugConfig.${k}`, port: v });
    if (k.includes('Addr')) out.push(...portOfAddress(`DebugConfig.${k}`, v));
  }
  for (const [k, v] of Object.entries(debug['Ports'] as Record<string, number>)) {
    out.push({ where: `DebugConfig.Ports.${k}`, port: v });
  }
  for (const m of (await get('/v1/agent/members')) as any[]) {
    out.push({ where: 'members.Port', port: Number(m.Port) });
    for (const [k, v] of Object.entries(m.Tags as Record<string, string>)) {
      if (k === 'port' || k.endsWith('_port')) out.push({ where: `members.Tags.${k}`, port: Number(v) });
    }
  }
  for (const s of (await get('/v1/catalog/service/consul')) as any[]) {
    out.push({ where: 'catalog consul.ServicePort', port: Number(s.ServicePort) });
    for (const [k, v] of Object.entries(s.ServiceMeta as Record<string, string>)) {
      if (k.endsWith('_port')) out.push({ where: `catalog consul.ServiceMeta.${k}`, port: Number(v) });
    }
  }
  out.push(...portOfAddress('status/leader', await get('/v1/status/leader')));
  for (const p of (await get('/v1/status/peers')) as string[]) out.push(...portOfAddress('status/peers', p));
  return out;
}

function tcpAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('honest config - every port agent/self, members, the consul service and status name has a listener', async (t) => {
  const agent = await startAgentProcess(t, { grpcTls: true, dns: true });
  const advertised = await advertisedPorts(agent.httpAddr);
  const open = advertised.filter((a) => a.port > 0);
  // The listeners that exist are advertised (so this test cannot pass by advertising nothing) ...
  for (const port of [agent.httpPort, agent.grpcTlsPort, agent.dnsPort]) {
    assert.ok(
      open.some((a) => a.port === port),
      `port ${String(port)} not advertised: ${JSON.stringify(advertised)}`,
    );
  }
  // ... and every advertised port accepts a connection: no 8300/8301/8302 with nothing behind it.
  for (const a of open) assert.ok(await tcpAccepts(a.port), `${a.where} = ${a.port}: nothing listens there`);
  const byName = new Map(advertised.map((a) => [a.where, a.port]));
  assert.equal(byName.get('DebugConfig.ServerPort'), -1);
  assert.equal(byName.get('DebugConfig.SerfPortLAN'), -1);
  assert.equal(byName.get('members.Port'), 0, 'uint16 in the Go client: 0, not -1');
  assert.equal(byName.get('catalog consul.ServicePort'), 0);
});

test('honest config - an unreadable node-ID file stops start-up instead of minting a new ID', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'node-id')); // reading a directory fails with EISDIR
  await assert.rejects(
    startAgentProcess(t, { dataDir: dir }),
    (err: Error) => /exited with 1/.test(err.message) && /failed to read node ID file/.test(err.message),
  );
  const bad = tempDir(t);
  writeFileSync(join(bad, 'node-id'), 'not-a-uuid\n');
  await assert.rejects(startAgentProcess(t, { dataDir: bad }), (err: Error) =>
    /does not hold a UUID/.test(err.message),
  );
});

test('honest config - an empty -config-file starts the agent', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'empty.json');
  writeFileSync(file, '');
  const agent = await startAgentProcess(t, { args: ['-config-file', file] });
  assert.equal((await fetch(`${agent.httpAddr}/v1/status/leader`)).status, 200);
});

async function checkOf(httpAddr: string, id: string): Promise<Record<string, any> | undefined> {
  const all = (await (await fetch(`${httpAddr}/v1/agent/checks`)).json()) as Record<string, any>;
  return all[id] as Record<string, any> | undefined;
}

test("honest config - script checks: refused with Consul's text unless -enable-script-checks, then run", async (t) => {
  const check = { ID: 's1', Name: 'script', Args: ['sh', '-c', 'echo degraded; exit 1'], Interval: '10s' };
  const off = await startAgentProcess(t, {});
  const refused = await fetch(`${off.httpAddr}/v1/agent/check/register`, {
    method: 'PUT',
    body: JSON.stringify(check),
  });
  assert.equal(refused.status, 400);
  assert.equal(
    await refused.text(),
    "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true",
  );
  const on = await startAgentProcess(t, { args: ['-enable-script-checks'] });
  assert.ok(on.logs.some((l) => l.includes('enable_script_checks = true without ACLs is DANGEROUS')));
  const ok = await fetch(`${on.httpAddr}/v1/agent/check/register`, {
    method: 'PUT',
    body: JSON.stringify(check),
  });
  assert.equal(ok.status, 200, await ok.text());
  await retry(async () => {
    const c = await checkOf(on.httpAddr, 's1');
    assert.equal(c?.['Status'], 'warning');
    assert.equal(c?.['Output'], 'degraded\n');
    assert.equal(c?.['Type'], 'script');
  });
});

test('honest config - UDP and alias checks registered over HTTP run instead of staying critical', async (t) => {
  const agent = await startAgentProcess(t, {});
  const put = async (path: string, body: unknown): Promise<void> => {
    const r = await fetch(`${agent.httpAddr}${path}`, { method: 'PUT', body: JSON.stringify(body) });
    assert.equal(r.status, 200, await r.text());
  };
  await put('/v1/agent/service/register', {
    ID: 'web',
    Name: 'web',
    Port: 80,
    Check: { CheckID: 'web-ttl', TTL: '5m' },
  });
  await put('/v1/agent/check/register', { ID: 'web-alias', Name: 'alias', AliasService: 'web' });
  await put('/v1/agent/check/pass/web-ttl', undefined);
  await retry(async () => {
    const c = await checkOf(agent.httpAddr, 'web-alias');
    assert.equal(c?.['Status'], 'passing');
    assert.equal(c?.['Type'], 'alias');
  });
  await put('/v1/agent/check/register', {
    ID: 'dns-udp',
    Name: 'udp',
    UDP: '127.0.0.1:9',
    Interval: '1s',
    Timeout: '200ms',
  });
  await retry(async () => {
    const c = await checkOf(agent.httpAddr, 'dns-udp');
    assert.equal(c?.['Type'], 'udp');
    assert.notEqual(c?.['Output'], '', 'the probe ran');
  });
  const h2 = await fetch(`${agent.httpAddr}/v1/agent/check/register`, {
    method: 'PUT',
    body: JSON.stringify({ Name: 'h2', H2PING: '127.0.0.1:1', Interval: '10s' }),
  });
  assert.equal(h2.status, 400, 'a check kind that would never run is refused');
  assert.match(await h2.text(), /H2PING checks are not supported by Entente yet/);
});

test("honest config - ?cached reads carry X-Cache and Age as Consul's agent cache does", async (t) => {
  const agent = await startAgentProcess(t, {});
  const get = (path: string) => fetch(`${agent.httpAddr}${path}`);
  const first = await get('/v1/catalog/services?cached');
  assert.equal(first.headers.get('x-cache'), 'MISS');
  assert.equal(first.headers.get('age'), null);
  const second = await get('/v1/catalog/services?cached');
  assert.equal(second.headers.get('x-cache'), 'HIT');
  assert.match(second.headers.get('age') ?? '', /^\d+$/);
  assert.equal((await get('/v1/health/service/consul?cached')).headers.get('x-cache'), 'MISS');
  assert.equal((await get('/v1/catalog/services')).headers.get('x-cache'), null, 'only with ?cached');
  assert.equal(
    (await get('/v1/catalog/nodes?cached')).headers.get('x-cache'),
    null,
    'not an agent-cache endpoint',
  );
});
