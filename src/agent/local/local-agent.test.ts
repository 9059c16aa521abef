import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AppError } from '../../errors/index.js';
import { DEFAULT_NODE_MAINT_REASON, DEFAULT_SERVICE_MAINT_REASON } from './local-agent.js';
import { FakeClock } from './testing/fake-clock.js';
import { NODE, TestCatalog, checkDef, newAgent, service } from './testing/harness.js';

function isAppError(status: number, message: string) {
  return (err: unknown): boolean =>
    err instanceof AppError && err.httpStatus === status && err.message === message;
}

test('agent-local - registerService writes the service and its checks on this node', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await agent.registerService(
    service('web-1', 'web'),
    [
      checkDef('service:web-1:1', 'web-1', { TTL: '30s' }, { ttlMs: 30_000 }),
      checkDef('service:web-1:2', 'web-1', { TTL: '30s' }, { ttlMs: 30_000 }),
    ],
    false,
  );
  const reg = cat.commands[0];
  assert.ok(reg?.Type === 'register');
  assert.equal(reg.SkipNodeUpdate, true);
  assert.deepEqual(cat.serviceIDs(), ['web-1']);
  assert.equal(cat.check('service:web-1:1')?.ServiceName, 'web');
  assert.equal(cat.check('service:web-1:2')?.Node, NODE);
});

test('agent-local - re-registering keeps the status and output of existing checks', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  const def = checkDef('service:web', 'web', { TTL: '30s' }, { ttlMs: 30_000 });
  await agent.registerService(service('web'), [def], false);
  await agent.updateTtlCheck('service:web', 'passing', 'fine');
  await agent.registerService({ ...service('web'), Tags: ['v2'] }, [def], false);
  assert.equal(cat.check('service:web')?.Status, 'passing');
  assert.equal(cat.check('service:web')?.Output, 'fine');
  assert.deepEqual(cat.check('service:web')?.ServiceTags, ['v2']);
});

test('agent-local - replace-existing-checks deregisters the checks left out', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  const a = checkDef('a', 'web', { TTL: '30s' }, { ttlMs: 30_000 });
  const b = checkDef('b', 'web', { TTL: '30s' }, { ttlMs: 30_000 });
  const c = checkDef('c', 'web', { TTL: '30s' }, { ttlMs: 30_000 });
  await agent.registerService(service('web'), [a, b], false);

  await agent.registerService(service('web'), [a, c], false);
  assert.ok(cat.check('b'), 'without replace, b stays');

  await agent.registerService(service('web'), [c], true);
  assert.equal(cat.check('a'), undefined);
  assert.equal(cat.check('b'), undefined);
  assert.ok(cat.check('c'));
  await assert.rejects(
    agent.updateTtlCheck('a', 'passing', ''),
    isAppError(404, 'Unknown check ID "a". Ensure that the check ID is passed, not the check name.'),
  );
  await agent.updateTtlCheck('c', 'passing', '');
});

test("agent-local - unknown service and check IDs are 404s with Consul's text", async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await assert.rejects(
    agent.deregisterService('web'),
    isAppError(404, 'Unknown service ID "web". Ensure that the service ID is passed, not the service name.'),
  );
  await assert.rejects(
    agent.deregisterCheck('chk'),
    isAppError(404, 'Unknown check ID "chk". Ensure that the check ID is passed, not the check name.'),
  );
  await assert.rejects(
    agent.serviceMaintenance('web', true, ''),
    isAppError(404, 'No service registered with ID "web"'),
  );
  await assert.rejects(
    agent.registerCheck(checkDef('c', 'web', { TTL: '1s' }, { ttlMs: 1_000 })),
    isAppError(404, 'ServiceID "web" does not exist'),
  );
  assert.equal(cat.commands.length, 0, 'nothing written');
});

test('agent-local - deregisterService removes the service with its checks and stops their runners', async (t) => {
  const clock = new FakeClock();
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock });
  await agent.registerService(
    service('web'),
    [checkDef('service:web', 'web', { TTL: '1s' }, { ttlMs: 1_000 })],
    false,
  );
  await agent.registerCheck(checkDef('node-ttl', '', { TTL: '1s' }, { ttlMs: 1_000 }));
  await agent.deregisterService('web');
  assert.deepEqual(cat.serviceIDs(), []);
  assert.equal(cat.check('service:web'), undefined);
  await agent.deregisterCheck('node-ttl');
  assert.equal(cat.check('node-ttl'), undefined);
  const n = cat.commands.length;
  await clock.advance(10_000);
  assert.equal(cat.commands.length, n, 'stopped TTL runners write nothing');
  assert.equal(clock.pending, 0);
});

test('agent-local - service maintenance on and off', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await agent.registerService(service('web-1', 'web'), [], false);
  await agent.serviceMaintenance('web-1', true, 'deploying');
  const chk = cat.check('_service_maintenance:web-1');
  assert.equal(chk?.Name, 'Service Maintenance Mode');
  assert.equal(chk.Status, 'critical');
  assert.equal(chk.Notes, 'deploying');
  assert.equal(chk.ServiceID, 'web-1');
  assert.equal(chk.ServiceName, 'web');

  const n = cat.commands.length;
  await agent.serviceMaintenance('web-1', true, 'other reason');
  assert.equal(cat.commands.length, n, 'already in maintenance: no write');

  await agent.serviceMaintenance('web-1', false, '');
  assert.equal(cat.check('_service_maintenance:web-1'), undefined);
  await agent.serviceMaintenance('web-1', false, '');
  assert.equal(cat.commands.length, n + 1, 'disabling twice writes once');

  await agent.serviceMaintenance('web-1', true, '');
  assert.equal(cat.check('_service_maintenance:web-1')?.Notes, DEFAULT_SERVICE_MAINT_REASON);
});

test('agent-local - node maintenance on and off', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock: new FakeClock() });
  await agent.nodeMaintenance(true, '');
  const chk = cat.check('_node_maintenance');
  assert.equal(chk?.Name, 'Node Maintenance Mode');
  assert.equal(chk.Status, 'critical');
  assert.equal(chk.Notes, DEFAULT_NODE_MAINT_REASON);
  assert.equal(chk.ServiceID, '');
  await agent.nodeMaintenance(false, '');
  assert.equal(cat.check('_node_maintenance'), undefined);
  await agent.nodeMaintenance(true, 'kernel upgrade');
  assert.equal(cat.check('_node_maintenance')?.Notes, 'kernel upgrade');
});

test('agent-local - DeregisterCriticalServiceAfter reaps a service critical for too long', async (t) => {
  const clock = new FakeClock();
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock });
  await agent.start();
  await agent.registerService(
    service('web'),
    [
      checkDef(
        'service:web',
        'web',
        { TTL: '10s', DeregisterCriticalServiceAfter: '90s' },
        { ttlMs: 10_000, deregisterCriticalAfterMs: 90_000 },
        { Status: 'passing' },
      ),
    ],
    false,
  );
  await agent.registerService(service('other'), [], false);
  await clock.advance(10_000); // TTL expires: critical from now
  assert.equal(cat.check('service:web')?.Status, 'critical');
  await clock.advance(90_000); // passes at 30/60/90 s saw it critical for at most 80 s
  assert.deepEqual(cat.serviceIDs(), ['other', 'web']);
  await clock.advance(30_000); // the pass at 120 s sees 110 s > 90 s
  assert.deepEqual(cat.serviceIDs(), ['other']);
  assert.equal(cat.check('service:web'), undefined);
});

test('agent-local - a check that recovers is not reaped; the minimum is 1 minute', async (t) => {
  const clock = new FakeClock();
  const cat = new TestCatalog();
  const agent = newAgent(t, cat, { clock });
  await agent.start();
  await agent.registerService(
    service('web'),
    [
      checkDef(
        'service:web',
        'web',
        { TTL: '1h', DeregisterCriticalServiceAfter: '1s' },
        { ttlMs: 3_600_000, deregisterCriticalAfterMs: 1_000 },
      ),
    ],
    false,
  );
  await clock.advance(30_000);
  assert.deepEqual(cat.serviceIDs(), ['web'], '1 s is raised to the 1 min minimum');
  await agent.updateTtlCheck('service:web', 'passing', '');
  await clock.advance(120_000);
  assert.deepEqual(cat.serviceIDs(), ['web'], 'passing checks are never reaped');
  await agent.updateTtlCheck('service:web', 'critical', '');
  await clock.advance(90_000);
  assert.deepEqual(cat.serviceIDs(), []);
});

test('agent-local - a new LocalAgent over the same store restarts the runners', async (t) => {
  const clock = new FakeClock();
  const cat = new TestCatalog();
  const first = newAgent(t, cat, { clock });
  await first.start();
  await first.registerService(
    service('web'),
    [checkDef('service:web', 'web', { TTL: '10s' }, { ttlMs: 10_000 }, { Status: 'passing' })],
    false,
  );
  await first.nodeMaintenance(true, '');
  await clock.advance(5_000);
  await first.close();
  await first.close(); // idempotent
  assert.equal(clock.pending, 0, 'close clears every timer');
  await assert.rejects(
    first.updateTtlCheck('service:web', 'passing', ''),
    (err: unknown) => err instanceof AppError,
  );

  const second = newAgent(t, cat, { clock });
  await second.start();
  await second.updateTtlCheck('service:web', 'passing', 'back');
  await clock.advance(9_999);
  assert.equal(cat.check('service:web')?.Status, 'passing', 'the TTL restarted at start');
  await clock.advance(1);
  assert.equal(cat.check('service:web')?.Status, 'critical');
  assert.equal(cat.check('service:web')?.Output, 'TTL expired (last output before timeout follows): back');
  await second.nodeMaintenance(false, '');
  assert.equal(cat.check('_node_maintenance'), undefined);
});
