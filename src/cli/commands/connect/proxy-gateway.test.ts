import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runAgainst } from '../../testing/run.js';

test('cli connect proxy - unsupported -gateway kinds are refused with a clear message', async () => {
  for (const kind of ['terminating', 'ingress', 'api']) {
    const r = await runAgainst(undefined, [
      'connect',
      'proxy',
      `-gateway=${kind}`,
      '-address',
      '127.0.0.1:0',
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`-gateway=${kind} is not supported by Entente's built-in proxy; only -gateway=mesh is`),
    );
  }
  const unknown = await runAgainst(undefined, ['connect', 'proxy', '-gateway=bogus']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown gateway kind "bogus"/);
});

test('cli connect proxy - -gateway=mesh refuses sidecar flags and needs -address', async () => {
  const mixed = await runAgainst(undefined, [
    'connect',
    'proxy',
    '-gateway=mesh',
    '-address',
    ':0',
    '-sidecar-for',
    'web',
    '-upstream',
    'db:9191',
  ]);
  assert.equal(mixed.code, 1);
  assert.match(mixed.stderr, /-gateway=mesh cannot be combined with -sidecar-for, -upstream/);
  const noAddress = await runAgainst(undefined, ['connect', 'proxy', '-gateway=mesh', '-register']);
  assert.equal(noAddress.code, 1);
  assert.match(noAddress.stderr, /-address is required with -gateway=mesh/);
});
