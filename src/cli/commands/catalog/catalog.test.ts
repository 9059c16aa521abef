import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fakeConsul, runAgainst } from '../../testing/run.js';

const NODES = [
  {
    ID: '9a1b2c3d-0000-4000-8000-000000000001',
    Node: 'node-1',
    Address: '10.0.0.1',
    Datacenter: 'dc1',
    TaggedAddresses: { wan: '1.2.3.4', lan: '10.0.0.1' },
    Meta: { env: 'prod', 'consul-network-segment': '' },
    CreateIndex: 5,
    ModifyIndex: 6,
  },
  {
    ID: '',
    Node: 'n2',
    Address: '10.0.0.22',
    Datacenter: 'dc1',
    TaggedAddresses: null,
    Meta: null,
    CreateIndex: 7,
    ModifyIndex: 7,
  },
];

test('cli catalog datacenters - one per line; extra argument rejected', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/catalog/datacenters', { json: ['dc1', 'dc2'] });
  const run = await runAgainst(fake, ['catalog', 'datacenters', '-datacenter=dc9']);
  assert.deepEqual(run, { code: 0, stdout: 'dc1\ndc2\n', stderr: '' });
  assert.equal(fake.requests[0]?.query, 'dc=dc9');
  const extra = await runAgainst(fake, ['catalog', 'datacenters', 'x']);
  assert.deepEqual(extra, { code: 1, stdout: '', stderr: 'Too many arguments (expected 0, got 1)\n' });
});

test('cli catalog nodes - short IDs, columns, query flags', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/catalog/nodes', { json: NODES });
  const run = await runAgainst(fake, [
    'catalog',
    'nodes',
    '-near=_agent',
    '-node-meta',
    'env=prod',
    '-stale',
  ]);
  assert.equal(run.code, 0);
  assert.equal(
    run.stdout,
    'Node    ID        Address    DC\nnode-1  9a1b2c3d  10.0.0.1   dc1\nn2                10.0.0.22  dc1\n',
  );
  assert.equal(fake.requests[0]?.query, 'near=_agent&node-meta=env%3Aprod&stale=');
});

test('cli catalog nodes - -detailed shows full ID, tagged addresses and meta sorted', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/catalog/nodes', { json: [NODES[0]] });
  const run = await runAgainst(fake, ['catalog', 'nodes', '-detailed']);
  assert.equal(
    run.stdout,
    'Node    ID                                    Address   DC   TaggedAddresses            Meta\n' +
      'node-1  9a1b2c3d-0000-4000-8000-000000000001  10.0.0.1  dc1  lan=10.0.0.1, wan=1.2.3.4  consul-network-segment=, env=prod\n',
  );
});

test('cli catalog nodes - -service queries the service, -filter reads @file; none found on stderr, exit 0', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/catalog/service/web', { json: [] });
  const run = await runAgainst(fake, ['catalog', 'nodes', '-service=web', '-filter=@f.txt'], {
    files: { 'f.txt': 'ServiceTags contains "v1"' },
  });
  assert.deepEqual(run, {
    code: 0,
    stdout: '',
    stderr: 'No nodes match the given query - try expanding your search.\n',
  });
  assert.equal(fake.requests[0]?.query, 'filter=ServiceTags+contains+%22v1%22');
});

test('cli catalog services - sorted names; -tags aligned like tabwriter', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/catalog/services', { json: { web: ['v2', 'v1'], consul: [], db: null } });
  const plain = await runAgainst(fake, ['catalog', 'services']);
  assert.equal(plain.stdout, 'consul\ndb\nweb\n');
  const tags = await runAgainst(fake, ['catalog', 'services', '-tags']);
  assert.equal(tags.stdout, 'consul      \ndb          \nweb         v1,v2\n');
});

test('cli catalog services - -peer and -filter (Entente extensions) and -node', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/catalog/services', { json: { api: [] } });
  fake.on('GET', '/v1/catalog/node/node-1', {
    json: {
      Node: NODES[0],
      Services: {
        'web-1': { ID: 'web-1', Service: 'web', Tags: ['b'], Address: '' },
        'web-2': { ID: 'web-2', Service: 'web', Tags: ['a'], Address: '' },
      },
    },
  });
  fake.on('GET', '/v1/catalog/node/ghost', { json: null });
  const peer = await runAgainst(fake, ['catalog', 'services', '-peer', 'west', '-filter', 'x']);
  assert.equal(peer.stdout, 'api\n');
  assert.equal(fake.requests[0]?.query, 'filter=x&peer=west');
  const node = await runAgainst(fake, ['catalog', 'services', '-node=node-1', '-tags']);
  assert.equal(node.stdout, 'web      a,b\n');
  const ghost = await runAgainst(fake, ['catalog', 'services', '-node=ghost']);
  assert.deepEqual(ghost, {
    code: 0,
    stdout: '',
    stderr: 'No services match the given query - try expanding your search.\n',
  });
});

test('cli catalog services - HTTP error, exit 1', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/catalog/services', { status: 500, text: 'rpc error: no leader' });
  const run = await runAgainst(fake, ['catalog', 'services']);
  assert.deepEqual(run, {
    code: 1,
    stdout: '',
    stderr: 'Error listing services: Unexpected response code: 500 (rpc error: no leader)\n',
  });
});
