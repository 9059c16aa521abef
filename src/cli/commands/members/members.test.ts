import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fakeConsul, runAgainst } from '../../testing/run.js';

const MEMBERS = [
  {
    Name: 'client-1',
    Addr: '10.0.0.2',
    Port: 8301,
    Tags: { role: 'node', dc: 'dc1', build: '0.1.0:abc', vsn: '2' },
    Status: 1,
  },
  {
    Name: 'server-1',
    Addr: '10.0.0.1',
    Port: 8301,
    Tags: { role: 'consul', dc: 'dc1', build: '0.1.0:abc', vsn: '2', port: '8300' },
    Status: 1,
  },
  { Name: 'gone', Addr: '10.0.0.3', Port: 8301, Tags: { role: 'node', dc: 'dc1', vsn: '2' }, Status: 4 },
];

test('cli members - Consul columns, servers first, segment and partition filled', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/agent/members', { json: MEMBERS });
  const run = await runAgainst(fake, ['members']);
  assert.equal(run.code, 0);
  assert.equal(fake.requests[0]?.query, 'segment=_all');
  assert.equal(
    run.stdout,
    [
      'Node      Address        Status  Type    Build  Protocol  DC   Partition  Segment',
      'server-1  10.0.0.1:8301  alive   server  0.1.0  2         dc1  default    <all>',
      'client-1  10.0.0.2:8301  alive   client  0.1.0  2         dc1  default    <default>',
      'gone      10.0.0.3:8301  failed  client  < 0.3  2         dc1  default    <default>',
      '',
    ].join('\n'),
  );
});

test('cli members - -status filters by regexp; no match exits 2 silently', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/agent/members', { json: MEMBERS });
  const failed = await runAgainst(fake, ['members', '-status=fail']);
  assert.equal(failed.code, 0);
  assert.equal(
    failed.stdout,
    'Node  Address        Status  Type    Build  Protocol  DC   Partition  Segment\n' +
      'gone  10.0.0.3:8301  failed  client  < 0.3  2         dc1  default    <default>\n',
  );
  const none = await runAgainst(fake, ['members', '-status', 'left']);
  assert.deepEqual(none, { code: 2, stdout: '', stderr: '' });
  const bad = await runAgainst(fake, ['members', '-status=(']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^Failed to compile status regexp: /);
});

test('cli members - -detailed prints sorted tags; -wan and -filter reach the request', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/agent/members', { json: [MEMBERS[1]] });
  const run = await runAgainst(fake, [
    'members',
    '-detailed',
    '-wan',
    '-filter',
    'Name == x',
    '-token',
    'tok',
  ]);
  assert.equal(run.code, 0);
  assert.equal(
    run.stdout,
    'Node      Address        Status  Tags\n' +
      'server-1  10.0.0.1:8301  alive   ap=default,build=0.1.0:abc,dc=dc1,port=8300,role=consul,segment=<all>,vsn=2\n',
  );
  assert.equal(fake.requests[0]?.query, 'filter=Name+%3D%3D+x&segment=_all&wan=1');
  assert.equal(fake.requests[0]?.headers['x-consul-token'], 'tok');
});

test('cli members - server error is reported with Consul client message, exit 1', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/agent/members', { status: 403, text: 'Permission denied' });
  const run = await runAgainst(fake, ['members']);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, 'Error retrieving members: Unexpected response code: 403 (Permission denied)\n');
});

test('cli http flags - -token-file wins over -token; env CONSUL_HTTP_TOKEN used otherwise', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/agent/members', { json: [MEMBERS[1]] });
  await runAgainst(fake, ['members', '-token=flag', '-token-file=/tok'], {
    files: { '/tok': ' fromfile\n' },
  });
  await runAgainst(fake, ['members'], { env: { CONSUL_HTTP_TOKEN: 'fromenv' } });
  assert.equal(fake.requests[0]?.headers['x-consul-token'], 'fromfile');
  assert.equal(fake.requests[1]?.headers['x-consul-token'], 'fromenv');
  const missing = await runAgainst(fake, ['members', '-token-file=/nope']);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    'Error connecting to Consul agent: Error loading token file: open /nope: no such file or directory\n',
  );
});

test('cli http flags - -http-addr overrides CONSUL_HTTP_ADDR', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/agent/members', { json: [MEMBERS[1]] });
  const run = await runAgainst(undefined, ['members', `-http-addr=http://${fake.address}`], {
    env: { CONSUL_HTTP_ADDR: '127.0.0.1:1' },
  });
  assert.equal(run.code, 0);
  assert.equal(fake.requests.length, 1);
});
