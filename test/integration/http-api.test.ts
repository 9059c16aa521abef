import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';
import { rmSync } from 'node:fs';

let agent: AgentProcess;

before(async () => {
  agent = await startAgentProcess(undefined, {});
});
after(async () => {
  await agent.kill();
  rmSync(agent.dataDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    headers,
    ...(body === undefined
      ? {}
      : { body: typeof body === 'string' || body instanceof Buffer ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as any };
}

async function register(node: string, service: string, extra: Record<string, unknown> = {}) {
  const r = await call('PUT', '/v1/catalog/register', {
    Node: node,
    Address: '10.0.0.1',
    Service: { Service: service, Port: 80, ...extra },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.text, 'true');
}

test('http - reads carry Consul query meta headers and the server registers itself', async () => {
  const r = await call('GET', '/v1/catalog/nodes');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/json');
  assert.ok(Number(r.headers.get('x-consul-index')) >= 2);
  assert.equal(r.headers.get('x-consul-knownleader'), 'true');
  assert.equal(r.headers.get('x-consul-lastcontact'), '0');
  assert.equal(r.headers.get('x-consul-default-acl-policy'), 'allow');
  const nodes = r.json();
  assert.equal(nodes[0].Node, 'node1');
  assert.equal(nodes[0].Meta['consul-network-segment'], '');
  const checks = (await call('GET', '/v1/health/node/node1')).json();
  assert.ok(checks.some((c: any) => c.CheckID === 'serfHealth' && c.Status === 'passing'));
  const consul = (await call('GET', '/v1/catalog/service/consul')).json();
  assert.equal(consul.length, 1);
  assert.equal(
    (await call('GET', '/v1/status/leader')).json(),
    '127.0.0.1:0',
    'no server RPC listener: port 0',
  );
});

test('http - catalog register, read through every catalog and health endpoint, deregister', async () => {
  await register('web-node', 'web', { Tags: ['v1', 'blue'], Meta: { env: 'prod' } });
  const services = (await call('GET', '/v1/catalog/services')).json();
  assert.deepEqual(services.web, ['blue', 'v1']);
  const rows = (await call('GET', '/v1/catalog/service/web')).json();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].ServiceName, 'web');
  assert.equal(rows[0].ServiceID, 'web');
  assert.equal(rows[0].Node, 'web-node');
  assert.deepEqual(rows[0].ServiceTags, ['v1', 'blue']);
  assert.equal((await call('GET', '/v1/catalog/service/web?tag=v1&tag=blue')).json().length, 1);
  assert.equal((await call('GET', '/v1/catalog/service/web?tag=v2')).json().length, 0);
  const node = (await call('GET', '/v1/catalog/node/web-node')).json();
  assert.equal(node.Node.Node, 'web-node');
  assert.equal(node.Services.web.Port, 80);
  const nodeServices = (await call('GET', '/v1/catalog/node-services/web-node')).json();
  assert.equal(nodeServices.Services[0].ID, 'web');
  const health = (await call('GET', '/v1/health/service/web')).json();
  assert.equal(health.length, 1);
  assert.deepEqual(health[0].Checks, []);
  assert.equal(health[0].Service.Service, 'web');

  // Unknown service: [] not 404; unknown node: null.
  const unknown = await call('GET', '/v1/catalog/service/nope');
  assert.equal(unknown.status, 200);
  assert.equal(unknown.text, '[]');
  const nullNode = await call('GET', '/v1/catalog/node/nope');
  assert.equal(nullNode.text, 'null');

  const d = await call('PUT', '/v1/catalog/deregister', { Node: 'web-node', ServiceID: 'web' });
  assert.equal(d.text, 'true');
  assert.equal((await call('GET', '/v1/catalog/service/web')).text, '[]');
  await call('PUT', '/v1/catalog/deregister', { Node: 'web-node' });
  assert.equal((await call('GET', '/v1/catalog/node/web-node')).text, 'null');
});

test('http - health ?passing drops instances with any non-passing check, node checks included', async () => {
  const r = await call('PUT', '/v1/catalog/register', {
    Node: 'h1',
    Address: '10.0.0.2',
    Service: { Service: 'api', ID: 'api1' },
    Checks: [
      { CheckID: 'node-ok', Name: 'node', Status: 'passing' },
      { CheckID: 'svc', Name: 'svc', Status: 'warning', ServiceID: 'api1' },
    ],
  });
  assert.equal(r.status, 200, r.text);
  const all = (await call('GET', '/v1/health/service/api')).json();
  assert.equal(all.length, 1);
  assert.deepEqual(
    all[0].Checks.map((c: any) => c.CheckID),
    ['node-ok', 'svc'],
  );
  assert.equal((await call('GET', '/v1/health/service/api?passing')).json().length, 0);
  assert.equal((await call('GET', '/v1/health/service/api?passing=false')).json().length, 1);
  assert.equal((await call('GET', '/v1/health/service/api?passing=maybe')).status, 400);
  const warning = (await call('GET', '/v1/health/state/warning')).json();
  assert.ok(warning.some((c: any) => c.CheckID === 'svc'));
  assert.equal((await call('GET', '/v1/health/state/bogus')).status, 400);
  const checks = (await call('GET', '/v1/health/checks/api')).json();
  assert.deepEqual(
    checks.map((c: any) => c.CheckID),
    ['svc'],
  );
  assert.equal(checks[0].ServiceName, 'api');
});

// The timeout only guards against a hang (a query that never wakes); nothing is asserted about time.
test(
  'http - blocking query on service A ignores writes to B and wakes on a write to A',
  { timeout: 120_000 },
  async () => {
    await register('n-a', 'svc-a');
    await register('n-b', 'svc-b');
    const first = await call('GET', '/v1/health/service/svc-a');
    const index = Number(first.headers.get('x-consul-index'));
    // A 10 min wait: the answer can only come from a wake-up, never from the deadline (a query that missed the write
    // to A would hang until the test's hang guard fails it).
    const pending = call('GET', `/v1/health/service/svc-a?index=${index}&wait=10m`);
    // Writes to B while A's query waits: none may answer it (it would carry A's old index and port).
    for (let i = 0; i < 3; i++) await register('n-b', 'svc-b', { Port: 1000 + i });
    await register('n-a', 'svc-a', { Port: 81 });
    const woke = await pending;
    assert.ok(Number(woke.headers.get('x-consul-index')) > index, "answered with A's new index");
    assert.equal(woke.json()[0].Service.Port, 81, 'and the state after the write to A, not before it');
  },
);

test('http - blocking query returns at the deadline with the same index when only other services change', async () => {
  await register('n-c', 'svc-c');
  const first = await call('GET', '/v1/catalog/service/svc-c');
  const index = Number(first.headers.get('x-consul-index'));
  const pending = call('GET', `/v1/catalog/service/svc-c?index=${index}&wait=300ms`);
  await register('n-d', 'svc-d');
  const r = await pending;
  assert.equal(Number(r.headers.get('x-consul-index')), index);
});

test('http - a client that disconnects releases its blocking query at once', async () => {
  const first = await call('GET', '/v1/catalog/service/svc-z');
  const index = first.headers.get('x-consul-index');
  await new Promise<void>((resolve) => {
    const req = request(`${agent.httpAddr}/v1/catalog/service/svc-z?index=${index}&wait=10m`);
    req.on('error', () => resolve());
    req.end();
    setImmediate(() => {
      req.destroy();
      resolve();
    });
  });
  // The server stays responsive and answers other requests.
  assert.equal((await call('GET', '/v1/status/leader')).status, 200);
});

test('http - bad input gets Consul statuses and messages and changes nothing', async () => {
  const before = (await call('GET', '/v1/catalog/nodes')).headers.get('x-consul-index');
  const bad = await call('PUT', '/v1/catalog/register', '{"Node": "x", ');
  assert.equal(bad.status, 400);
  assert.match(bad.text, /^Request decode failed: /);
  const wrongType = await call('PUT', '/v1/catalog/register', { Node: 5, Address: 'a' });
  assert.equal(wrongType.status, 400);
  assert.match(
    wrongType.text,
    /cannot unmarshal number into Go struct field RegisterRequest\.Node of type string/,
  );
  const missing = await call('PUT', '/v1/catalog/register', { Node: 'x' });
  assert.equal(missing.status, 400);
  assert.equal(missing.text, 'Must provide address if SkipNodeUpdate is not set');
  const noNode = await call('PUT', '/v1/catalog/register', { Address: '10.0.0.9' });
  assert.equal(noNode.status, 400);
  assert.equal(noNode.text, 'Must provide node');
  const after = (await call('GET', '/v1/catalog/nodes')).headers.get('x-consul-index');
  assert.equal(after, before);

  const unknown = await call('GET', '/v1/nope');
  assert.equal(unknown.status, 404);
  const wrongMethod = await call('POST', '/v1/catalog/nodes');
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'OPTIONS,GET');
  assert.equal(wrongMethod.text, 'method POST not allowed');
  const options = await call('OPTIONS', '/v1/kv/foo');
  assert.equal(options.status, 200);
  assert.equal(options.headers.get('allow'), 'OPTIONS,GET,PUT,DELETE');

  assert.equal((await call('GET', '/v1/catalog/nodes?index=abc')).text, 'Invalid index');
  assert.equal((await call('GET', '/v1/catalog/nodes?index=1&wait=5x')).text, 'Invalid wait time');
  const both = await call('GET', '/v1/catalog/nodes?stale&consistent');
  assert.equal(both.status, 400);
  assert.equal(both.text, 'Cannot specify ?stale with ?consistent, conflicting semantics.');
  const dc = await call('GET', '/v1/catalog/nodes?dc=dc9');
  assert.equal(dc.status, 500);
  assert.equal(dc.text, 'No path to datacenter');
  assert.equal((await call('GET', '/v1/catalog/nodes?dc=dc1')).status, 200);
  const ns = await call('GET', '/v1/catalog/nodes?ns=team');
  assert.equal(ns.status, 400);
  assert.match(ns.text, /Namespaces are a Consul Enterprise feature/);
  assert.equal((await call('GET', '/v1/catalog/nodes?ns=default')).status, 200);
  assert.equal((await call('GET', '/v1/catalog/service/')).text, 'Missing service name');
});

test('http - ?pretty indents with four spaces', async () => {
  const r = await call('GET', '/v1/catalog/datacenters?pretty');
  assert.equal(r.text, '[\n    "dc1"\n]\n');
});

test('http - ?filter selects with the bexpr language and rejects bad selectors', async () => {
  await register('f1', 'filtered', { ID: 'f-1', Meta: { env: 'prod' }, Tags: ['a'] });
  await register('f2', 'filtered', { ID: 'f-2', Meta: { env: 'dev' }, Tags: ['b'] });
  const prod = (
    await call('GET', `/v1/catalog/service/filtered?filter=${encodeURIComponent('ServiceMeta.env == prod')}`)
  ).json();
  assert.deepEqual(
    prod.map((r: any) => r.ServiceID),
    ['f-1'],
  );
  const tagged = (
    await call('GET', `/v1/health/service/filtered?filter=${encodeURIComponent('b in Service.Tags')}`)
  ).json();
  assert.deepEqual(
    tagged.map((r: any) => r.Service.ID),
    ['f-2'],
  );
  const bad = await call('GET', `/v1/catalog/service/filtered?filter=${encodeURIComponent('Nope == 1')}`);
  assert.equal(bad.status, 400);
  const syntax = await call('GET', `/v1/catalog/nodes?filter=${encodeURIComponent('Node ==')}`);
  assert.equal(syntax.status, 400);
});

test('http - KV put, get, recurse, keys, raw, cas, delete', async () => {
  assert.equal((await call('PUT', '/v1/kv/app/config/a?flags=42', 'alpha')).text, 'true');
  assert.equal((await call('PUT', '/v1/kv/app/config/b', 'beta')).text, 'true');
  assert.equal((await call('PUT', '/v1/kv/app/other', 'gamma')).text, 'true');
  const a = (await call('GET', '/v1/kv/app/config/a')).json();
  assert.equal(a[0].Key, 'app/config/a');
  assert.equal(a[0].Flags, 42);
  assert.equal(Buffer.from(a[0].Value, 'base64').toString(), 'alpha');
  assert.equal(a[0].CreateIndex, a[0].ModifyIndex);
  assert.equal((await call('GET', '/v1/kv/app/config/a?raw')).text, 'alpha');
  const rec = (await call('GET', '/v1/kv/app/?recurse')).json();
  assert.deepEqual(
    rec.map((e: any) => e.Key),
    ['app/config/a', 'app/config/b', 'app/other'],
  );
  assert.deepEqual((await call('GET', '/v1/kv/app/?keys&separator=/')).json(), ['app/config/', 'app/other']);
  assert.equal((await call('GET', '/v1/kv/missing')).status, 404);
  assert.ok(Number((await call('GET', '/v1/kv/missing')).headers.get('x-consul-index')) >= 1);

  // CAS: 0 creates only when absent; a stale index loses.
  assert.equal((await call('PUT', '/v1/kv/app/config/a?cas=0', 'x')).text, 'false');
  assert.equal((await call('PUT', `/v1/kv/app/config/a?cas=${a[0].ModifyIndex}`, 'alpha2')).text, 'true');
  assert.equal((await call('PUT', `/v1/kv/app/config/a?cas=${a[0].ModifyIndex}`, 'alpha3')).text, 'false');
  assert.equal((await call('GET', '/v1/kv/app/config/a?raw')).text, 'alpha2');
  assert.equal((await call('PUT', '/v1/kv/app/config/a?flags=x', 'y')).status, 400);

  const big = Buffer.alloc(512 * 1024 + 1, 1);
  const tooBig = await call('PUT', '/v1/kv/big', big);
  assert.equal(tooBig.status, 413);
  assert.match(tooBig.text, /too large, max size: 524288 bytes/);
  assert.equal((await call('GET', '/v1/kv/big')).status, 404);

  assert.equal((await call('DELETE', '/v1/kv/app/config/?recurse')).text, 'true');
  assert.deepEqual((await call('GET', '/v1/kv/app/?keys')).json(), ['app/other']);
  assert.equal((await call('DELETE', '/v1/kv/app/other')).text, 'true');
  assert.equal((await call('GET', '/v1/kv/app/?recurse')).status, 404);
});

test('http - config entries: write, read, list, cas, delete, validation', async () => {
  const entry = { Kind: 'service-defaults', Name: 'web', Protocol: 'http' };
  assert.equal((await call('PUT', '/v1/config', entry)).text, 'true');
  const got = (await call('GET', '/v1/config/service-defaults/web')).json();
  assert.equal(got.Kind, 'service-defaults');
  assert.equal(got.Name, 'web');
  assert.equal(got.Protocol, 'http');
  assert.ok(got.ModifyIndex > 0);
  const list = (await call('GET', '/v1/config/service-defaults')).json();
  assert.equal(list.length, 1);
  assert.equal((await call('PUT', '/v1/config?cas=0', entry)).text, 'false');
  assert.equal(
    (await call('PUT', `/v1/config?cas=${got.ModifyIndex}`, { ...entry, Protocol: 'grpc' })).text,
    'true',
  );
  const missing = await call('GET', '/v1/config/service-defaults/nope');
  assert.equal(missing.status, 404);
  assert.equal(missing.text, 'Config entry not found for "service-defaults" / "nope"');
  const badKind = await call('PUT', '/v1/config', { Kind: 'bogus', Name: 'x' });
  assert.equal(badKind.status, 400);
  assert.match(badKind.text, /bogus/);
  const badProxy = await call('PUT', '/v1/config', { Kind: 'proxy-defaults', Name: 'not-global' });
  assert.ok(badProxy.status >= 400, badProxy.text);
  assert.equal((await call('DELETE', '/v1/config/service-defaults/web')).text, '{}');
  assert.equal((await call('GET', '/v1/config/service-defaults/web')).status, 404);
  // The SDK harness deletes a random service-intentions entry to probe readiness.
  assert.equal(
    (await call('DELETE', '/v1/config/service-intentions/Sa4ohw5raith4si0Ohwuqu3lowiethoh')).status,
    200,
  );
});

test('http - repeated reads reuse rendered answers but never serve stale data', async () => {
  await register('cache-node', 'cached', { Port: 1 });
  const plain1 = await call('GET', '/v1/health/service/cached');
  const pretty1 = await call('GET', '/v1/health/service/cached?pretty');
  assert.equal(plain1.json()[0].Service.Port, 1);
  assert.equal(pretty1.text, `${JSON.stringify(plain1.json(), null, 4)}\n`);
  assert.equal((await call('GET', '/v1/health/service/cached')).text, plain1.text);
  await register('cache-node', 'cached', { Port: 2 });
  assert.equal((await call('GET', '/v1/health/service/cached')).json()[0].Service.Port, 2);
  assert.equal((await call('GET', '/v1/health/service/cached?pretty')).json()[0].Service.Port, 2);
  // A node-level check changes the instance's health: the cached answer must move with it.
  await call('PUT', '/v1/catalog/register', {
    Node: 'cache-node',
    Address: '10.0.0.1',
    Check: { CheckID: 'node-down', Name: 'n', Status: 'critical' },
  });
  assert.equal((await call('GET', '/v1/health/service/cached?passing')).text, '[]');
  const checks = (await call('GET', '/v1/health/service/cached')).json()[0].Checks;
  assert.deepEqual(
    checks.map((c: any) => c.Status),
    ['critical'],
  );
  // A bad filter is still a 400 whether or not an answer is cached.
  assert.equal(
    (await call('GET', `/v1/health/service/cached?filter=${encodeURIComponent('Nope == 1')}`)).status,
    400,
  );
});

test('http - health/connect follows changes to the sidecar proxies themselves', async () => {
  const r = await call('PUT', '/v1/catalog/register', {
    Node: 'mesh-node',
    Address: '10.0.0.9',
    Service: {
      Kind: 'connect-proxy',
      Service: 'pay-sidecar-proxy',
      ID: 'pay-proxy',
      Port: 21000,
      Proxy: { DestinationServiceName: 'pay' },
    },
    Check: { CheckID: 'proxy-alive', Name: 'p', Status: 'passing', ServiceID: 'pay-proxy' },
  });
  assert.equal(r.status, 200, r.text);
  const first = await call('GET', '/v1/health/connect/pay');
  assert.equal(first.json()[0].Checks[0].Status, 'passing');
  const index = first.headers.get('x-consul-index');
  const waiting = call('GET', `/v1/health/connect/pay?index=${index}&wait=5s`);
  await call('PUT', '/v1/catalog/register', {
    Node: 'mesh-node',
    Address: '10.0.0.9',
    Check: { CheckID: 'proxy-alive', Name: 'p', Status: 'critical', ServiceID: 'pay-proxy' },
  });
  const woke = await waiting;
  assert.ok(Number(woke.headers.get('x-consul-index')) > Number(index));
  assert.equal(woke.json()[0].Checks[0].Status, 'critical');
  assert.equal((await call('GET', '/v1/health/connect/pay?passing')).text, '[]');
});

test('http - SkipNodeUpdate without an address adds the service and leaves the node record alone', async () => {
  await register('skip-node', 'skip-a', {});
  const before = (await call('GET', '/v1/catalog/node/skip-node')).json();
  const r = await call('PUT', '/v1/catalog/register', {
    Node: 'skip-node',
    SkipNodeUpdate: true,
    NodeMeta: { ignored: 'yes' },
    Service: { Service: 'skip-b', Port: 81 },
  });
  assert.equal(r.status, 200, r.text);
  const after = (await call('GET', '/v1/catalog/node/skip-node')).json();
  assert.equal(after.Node.Address, '10.0.0.1');
  assert.deepEqual(after.Node.Meta, before.Node.Meta);
  assert.equal(after.Node.ModifyIndex, before.Node.ModifyIndex);
  assert.deepEqual(Object.keys(after.Services).sort(), ['skip-a', 'skip-b']);
  // As in Consul, a node that does not exist yet is created from what the request carries.
  const fresh = await call('PUT', '/v1/catalog/register', {
    Node: 'skip-fresh',
    SkipNodeUpdate: true,
    Service: { Service: 'skip-c', Port: 82 },
  });
  assert.equal(fresh.status, 200, fresh.text);
  const node = (await call('GET', '/v1/catalog/node/skip-fresh')).json();
  assert.equal(node.Node.Address, '');
  assert.ok(node.Services['skip-c']);
});

test('http - service Locality is stored and returned by agent, catalog and health endpoints', async () => {
  const locality = { Region: 'us-east-1', Zone: 'us-east-1a' };
  const reg = await call('PUT', '/v1/agent/service/register', {
    Name: 'loc-agent',
    Port: 90,
    Locality: locality,
  });
  assert.equal(reg.status, 200, reg.text);
  const agentSvc = (await call('GET', '/v1/agent/service/loc-agent')).json();
  assert.deepEqual(agentSvc.Locality, locality);
  const listed = (await call('GET', '/v1/agent/services')).json();
  assert.deepEqual(listed['loc-agent'].Locality, locality);
  await retry(async () =>
    assert.equal((await call('GET', '/v1/catalog/service/loc-agent')).json().length, 1),
  );
  const cat = (await call('GET', '/v1/catalog/service/loc-agent')).json();
  assert.deepEqual(cat[0].ServiceLocality, locality);
  const health = (await call('GET', '/v1/health/service/loc-agent')).json();
  assert.deepEqual(health[0].Service.Locality, locality);

  await register('loc-node', 'loc-catalog', { Locality: { Region: 'eu-west-1' } });
  const cat2 = (await call('GET', '/v1/catalog/service/loc-catalog')).json();
  assert.deepEqual(cat2[0].ServiceLocality, { Region: 'eu-west-1' });
  const node = (await call('GET', '/v1/catalog/node/loc-node')).json();
  assert.deepEqual(node.Services['loc-catalog'].Locality, { Region: 'eu-west-1' });
  // No locality: the key is left out, as Consul's omitempty does.
  await register('loc-node', 'loc-none', {});
  assert.equal('ServiceLocality' in (await call('GET', '/v1/catalog/service/loc-none')).json()[0], false);
});
