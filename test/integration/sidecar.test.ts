// Connect.SidecarService in an agent registration becomes Consul's `<id>-sidecar-proxy` registration, on a real agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

test('sidecar - SidecarService expands into a connect-proxy with a range port, defaults and checks; leaves with its parent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-sidecar-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'ports.hcl');
  writeFileSync(file, 'ports { sidecar_min_port = 31000 \n sidecar_max_port = 31001 }\n');
  const agent = await startAgentProcess(t, { args: ['-config-file', file] });
  const put = async (path: string, body?: unknown): Promise<Response> =>
    fetch(`${agent.httpAddr}${path}`, {
      method: 'PUT',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const get = async (path: string): Promise<Record<string, any>> =>
    (await (await fetch(`${agent.httpAddr}${path}`)).json()) as Record<string, any>;

  const web = {
    ID: 'web1',
    Name: 'web',
    Port: 8080,
    Tags: ['v1'],
    Meta: { team: 'a' },
    Connect: { SidecarService: {} },
  };
  assert.equal((await put('/v1/agent/service/register', web)).status, 200);
  const services = await get('/v1/agent/services');
  const sc = services['web1-sidecar-proxy'];
  assert.ok(sc, JSON.stringify(services));
  assert.equal(sc.Kind, 'connect-proxy');
  assert.equal(sc.Service, 'web-sidecar-proxy');
  assert.equal(sc.Port, 31000);
  assert.deepEqual(sc.Tags, ['v1']);
  assert.deepEqual(sc.Meta, { team: 'a' });
  assert.equal(sc.Proxy.DestinationServiceName, 'web');
  assert.equal(sc.Proxy.DestinationServiceID, 'web1');
  assert.equal(sc.Proxy.LocalServiceAddress, '127.0.0.1');
  assert.equal(sc.Proxy.LocalServicePort, 8080);
  assert.equal(services['web1'].Connect, undefined, 'the nested definition is not kept on the parent');

  const checks = await get('/v1/agent/checks');
  const listening = checks['service:web1-sidecar-proxy:1'];
  assert.equal(listening.Name, 'Connect Sidecar Listening');
  assert.equal(listening.Definition.TCP, '127.0.0.1:31000');
  assert.equal(listening.Definition.Interval, '10s');
  const aliasing = checks['service:web1-sidecar-proxy:2'];
  assert.equal(aliasing.Name, 'Connect Sidecar Aliasing web1');
  assert.equal(aliasing.Definition.AliasService, 'web1');
  // web1 has no checks: the alias mirrors a healthy service.
  await retry(async () => {
    const c = (await get('/v1/agent/checks'))['service:web1-sidecar-proxy:2'];
    assert.equal(c.Status, 'passing');
  });

  // Re-registering keeps the port; another sidecar gets the next one; the range can run out.
  assert.equal((await put('/v1/agent/service/register', web)).status, 200);
  assert.equal((await get('/v1/agent/services'))['web1-sidecar-proxy'].Port, 31000);
  const api = { ID: 'api', Name: 'api', Port: 9090, Connect: { SidecarService: { Port: 0 } } };
  assert.equal((await put('/v1/agent/service/register', api)).status, 200);
  assert.equal((await get('/v1/agent/services'))['api-sidecar-proxy'].Port, 31001);
  const full = await put('/v1/agent/service/register', { ...api, ID: 'api2' });
  assert.equal(full.status, 400);
  assert.equal(
    await full.text(),
    'no port provided for sidecar_service and none left in the configured range [31000, 31001]',
  );

  assert.equal((await put('/v1/agent/service/deregister/web1')).status, 200);
  const after = await get('/v1/agent/services');
  assert.equal(after['web1-sidecar-proxy'], undefined, 'the sidecar leaves with its parent');
  assert.ok(after['api-sidecar-proxy']);
});

test('sidecar - concurrent registrations get distinct range ports; past the range each extra one is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-sidecar-race-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'ports.hcl');
  const size = 24;
  writeFileSync(file, `ports { sidecar_min_port = 32000 \n sidecar_max_port = ${32000 + size - 1} }\n`);
  const agent = await startAgentProcess(t, { args: ['-config-file', file] });
  const register = (i: number): Promise<Response> =>
    fetch(`${agent.httpAddr}/v1/agent/service/register`, {
      method: 'PUT',
      body: JSON.stringify({ ID: `s${i}`, Name: `s${i}`, Port: 1000 + i, Connect: { SidecarService: {} } }),
    });
  // All at once: more registrations than ports in the range.
  const extra = 6;
  const replies = await Promise.all(Array.from({ length: size + extra }, (_, i) => register(i)));
  const statuses = replies.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 200).length, size, statuses.join(','));
  const refused = replies.filter((r) => r.status === 400);
  assert.equal(refused.length, extra);
  for (const r of refused) {
    assert.equal(
      await r.text(),
      `no port provided for sidecar_service and none left in the configured range [32000, ${32000 + size - 1}]`,
    );
  }
  const services = (await (await fetch(`${agent.httpAddr}/v1/agent/services`)).json()) as Record<string, any>;
  const ports = Object.values(services)
    .filter((s) => s.Kind === 'connect-proxy')
    .map((s) => Number(s.Port));
  assert.equal(ports.length, size);
  assert.equal(new Set(ports).size, size, `duplicate sidecar ports: ${ports.sort().join(',')}`);
  for (const p of ports) assert.ok(p >= 32000 && p < 32000 + size, String(p));
});
