// Drives a real `entente agent` with the unmodified npm `consul` client: if Entente's API drifts from Consul's,
// these calls fail the way they would for users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Consul from 'consul';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';
import { rmSync } from 'node:fs';

let agent: AgentProcess;
let consul: Consul;

before(async () => {
  agent = await startAgentProcess(undefined, {});
  consul = new Consul({ host: '127.0.0.1', port: agent.httpPort });
});
after(async () => {
  await agent.kill();
  rmSync(agent.dataDir, { recursive: true, force: true });
});

test('consul client - status, agent self and members', async () => {
  assert.equal(await consul.status.leader(), '127.0.0.1:0');
  assert.deepEqual(await consul.status.peers(), ['127.0.0.1:0']);
  const self: any = await consul.agent.self();
  assert.equal(self.Config.NodeName, 'node1');
  assert.equal(self.Config.Datacenter, 'dc1');
  assert.equal(self.Config.Server, true);
  const members: any[] = await consul.agent.members();
  assert.equal(members.length, 1);
  assert.equal(members[0].Name, 'node1');
  assert.equal(members[0].Addr, '127.0.0.1');
  assert.deepEqual(await consul.catalog.datacenters(), ['dc1']);
});

test('consul client - catalog register, list, node services, deregister', async () => {
  await consul.catalog.register({
    node: 'ext-node',
    address: '10.1.1.1',
    service: { service: 'redis', id: 'redis1', port: 6379, tags: ['primary'] },
    check: { name: 'redis alive', status: 'passing', serviceid: 'redis1' },
  } as any);
  const services: any = await consul.catalog.service.list();
  assert.deepEqual(services.redis, ['primary']);
  const nodes: any[] = await consul.catalog.service.nodes('redis');
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0].ServicePort, 6379);
  const nodeList: any[] = await consul.catalog.node.list();
  assert.ok(nodeList.some((n) => n.Node === 'ext-node'));
  const nodeServices: any = await consul.catalog.node.services('ext-node');
  assert.equal(nodeServices.Services.redis1.Service, 'redis');
  const healthy: any[] = await consul.health.service({ service: 'redis', passing: true });
  assert.equal(healthy.length, 1);
  const checks: any[] = await consul.health.checks('redis');
  assert.equal(checks[0].Name, 'redis alive');
  const state: any[] = await consul.health.state('passing');
  assert.ok(state.some((c) => c.Name === 'redis alive'));
  await consul.catalog.deregister({ node: 'ext-node' } as any);
  assert.deepEqual(await consul.catalog.service.nodes('redis'), []);
});

test('consul client - agent services and TTL checks', async () => {
  await consul.agent.service.register({
    name: 'billing',
    id: 'billing-1',
    port: 9000,
    check: { ttl: '30s' },
  } as any);
  const services: any = await consul.agent.service.list();
  assert.equal(services['billing-1'].Service, 'billing');
  assert.equal(services['billing-1'].Port, 9000);
  const checks: any = await consul.agent.check.list();
  const check = checks['service:billing-1'];
  assert.ok(check, JSON.stringify(checks));
  assert.equal(check.Status, 'critical');
  await consul.agent.check.pass({ id: 'service:billing-1', note: 'all good' } as any);
  const health: any[] = await consul.health.service({ service: 'billing', passing: true });
  assert.equal(health.length, 1);
  assert.equal(health[0].Checks.find((c: any) => c.CheckID === 'service:billing-1').Output, 'all good');
  await consul.agent.check.warn('service:billing-1');
  assert.equal(((await consul.health.service({ service: 'billing', passing: true })) as any[]).length, 0);

  await consul.agent.check.register({ name: 'disk', ttl: '1m' } as any);
  await consul.agent.check.fail('disk');
  const afterFail: any = await consul.agent.check.list();
  assert.equal(afterFail.disk.Status, 'critical');
  await consul.agent.check.deregister('disk');
  assert.equal(((await consul.agent.check.list()) as any).disk, undefined);

  await consul.agent.service.maintenance({ id: 'billing-1', enable: true, reason: 'upgrade' } as any);
  const maint: any = await consul.agent.check.list();
  assert.equal(maint['_service_maintenance:billing-1'].Status, 'critical');
  assert.equal(maint['_service_maintenance:billing-1'].Notes, 'upgrade');
  await consul.agent.service.maintenance({ id: 'billing-1', enable: false } as any);
  assert.equal(((await consul.agent.check.list()) as any)['_service_maintenance:billing-1'], undefined);

  await consul.agent.service.deregister('billing-1');
  assert.deepEqual(await consul.agent.service.list(), {});
  await assert.rejects(consul.agent.service.deregister('billing-1'));
});

test('consul client - kv get, set, keys, delete, blocking get', async () => {
  assert.equal(await consul.kv.set('cfg/a', 'one'), true);
  assert.equal(await consul.kv.set('cfg/b', 'two'), true);
  const a: any = await consul.kv.get('cfg/a');
  assert.equal(a.Value, 'one');
  assert.deepEqual(await consul.kv.keys('cfg/'), ['cfg/a', 'cfg/b']);
  const all: any = await consul.kv.get({ key: 'cfg/', recurse: true } as any);
  assert.equal(all.length, 2);
  assert.equal(await consul.kv.get('cfg/none'), undefined);

  const waiting = consul.kv.get({ key: 'cfg/a', index: String(a.ModifyIndex), wait: '5s' } as any);
  await retry(async () => {
    await consul.kv.set('cfg/a', 'changed');
  });
  const changed: any = await waiting;
  assert.equal(changed.Value, 'changed');
  assert.ok(changed.ModifyIndex > a.ModifyIndex);

  await consul.kv.del({ key: 'cfg/', recurse: true } as any);
  assert.equal(await consul.kv.get('cfg/a'), undefined);
});
