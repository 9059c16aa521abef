import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fakeConsul, runAgainst } from '../../testing/run.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

const PAIR = { Key: 'app/a', CreateIndex: 5, ModifyIndex: 9, LockIndex: 0, Flags: 3, Value: b64('hello') };

test('cli kv get - raw value; leading slash stripped; missing key exit 1', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/kv/app/a', { json: [PAIR] });
  fake.on('GET', '/v1/kv/nope', { status: 404 });
  assert.deepEqual(await runAgainst(fake, ['kv', 'get', '/app/a']), {
    code: 0,
    stdout: 'hello\n',
    stderr: '',
  });
  assert.deepEqual(await runAgainst(fake, ['kv', 'get', 'nope']), {
    code: 1,
    stdout: '',
    stderr: 'Error! No key exists at: nope\n',
  });
  assert.deepEqual(await runAgainst(fake, ['kv', 'get']), {
    code: 1,
    stdout: '',
    stderr: 'Error! Missing KEY argument\n',
  });
});

test('cli kv get - -detailed block like Consul prettyKVPair; -stale sent', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/kv/app/a', { json: [PAIR] });
  const run = await runAgainst(fake, ['kv', 'get', '-detailed', '-stale', 'app/a']);
  assert.equal(
    run.stdout,
    'CreateIndex      5\nFlags            3\nKey              app/a\nLockIndex        0\n' +
      'ModifyIndex      9\nSession          -\nValue            hello\n',
  );
  assert.equal(fake.requests[0]?.query, 'stale=');
});

test('cli kv get - -recurse prints key:value, -base64 encodes; -keys with -separator', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/kv/app', (req) =>
    req.query.startsWith('keys')
      ? { json: ['app/a', 'app/b/'] }
      : { json: [PAIR, { ...PAIR, Key: 'app/b', Value: null }] },
  );
  assert.equal((await runAgainst(fake, ['kv', 'get', '-recurse', 'app'])).stdout, 'app/a:hello\napp/b:\n');
  assert.equal(
    (await runAgainst(fake, ['kv', 'get', '-recurse', '-base64', 'app'])).stdout,
    `app/a:${b64('hello')}\napp/b:\n`,
  );
  assert.equal(
    (await runAgainst(fake, ['kv', 'get', '-keys', '-separator=/', 'app'])).stdout,
    'app/a\napp/b/\n',
  );
  assert.equal(fake.requests[0]?.query, 'recurse=');
  assert.equal(fake.requests[2]?.query, 'keys=&separator=%2F');
  const detailed = await runAgainst(fake, ['kv', 'get', '-recurse', '-detailed', 'app']);
  assert.match(detailed.stdout, /Value {12}hello\n\nCreateIndex/);
});

test('cli kv put - literal, @file, stdin, -flags; success message', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/kv/app/a', { json: true });
  const lit = await runAgainst(fake, ['kv', 'put', '-flags=42', 'app/a', 'v1']);
  assert.deepEqual(lit, { code: 0, stdout: 'Success! Data written to: app/a\n', stderr: '' });
  await runAgainst(fake, ['kv', 'put', 'app/a', '@v.txt'], { files: { 'v.txt': 'from file' } });
  await runAgainst(fake, ['kv', 'put', 'app/a', '-'], { stdin: 'from stdin' });
  await runAgainst(fake, ['kv', 'put', 'app/a', '-literal-dash']);
  await runAgainst(fake, ['kv', 'put', '-base64', 'app/a', b64('bin')]);
  assert.deepEqual(
    fake.requests.map((r) => [r.query, r.body]),
    [
      ['flags=42', 'v1'],
      ['', 'from file'],
      ['', 'from stdin'],
      ['', '-literal-dash'],
      ['', 'bin'],
    ],
  );
});

test('cli kv put - -cas outcomes and argument errors', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('PUT', '/v1/kv/app/a', (req) => ({ json: req.query === 'cas=9' }));
  assert.equal((await runAgainst(fake, ['kv', 'put', '-cas', '-modify-index=9', 'app/a', 'x'])).code, 0);
  assert.deepEqual(await runAgainst(fake, ['kv', 'put', '-cas', '-modify-index=8', 'app/a', 'x']), {
    code: 1,
    stdout: '',
    stderr: 'Error! Did not write to app/a: CAS failed\n',
  });
  assert.equal(
    (await runAgainst(fake, ['kv', 'put', '-cas', 'app/a', 'x'])).stderr,
    'Must specify -modify-index with -cas!\n',
  );
  assert.equal((await runAgainst(fake, ['kv', 'put'])).stderr, 'Error! Missing KEY argument\n');
  assert.equal(
    (await runAgainst(fake, ['kv', 'put', 'a', 'b', 'c'])).stderr,
    'Error! Too many arguments (expected 1 or 2, got 3)\n',
  );
  assert.equal(
    (await runAgainst(fake, ['kv', 'put', '-base64', 'a', '!!'])).stderr,
    'Error! Cannot base 64 decode data: illegal base64 data\n',
  );
  assert.equal(
    (await runAgainst(fake, ['kv', 'put', '/a', 'x'])).stderr,
    "Error! Failed writing data: Invalid key. Key must not begin with a '/': /a\n",
  );
});

test('cli kv delete - key, -recurse, -cas and validation', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('DELETE', '/v1/kv/app/a', (req) => ({ json: req.query !== 'cas=1' }));
  fake.on('DELETE', '/v1/kv/app', { json: true });
  assert.deepEqual(await runAgainst(fake, ['kv', 'delete', 'app/a']), {
    code: 0,
    stdout: 'Success! Deleted key: app/a\n',
    stderr: '',
  });
  assert.equal(
    (await runAgainst(fake, ['kv', 'delete', '-recurse', 'app'])).stdout,
    'Success! Deleted keys with prefix: app\n',
  );
  assert.equal(fake.requests[1]?.query, 'recurse=');
  assert.equal(
    (await runAgainst(fake, ['kv', 'delete', '-cas', '-modify-index=1', 'app/a'])).stderr,
    'Error! Did not delete key app/a: CAS failed\n',
  );
  assert.equal(
    (await runAgainst(fake, ['kv', 'delete', '-cas', 'app/a'])).stderr,
    'Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.\n',
  );
  assert.equal(
    (await runAgainst(fake, ['kv', 'delete', '-modify-index=2', 'app/a'])).stderr,
    'Cannot specify -modify-index without -cas!\n',
  );
  assert.equal(
    (await runAgainst(fake, ['kv', 'delete', '-recurse', '-cas', '-modify-index=2', 'app'])).stderr,
    'Cannot specify both -cas and -recurse!\n',
  );
});
