import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HealthCheck, Node, NodeService } from '../types/index.js';
import { healthRowJson, joinRows, renderCheck, renderNode, renderNodeService } from './render.js';
import { serializeJson } from './reply.js';

const node: Node = {
  ID: 'id',
  Node: 'n1',
  Address: '10.0.0.1',
  Datacenter: 'dc1',
  TaggedAddresses: { lan: 'x' },
  Meta: {},
  CreateIndex: 1,
  ModifyIndex: 2,
};
const service: NodeService = {
  Kind: '',
  ID: 'web',
  Service: 'web',
  Tags: ['a'],
  Address: '',
  Meta: { k: 'v' },
  Port: 80,
  Weights: { Passing: 1, Warning: 1 },
  EnableTagOverride: false,
  CreateIndex: 1,
  ModifyIndex: 2,
};
const check: HealthCheck = {
  Node: 'n1',
  CheckID: 'c',
  Name: 'c',
  Status: 'passing',
  Notes: '',
  Output: 'ok\nmultiline',
  ServiceID: 'web',
  ServiceName: 'web',
  ServiceTags: ['a'],
  Type: '',
  Interval: '',
  Timeout: '',
  ExposedPort: 0,
  Definition: {},
  CreateIndex: 1,
  ModifyIndex: 2,
};

test('render - joined health rows equal serializing the whole array, compact and pretty', () => {
  const full = [
    { Node: renderNode(node), Service: renderNodeService(service), Checks: [renderCheck(check)] },
  ];
  for (const pretty of [false, true]) {
    assert.equal(
      joinRows([healthRowJson(node, service, [check], pretty)], pretty),
      serializeJson(full, pretty),
    );
    assert.equal(joinRows([], pretty), serializeJson([], pretty));
    const two = [
      healthRowJson(node, service, [check], pretty),
      healthRowJson(node, service, [check], pretty),
    ];
    assert.equal(joinRows(two, pretty), serializeJson([full[0], full[0]], pretty));
  }
});

test('render - a row is re-rendered when its node or checks are other objects', () => {
  const first = healthRowJson(node, service, [check]);
  assert.equal(healthRowJson(node, service, [check]), first);
  const critical = { ...check, Status: 'critical' as const };
  assert.match(healthRowJson(node, service, [critical]), /"Status":"critical"/);
  const moved = { ...node, Address: '10.9.9.9' };
  assert.match(healthRowJson(moved, service, [critical]), /10\.9\.9\.9/);
});
