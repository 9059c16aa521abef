import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AppError } from '../../errors/index.js';
import { FakeClock } from './testing/fake-clock.js';
import { TestCatalog, checkDef, newAgent, service } from './testing/harness.js';

const TTL = { TTL: '10s' };
const TTL_MS = { ttlMs: 10_000 };

test('agent-local - TTL pass, warn and fail write the status and output', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await agent.start();
  await agent.registerService(service('web'), [checkDef('service:web', 'web', TTL, TTL_MS)], false);
  assert.equal(cat.check('service:web')?.Status, 'critical');

  const before = cat.store.lastIndex;
  await agent.updateTtlCheck('service:web', 'passing', 'all good');
  assert.equal(cat.check('service:web')?.Status, 'passing');
  assert.equal(cat.check('service:web')?.Output, 'all good');
  assert.ok(cat.store.lastIndex > before, 'a status change is a write that moves the index');

  await agent.updateTtlCheck('service:web', 'warning', 'slow');
  assert.equal(cat.check('service:web')?.Status, 'warning');
  await agent.updateTtlCheck('service:web', 'critical', 'down');
  assert.equal(cat.check('service:web')?.Status, 'critical');
  assert.equal(cat.check('service:web')?.Output, 'down');
});

test('agent-local - TTL update with the same status and output writes nothing', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await agent.start();
  await agent.registerService(service('web'), [checkDef('service:web', 'web', TTL, TTL_MS)], false);
  await agent.updateTtlCheck('service:web', 'passing', 'ok');
  await agent.updateTtlCheck('service:web', 'passing', 'ok');
  await agent.updateTtlCheck('service:web', 'passing', 'ok');
  assert.equal(cat.updates('service:web'), 1);
});

test('agent-local - TTL output is truncated to 4 KiB like Consul', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await agent.registerService(service('web'), [checkDef('service:web', 'web', TTL, TTL_MS)], false);
  await agent.updateTtlCheck('service:web', 'passing', 'x'.repeat(5000));
  assert.equal(cat.check('service:web')?.Output, `${'x'.repeat(4096)} ... (captured 4096 of 5000 bytes)`);
});

test('agent-local - TTL expiry turns the check critical with "TTL expired"', async (t) => {
  const clock = new FakeClock();
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock });
  await agent.start();
  await agent.registerService(
    service('web'),
    [checkDef('service:web', 'web', TTL, TTL_MS, { Status: 'passing' })],
    false,
  );
  assert.equal(cat.check('service:web')?.Status, 'passing');
  await clock.advance(9_999);
  assert.equal(cat.check('service:web')?.Status, 'passing');
  await clock.advance(1);
  assert.equal(cat.check('service:web')?.Status, 'critical');
  assert.equal(cat.check('service:web')?.Output, 'TTL expired');

  // An update renews the TTL; the next expiry quotes the last output.
  await agent.updateTtlCheck('service:web', 'passing', 'heartbeat 1');
  await clock.advance(5_000);
  await agent.updateTtlCheck('service:web', 'passing', 'heartbeat 2');
  await clock.advance(9_000);
  assert.equal(cat.check('service:web')?.Status, 'passing', 'renewed 9 s ago, TTL 10 s');
  await clock.advance(1_000);
  assert.equal(cat.check('service:web')?.Status, 'critical');
  assert.equal(
    cat.check('service:web')?.Output,
    'TTL expired (last output before timeout follows): heartbeat 2',
  );

  // Expired once: no more writes until the next update.
  const writes = cat.updates('service:web');
  await clock.advance(60_000);
  assert.equal(cat.updates('service:web'), writes);
});

test("agent-local - updating a check that is not TTL answers Consul's 500 text", async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await agent.registerService(service('web'), [], false);
  await agent.serviceMaintenance('web', true, '');
  await assert.rejects(
    agent.updateTtlCheck('_service_maintenance:web', 'passing', ''),
    (err: unknown) =>
      err instanceof AppError &&
      err.httpStatus === 500 &&
      err.message === 'CheckID "_service_maintenance:web" does not have associated TTL',
  );
});

test('agent-local - updating an unknown check is a 404', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await assert.rejects(
    agent.updateTtlCheck('nope', 'passing', ''),
    (err: unknown) =>
      err instanceof AppError &&
      err.httpStatus === 404 &&
      err.message === 'Unknown check ID "nope". Ensure that the check ID is passed, not the check name.',
  );
});

test('agent-local - a node-level TTL check registered alone runs too', async (t) => {
  const clock = new FakeClock();
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock });
  await agent.registerCheck(checkDef('mem', '', { TTL: '1s' }, { ttlMs: 1_000 }, { Status: 'passing' }));
  await agent.updateTtlCheck('mem', 'warning', 'high');
  assert.equal(cat.check('mem')?.Status, 'warning');
  await clock.advance(1_000);
  assert.equal(cat.check('mem')?.Status, 'critical');
});
