// Services and checks defined in agent config files (Consul's `service {}` / `services [...]`): registered at every
// start through the agent HTTP registration path, with their sidecar and checks; invalid ones stop start-up.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'entente-cfgsvc-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A loopback HTTP server answering 200 on /health (its port also serves the TCP check). */
async function healthServer(t: TestContext): Promise<number> {
  const server: Server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 404;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

function webHcl(port: number): string {
  return `
service {
  name = "web"
  id = "web-1"
  port = ${port}
  address = "127.0.0.1"
  tags = ["v1"]
  meta = { version = "1" }
  enable_tag_override = true
  tagged_addresses { lan { address = "127.0.0.1" port = ${port} } }
  check { name = "web http" http = "http://127.0.0.1:${port}/health" interval = "1s" }
  checks { name = "web tcp" tcp = "127.0.0.1:${port}" interval = "1s" }
  connect {
    sidecar_service {
      proxy { upstreams { destination_name = "db" local_bind_port = 9191 } }
    }
  }
}
`;
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.json();
}

test('config services - a config-file service with a sidecar and http/tcp checks is registered, listed and checked', async (t) => {
  const dir = tempDir(t);
  const port = await healthServer(t);
  const file = join(dir, 'web.hcl');
  writeFileSync(file, webHcl(port));
  const agent = await startAgentProcess(t, { args: ['-config-file', file] });
  assert.ok(
    !agent.logs.some((l) => l.includes('not used by Entente')),
    'no key of the definition is ignored',
  );

  const services = await getJson(`${agent.httpAddr}/v1/agent/services`);
  const web = services['web-1'];
  assert.equal(web.Service, 'web');
  assert.equal(web.Port, port);
  assert.deepEqual(web.Tags, ['v1']);
  assert.deepEqual(web.Meta, { version: '1' });
  assert.equal(web.EnableTagOverride, true);
  assert.deepEqual(web.TaggedAddresses, { lan: { Address: '127.0.0.1', Port: port } });
  const sidecar = services['web-1-sidecar-proxy'];
  assert.equal(sidecar.Kind, 'connect-proxy');
  assert.equal(sidecar.Service, 'web-sidecar-proxy');
  assert.ok(sidecar.Port >= 21000 && sidecar.Port <= 21255, `sidecar port ${sidecar.Port} is from the range`);
  assert.equal(sidecar.Proxy.DestinationServiceName, 'web');
  assert.equal(sidecar.Proxy.DestinationServiceID, 'web-1');
  assert.equal(sidecar.Proxy.LocalServicePort, port);
  assert.equal(sidecar.Proxy.Upstreams[0].DestinationName, 'db');
  assert.equal(sidecar.Proxy.Upstreams[0].LocalBindPort, 9191);

  const catalog = await getJson(`${agent.httpAddr}/v1/catalog/service/web`);
  assert.equal(catalog.length, 1);
  assert.equal(catalog[0].ServiceID, 'web-1');
  assert.equal(catalog[0].ServicePort, port);
  assert.equal(catalog[0].ServiceAddress, '127.0.0.1');
  assert.deepEqual(catalog[0].ServiceTags, ['v1']);
  const proxies = await getJson(`${agent.httpAddr}/v1/catalog/service/web-sidecar-proxy`);
  assert.equal(proxies[0].ServicePort, sidecar.Port);

  // The checks run: both reach passing against the live server.
  await retry(
    async () => {
      const checks = await getJson(`${agent.httpAddr}/v1/health/checks/web`);
      const byName = Object.fromEntries(checks.map((c: any) => [c.Name, c]));
      assert.equal(byName['web http']?.Status, 'passing');
      assert.equal(byName['web http']?.Type, 'http');
      assert.equal(byName['web tcp']?.Status, 'passing');
      assert.equal(byName['web tcp']?.Type, 'tcp');
    },
    { timeoutMs: 20_000 },
  );
  const sidecarChecks = await getJson(`${agent.httpAddr}/v1/health/checks/web-sidecar-proxy`);
  assert.deepEqual(
    sidecarChecks.map((c: any) => c.Name).sort(),
    ['Connect Sidecar Aliasing web-1', 'Connect Sidecar Listening'],
    "the sidecar gets Consul's default checks",
  );
});

test('config services - deregistered over the API until the next start; dropped from config, gone at the next start', async (t) => {
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  const port = await healthServer(t);
  const file = join(dir, 'web.hcl');
  writeFileSync(file, webHcl(port));
  let agent = await startAgentProcess(t, { dataDir, args: ['-config-file', file] });
  const dereg = await fetch(`${agent.httpAddr}/v1/agent/service/deregister/web-1`, { method: 'PUT' });
  assert.equal(dereg.status, 200);
  assert.deepEqual(Object.keys(await getJson(`${agent.httpAddr}/v1/agent/services`)), []);
  await agent.stop();

  agent = await startAgentProcess(t, { dataDir, args: ['-config-file', file] });
  const again = await getJson(`${agent.httpAddr}/v1/agent/services`);
  assert.deepEqual(Object.keys(again).sort(), ['web-1', 'web-1-sidecar-proxy']);
  assert.ok(again['web-1-sidecar-proxy'].Port >= 21000, 'the sidecar gets a range port again');
  await agent.stop();

  // The sidecar and the checks are dropped from the config (web stays, api is new): gone at the next start.
  writeFileSync(
    file,
    `service {\n name = "web"\n id = "web-1"\n port = ${port}\n}\nservice {\n name = "api"\n port = 9000\n}\n`,
  );
  agent = await startAgentProcess(t, { dataDir, args: ['-config-file', file] });
  assert.deepEqual(Object.keys(await getJson(`${agent.httpAddr}/v1/agent/services`)).sort(), [
    'api',
    'web-1',
  ]);
  assert.deepEqual(await getJson(`${agent.httpAddr}/v1/health/checks/web`), []);
  await agent.stop();
});

async function assertStartFails(t: TestContext, hcl: string, message: RegExp): Promise<void> {
  const file = join(tempDir(t), 'bad.hcl');
  writeFileSync(file, hcl);
  await assert.rejects(
    startAgentProcess(t, { args: ['-config-file', file] }),
    (err: Error) => /exited with 1/.test(err.message) && message.test(err.message),
  );
}

test('config services - invalid definitions stop start-up with Consul messages', async (t) => {
  await assertStartFails(t, 'service { port = 80 }\n', /Failed to register service "": Missing service name/);
  await assertStartFails(
    t,
    'service { name = "web" check { http = "http://127.0.0.1/" } }\n',
    /Failed to validate checks for service "web": Invalid check: Interval must be > 0/,
  );
  await assertStartFails(
    t,
    'service { name = "web" kind = "connect-proxy" port = 1 }\n',
    /Failed to register service "web": Validation failed: .*Proxy.DestinationServiceName must be non-empty/s,
  );
  await assertStartFails(
    t,
    'check { name = "orphan" ttl = "10s" service_id = "nope" }\n',
    /Failed to register check 'orphan': ServiceID "nope" does not exist/,
  );
});

test('config services - script checks from config files run with enable_local_script_checks; HTTP ones still need enable_script_checks', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'script.json');
  const script = { name: 'ok script', args: [process.execPath, '-e', 'process.exit(0)'], interval: '1s' };
  writeFileSync(file, JSON.stringify({ services: [{ name: 'job', checks: [script] }] }));
  await assert.rejects(startAgentProcess(t, { args: ['-config-file', file] }), (err: Error) =>
    /Failed to register service "job": Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or 'enable_local_script_checks' to true/.test(
      err.message,
    ),
  );
  const agent = await startAgentProcess(t, { args: ['-config-file', file, '-enable-local-script-checks'] });
  await retry(
    async () => {
      const checks = await getJson(`${agent.httpAddr}/v1/health/checks/job`);
      assert.equal(checks[0]?.Status, 'passing');
      assert.equal(checks[0]?.Type, 'script');
    },
    { timeoutMs: 20_000 },
  );
  const remote = await fetch(`${agent.httpAddr}/v1/agent/check/register`, {
    method: 'PUT',
    body: JSON.stringify({ Name: 'remote script', Args: [process.execPath, '-e', ''], Interval: '1s' }),
  });
  assert.equal(remote.status, 400);
  assert.match(await remote.text(), /Scripts are disabled on this agent from remote calls/);
});
