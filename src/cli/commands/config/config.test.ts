import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fakeConsul, runAgainst } from '../../testing/run.js';

test('cli config write - HCL with snake_case keys is translated and PUT to /v1/config', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/config', { json: true });
  const hcl = `
Kind = "service-defaults"
Name = "web"
protocol = "http"
mesh_gateway { mode = "local" }
meta { owner_team = "a" }
`;
  const run = await runAgainst(fake, ['config', 'write', 'web.hcl'], { files: { 'web.hcl': hcl } });
  assert.deepEqual(run, { code: 0, stdout: 'Config entry written: service-defaults/web\n', stderr: '' });
  assert.equal(fake.requests[0]?.query, '');
  assert.deepEqual(JSON.parse(fake.requests[0]?.body ?? ''), {
    Kind: 'service-defaults',
    Name: 'web',
    Protocol: 'http',
    MeshGateway: { Mode: 'local' },
    Meta: { owner_team: 'a' },
  });
});

test('cli config write - exported-services from stdin JSON, peer_name → Peer, -cas', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/config', { json: true });
  const json = JSON.stringify({
    kind: 'exported-services',
    name: 'default',
    services: [{ name: 'web', consumers: [{ peer_name: 'west' }] }],
  });
  const run = await runAgainst(fake, ['config', 'write', '-cas', '-modify-index=0', '-'], { stdin: json });
  assert.equal(run.code, 0);
  assert.equal(run.stdout, 'Config entry written: exported-services/default\n');
  assert.equal(fake.requests[0]?.query, 'cas=0');
  assert.deepEqual(JSON.parse(fake.requests[0]?.body ?? ''), {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'web', Consumers: [{ Peer: 'west' }] }],
  });
});

test('cli config write - CAS lost, bad input, missing kind', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/config', { json: false });
  const lost = await runAgainst(fake, ['config', 'write', '-cas', '-modify-index=3', 'e.json'], {
    files: { 'e.json': '{"Kind":"proxy-defaults","Name":"global"}' },
  });
  assert.deepEqual(lost, {
    code: 1,
    stdout: '',
    stderr: 'Config entry not updated: proxy-defaults/global\n',
  });
  const noKind = await runAgainst(fake, ['config', 'write', 'e.json'], {
    files: { 'e.json': '{"Name":"x"}' },
  });
  assert.deepEqual(noKind, {
    code: 1,
    stdout: '',
    stderr:
      'Failed to decode config entry input: Payload does not contain a kind/Kind key at the top level\n',
  });
  const badKind = await runAgainst(fake, ['config', 'write', 'e.json'], {
    files: { 'e.json': '{"Kind":"bogus","Name":"x"}' },
  });
  assert.equal(badKind.stderr, 'Failed to decode config entry input: invalid config entry kind: bogus\n');
  const noArg = await runAgainst(fake, ['config', 'write']);
  assert.equal(
    noArg.stderr,
    'Must provide exactly one positional argument to specify the config entry to write\n',
  );
});

test('cli config read - prints the entry as 4-space indented JSON; 404 is an error', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/config/service-defaults/web', {
    json: { Kind: 'service-defaults', Name: 'web', Protocol: 'http', CreateIndex: 5, ModifyIndex: 5 },
  });
  fake.on('GET', '/v1/config/service-defaults/nope', {
    status: 404,
    text: 'Config entry not found for "service-defaults" / "nope"',
  });
  const run = await runAgainst(fake, ['config', 'read', '-kind', 'service-defaults', '-name', 'web']);
  assert.equal(run.code, 0);
  assert.equal(
    run.stdout,
    '{\n    "Kind": "service-defaults",\n    "Name": "web",\n    "Protocol": "http",\n' +
      '    "CreateIndex": 5,\n    "ModifyIndex": 5\n}\n',
  );
  const missing = await runAgainst(fake, ['config', 'read', '-kind=service-defaults', '-name=nope']);
  assert.deepEqual(missing, {
    code: 1,
    stdout: '',
    stderr:
      'Error reading config entry "service-defaults" / "nope": Unexpected response code: 404 ' +
      '(Config entry not found for "service-defaults" / "nope")\n',
  });
  assert.deepEqual(await runAgainst(fake, ['config', 'read', '-name=x']), {
    code: 1,
    stdout: '',
    stderr: 'Must specify the -kind parameter\n',
  });
});

test('cli config list - one name per line, mesh named mesh, -filter sent', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/config/service-defaults', {
    json: [
      { Kind: 'service-defaults', Name: 'api' },
      { Kind: 'service-defaults', Name: 'web' },
    ],
  });
  fake.on('GET', '/v1/config/mesh', { json: [{ Kind: 'mesh' }] });
  const run = await runAgainst(fake, [
    'config',
    'list',
    '-kind=service-defaults',
    '-filter',
    'Protocol == http',
  ]);
  assert.deepEqual(run, { code: 0, stdout: 'api\nweb\n', stderr: '' });
  assert.equal(fake.requests[0]?.query, 'filter=Protocol+%3D%3D+http');
  assert.equal((await runAgainst(fake, ['config', 'list', '-kind=mesh'])).stdout, 'mesh\n');
});

test('cli config delete - plain, -cas and validation messages', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('DELETE', '/v1/config/service-defaults/web', (req) => ({
    json: req.query === 'cas=9' ? false : {},
  }));
  const run = await runAgainst(fake, ['config', 'delete', '-kind=service-defaults', '-name=web']);
  assert.deepEqual(run, { code: 0, stdout: 'Config entry deleted: service-defaults/web\n', stderr: '' });
  const cas = await runAgainst(fake, [
    'config',
    'delete',
    '-kind=service-defaults',
    '-name=web',
    '-cas',
    '-modify-index=9',
  ]);
  assert.deepEqual(cas, { code: 1, stdout: '', stderr: 'Config entry not deleted: service-defaults/web\n' });
  assert.equal(
    (await runAgainst(fake, ['config', 'delete', '-kind=a', '-name=b', '-cas'])).stderr,
    'Must specify a -modify-index greater than 0 with -cas\n',
  );
  assert.equal(
    (await runAgainst(fake, ['config', 'delete', '-kind=a', '-name=b', '-modify-index=2'])).stderr,
    'Cannot specify -modify-index without -cas\n',
  );
  assert.equal(
    (await runAgainst(fake, ['config', 'delete'])).stderr,
    'Must specify the -kind or -filename parameter\n',
  );
  const byFile = await runAgainst(fake, ['config', 'delete', '-filename=web.hcl'], {
    files: { 'web.hcl': 'Kind = "service-defaults"\nName = "web"\n' },
  });
  assert.equal(byFile.stdout, 'Config entry deleted: service-defaults/web\n');
});
