import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fakeConsul, runAgainst } from '../../testing/run.js';

test('cli services register - from flags, body in Go field order', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/agent/service/register', {});
  const run = await runAgainst(fake, [
    'services',
    'register',
    '-name=web',
    '-id',
    'web-1',
    '-address=10.0.0.5',
    '-port=8080',
    '-tag=v1',
    '-tag=blue',
    '-meta',
    'team=a',
  ]);
  assert.deepEqual(run, { code: 0, stdout: 'Registered service: web\n', stderr: '' });
  assert.equal(
    fake.requests[0]?.body,
    '{"ID":"web-1","Name":"web","Tags":["v1","blue"],"Port":8080,"Address":"10.0.0.5","Meta":{"team":"a"}}\n',
  );
});

test('cli services register - HCL file with snake_case keys and checks, flags fill gaps', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/agent/service/register', {});
  const hcl = `
service {
  name = "web"
  port = 80
  enable_tag_override = true
  meta { version_tag = "x" }
  check {
    id = "web-http"
    http = "http://localhost/health"
    interval = "10s"
    tls_skip_verify = true
  }
}
`;
  const run = await runAgainst(fake, ['services', 'register', '-address=10.0.0.9', '-tag=extra', 'web.hcl'], {
    files: { 'web.hcl': hcl },
  });
  assert.deepEqual(run, { code: 0, stdout: 'Registered service: web\n', stderr: '' });
  assert.deepEqual(JSON.parse(fake.requests[0]?.body ?? ''), {
    Name: 'web',
    Port: 80,
    EnableTagOverride: true,
    Meta: { version_tag: 'x' },
    Check: { CheckID: 'web-http', HTTP: 'http://localhost/health', Interval: '10s', TLSSkipVerify: true },
    Address: '10.0.0.9',
    Tags: ['extra'],
  });
});

test('cli services register - JSON file with services list registers each', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/agent/service/register', {});
  const json = JSON.stringify({
    services: [
      { name: 'a', port: 1 },
      { Name: 'b', ID: 'b-1' },
    ],
  });
  const run = await runAgainst(fake, ['services', 'register', 'svcs.json'], { files: { 'svcs.json': json } });
  assert.deepEqual(run, { code: 0, stdout: 'Registered service: a\nRegistered service: b\n', stderr: '' });
  assert.equal(fake.requests[0]?.body, '{"Name":"a","Port":1}\n');
  assert.equal(fake.requests[1]?.body, '{"Name":"b","ID":"b-1"}\n');
});

test('cli services register - argument validation and server error', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/agent/service/register', { status: 400, text: 'Invalid service address' });
  assert.deepEqual(await runAgainst(fake, ['services', 'register']), {
    code: 1,
    stdout: '',
    stderr: 'Service registration requires at least one argument or flags.\n',
  });
  assert.deepEqual(await runAgainst(fake, ['services', 'register', '-name=x', 'f.json']), {
    code: 1,
    stdout: '',
    stderr: 'Service registration requires arguments or -id, not both.\n',
  });
  const missing = await runAgainst(fake, ['services', 'register', 'nope.json']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'Error: Failed to read file: open nope.json: no such file or directory\n');
  const failed = await runAgainst(fake, ['services', 'register', '-name=web']);
  assert.deepEqual(failed, {
    code: 1,
    stdout: '',
    stderr: 'Error registering service "web": Unexpected response code: 400 (Invalid service address)\n',
  });
});

test('cli services deregister - by -id and by file', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/agent/service/deregister/web-1', {});
  fake.on('PUT', '/v1/agent/service/deregister/db', {});
  const byId = await runAgainst(fake, ['services', 'deregister', '-id=web-1']);
  assert.deepEqual(byId, { code: 0, stdout: 'Deregistered service: web-1\n', stderr: '' });
  const byFile = await runAgainst(fake, ['services', 'deregister', 'db.hcl'], {
    files: { 'db.hcl': 'service {\n  name = "db"\n}\n' },
  });
  assert.deepEqual(byFile, { code: 0, stdout: 'Deregistered service: db\n', stderr: '' });
  assert.deepEqual(await runAgainst(fake, ['services', 'deregister']), {
    code: 1,
    stdout: '',
    stderr: 'Service deregistration requires at least one argument or -id.\n',
  });
});
