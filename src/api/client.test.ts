import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiClient, ApiConnectionError, ApiError, parseAddress } from './index.js';
import { startFakeConsul } from './testing/fake-consul.js';

test('api address - accepts host:port, schemes and path prefixes', () => {
  assert.equal(parseAddress(''), 'http://127.0.0.1:8500');
  assert.equal(parseAddress('10.0.0.1:8500'), 'http://10.0.0.1:8500');
  assert.equal(parseAddress('10.0.0.1:8501', true), 'https://10.0.0.1:8501');
  assert.equal(parseAddress('https://consul.example:8501/'), 'https://consul.example:8501');
  assert.equal(parseAddress('http://proxy:8080/consul/'), 'http://proxy:8080/consul');
  assert.throws(() => parseAddress('unix:///tmp/consul.sock'), /Unix socket addresses are not supported/);
});

test('api client - sends token header, client datacenter and Go-style query options', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/catalog/nodes', {
    json: [],
    headers: { 'X-Consul-Index': '42', 'X-Consul-KnownLeader': 'true', 'X-Consul-LastContact': '7' },
  });
  const client = new ApiClient({ address: fake.address, token: 'secret', datacenter: 'dc2' });
  const { value, meta } = await client.catalog.nodes({
    stale: true,
    index: 41,
    waitMs: 100_000,
    filter: 'Meta.env == prod',
    nodeMeta: { rack: 'r1' },
  });
  assert.deepEqual(value, []);
  assert.equal(meta.lastIndex, 42);
  assert.equal(meta.knownLeader, true);
  assert.equal(meta.lastContactMs, 7);
  const [req] = fake.requests;
  assert.equal(req?.path, '/v1/catalog/nodes');
  assert.equal(
    req?.query,
    'dc=dc2&filter=Meta.env+%3D%3D+prod&index=41&node-meta=rack%3Ar1&stale=&wait=100000ms',
  );
  assert.equal(req?.headers['x-consul-token'], 'secret');
});

test('api client - per-call dc, peer, consistent and token override the client defaults', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/catalog/services', { json: { web: ['v1'] } });
  const client = new ApiClient({ address: fake.address, token: 'a', datacenter: 'dc1' });
  const { value } = await client.catalog.services({ dc: 'dc9', peer: 'west', consistent: true, token: 'b' });
  assert.deepEqual(value, { web: ['v1'] });
  assert.equal(fake.requests[0]?.query, 'consistent=&dc=dc9&peer=west');
  assert.equal(fake.requests[0]?.headers['x-consul-token'], 'b');
});

test('api client - non-200 becomes ApiError with Consul client message', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/catalog/nodes', { status: 403, text: 'Permission denied: token lacks node:read\n' });
  const client = new ApiClient({ address: fake.address });
  await assert.rejects(client.catalog.nodes(), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.statusCode, 403);
    assert.equal(err.body, 'Permission denied: token lacks node:read');
    assert.equal(err.message, 'Unexpected response code: 403 (Permission denied: token lacks node:read)');
    return true;
  });
});

test('api client - connection failure names the method and URL like Go', async (t) => {
  const fake = await startFakeConsul(t);
  const address = fake.address;
  await fake.close();
  const client = new ApiClient({ address });
  await assert.rejects(client.status.leader(), (err: unknown) => {
    assert.ok(err instanceof ApiConnectionError);
    assert.match(err.message, new RegExp(`^Get "http://${address}/v1/status/leader": .*ECONNREFUSED`));
    return true;
  });
});

test('api catalog - service with tags, node null for unknown node, register body', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/catalog/service/web', { json: [{ ServiceName: 'web' }] });
  fake.on('GET', '/v1/catalog/node/nope', { json: null });
  fake.on('PUT', '/v1/catalog/register', { json: true });
  const client = new ApiClient({ address: fake.address });
  const svc = await client.catalog.service('web', ['v1', 'blue']);
  assert.equal(svc.value.length, 1);
  assert.equal(fake.requests[0]?.query, 'tag=v1&tag=blue');
  assert.equal((await client.catalog.node('nope')).value, null);
  await client.catalog.register({ Node: 'n1', Address: '10.0.0.1' });
  assert.equal(fake.requests[2]?.body, '{"Node":"n1","Address":"10.0.0.1"}\n');
  assert.equal(fake.requests[2]?.headers['content-type'], 'application/json');
});

test('api health - service passing and tags; state path', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/health/service/web', { json: [] });
  fake.on('GET', '/v1/health/state/critical', { json: [] });
  const client = new ApiClient({ address: fake.address });
  await client.health.service('web', { passing: true, tags: ['v1'] }, { peer: 'west' });
  await client.health.state('critical');
  assert.equal(fake.requests[0]?.query, 'passing=1&peer=west&tag=v1');
  assert.equal(fake.requests[1]?.path, '/v1/health/state/critical');
});

test('api agent - members always sends segment; register and deregister', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/agent/members', { json: [] });
  fake.on('PUT', '/v1/agent/service/register', {});
  fake.on('PUT', '/v1/agent/service/deregister/web-1', {});
  const client = new ApiClient({ address: fake.address });
  await client.agent.members({ wan: true });
  await client.agent.serviceRegister({ Name: 'web', Port: 80 }, { replaceExistingChecks: true });
  await client.agent.serviceDeregister('web-1');
  assert.equal(fake.requests[0]?.query, 'segment=_all&wan=1');
  assert.equal(fake.requests[1]?.query, 'replace-existing-checks=true');
  assert.equal(fake.requests[1]?.body, '{"Name":"web","Port":80}\n');
  assert.equal(fake.requests[2]?.method, 'PUT');
});

test('api kv - get decodes, 404 is null, put sends raw bytes with flags, cas and deleteCas read bool', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/kv/app/a%20b', {
    json: [{ Key: 'app/a b', Value: Buffer.from('hello').toString('base64'), Flags: 3 }],
  });
  fake.on('GET', '/v1/kv/missing', { status: 404 });
  fake.on('PUT', '/v1/kv/app/x', (req) => ({ json: req.query.includes('cas=5') ? false : true }));
  fake.on('DELETE', '/v1/kv/app/x', { json: true });
  const client = new ApiClient({ address: fake.address });
  const got = await client.kv.get('app/a b');
  assert.equal(Buffer.from(got.value?.Value ?? '', 'base64').toString(), 'hello');
  assert.equal((await client.kv.get('missing')).value, null);
  await client.kv.put({ key: 'app/x', value: 'v', flags: 7 });
  assert.equal(fake.requests[2]?.query, 'flags=7');
  assert.equal(fake.requests[2]?.body, 'v');
  assert.equal(fake.requests[2]?.headers['content-type'], 'application/octet-stream');
  assert.equal(await client.kv.cas({ key: 'app/x', value: 'v' }, 5), false);
  assert.equal(await client.kv.deleteCas('app/x', 6), true);
  assert.equal(fake.requests[4]?.query, 'cas=6');
  await assert.rejects(client.kv.put({ key: '/bad' }), /Key must not begin with a '\/'/);
});

test('api kv - keys with separator and list recurse', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/kv/app', (req) => ({ json: req.query.startsWith('keys') ? ['app/a'] : [] }));
  const client = new ApiClient({ address: fake.address });
  assert.deepEqual((await client.kv.keys('app', '/')).value, ['app/a']);
  await client.kv.list('app');
  assert.equal(fake.requests[0]?.query, 'keys=&separator=%2F');
  assert.equal(fake.requests[1]?.query, 'recurse=');
});

test('api config entries - set, cas, get, list, delete and deleteCas', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('PUT', '/v1/config', (req) => ({ json: !req.query.includes('cas=0') }));
  fake.on('GET', '/v1/config/service-defaults/web', { json: { Kind: 'service-defaults', Name: 'web' } });
  fake.on('GET', '/v1/config/service-defaults', { json: [{ Kind: 'service-defaults', Name: 'web' }] });
  fake.on('DELETE', '/v1/config/service-defaults/web', (req) => ({ json: req.query === '' ? {} : true }));
  const client = new ApiClient({ address: fake.address });
  const entry = { Kind: 'service-defaults', Name: 'web', Protocol: 'http' };
  assert.equal(await client.configEntries.set(entry), true);
  assert.equal(await client.configEntries.cas(entry, 0), false);
  assert.equal((await client.configEntries.get('service-defaults', 'web')).value.Name, 'web');
  assert.equal((await client.configEntries.list('service-defaults')).value.length, 1);
  await client.configEntries.delete('service-defaults', 'web');
  assert.equal(await client.configEntries.deleteCas('service-defaults', 'web', 4), true);
  assert.equal(fake.requests[0]?.body, '{"Kind":"service-defaults","Name":"web","Protocol":"http"}\n');
  assert.equal(fake.requests[1]?.query, 'cas=0');
  assert.equal(fake.requests[5]?.query, 'cas=4');
});

test('api status - leader and peers', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/status/leader', { json: '127.0.0.1:8300' });
  fake.on('GET', '/v1/status/peers', { json: ['127.0.0.1:8300'] });
  const client = new ApiClient({ address: fake.address });
  assert.equal(await client.status.leader(), '127.0.0.1:8300');
  assert.deepEqual(await client.status.peers(), ['127.0.0.1:8300']);
});

test('api peerings - generate, establish, read 404 as null, list, delete', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('POST', '/v1/peering/token', { json: { PeeringToken: 'dG9r' } });
  fake.on('POST', '/v1/peering/establish', { json: {} });
  fake.on('GET', '/v1/peering/nope', { status: 404, text: 'Peering not found for "nope"' });
  fake.on('GET', '/v1/peerings', { json: [{ Name: 'a', State: 'ACTIVE' }] });
  fake.on('DELETE', '/v1/peering/a', {});
  const client = new ApiClient({ address: fake.address });
  const res = await client.peerings.generateToken({
    PeerName: 'a',
    ServerExternalAddresses: ['1.2.3.4:8503'],
  });
  assert.equal(res.PeeringToken, 'dG9r');
  assert.equal(fake.requests[0]?.body, '{"PeerName":"a","ServerExternalAddresses":["1.2.3.4:8503"]}\n');
  await client.peerings.establish({ PeerName: 'b', PeeringToken: 'dG9r' });
  const read = await client.peerings.read('nope');
  assert.equal(read.value, null);
  assert.equal(read.meta.lastIndex, 1);
  assert.equal((await client.peerings.list()).value[0]?.State, 'ACTIVE');
  await client.peerings.delete('a');
  assert.equal(fake.requests[4]?.method, 'DELETE');
  await assert.rejects(client.peerings.generateToken({ PeerName: '' }), /peer name cannot be empty/);
  await assert.rejects(client.peerings.read(''), /peering name cannot be empty/);
});

test('api peerings - list fails without X-Consul-LastContact, as the Go client does', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/peerings', { json: [], headers: { 'X-Consul-LastContact': '' } });
  const client = new ApiClient({ address: fake.address });
  await assert.rejects(client.peerings.list(), /Failed to parse X-Consul-LastContact/);
});

test('api client - proxy reads: service by hash, CA roots and leaf blocking, trust bundles, TTL pass', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/agent/service/web-sidecar-proxy', {
    json: { ID: 'web-sidecar-proxy', Service: 'web-sidecar-proxy', Proxy: { DestinationServiceName: 'web' } },
    headers: { 'X-Consul-ContentHash': 'abc123' },
  });
  fake.on('GET', '/v1/agent/connect/ca/roots', {
    json: { ActiveRootID: 'r1', TrustDomain: 'td.consul', Roots: [] },
    headers: { 'X-Consul-Index': '9' },
  });
  fake.on('GET', '/v1/agent/connect/ca/leaf/web', { json: { SerialNumber: '01', CertPEM: 'c' } });
  fake.on('GET', '/v1/internal/peering/trust-bundle/b', { json: { Index: 3, Bundle: null } });
  fake.on('GET', '/v1/internal/peering/trust-bundles', {
    json: { Index: 4, Bundles: [{ TrustDomain: 'x.consul', PeerName: 'b', RootPEMs: ['pem'] }] },
  });
  fake.on('PUT', '/v1/agent/check/pass/web-ttl', { json: null });
  const client = new ApiClient({ address: fake.address });

  const svc = await client.agent.service('web-sidecar-proxy', 'old', { waitMs: 5000 });
  assert.equal(svc.hash, 'abc123');
  assert.equal(svc.value.Proxy?.DestinationServiceName, 'web');
  assert.equal(fake.requests[0]?.query, 'hash=old&wait=5000ms');
  const roots = await client.agent.connectCARoots({ index: 8 });
  assert.equal(roots.meta.lastIndex, 9);
  assert.equal(roots.value.TrustDomain, 'td.consul');
  assert.equal(fake.requests[1]?.query, 'index=8');
  assert.equal((await client.agent.connectCALeaf('web')).value.SerialNumber, '01');
  assert.equal((await client.peerings.trustBundle('b')).value, null);
  const list = await client.peerings.trustBundlesForService('web');
  assert.deepEqual(list.value[0]?.RootPEMs, ['pem']);
  assert.equal(fake.requests[4]?.query, 'service=web');
  await client.agent.passTTL('web-ttl');
  assert.equal(fake.requests[5]?.method, 'PUT');
});
