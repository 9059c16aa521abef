import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AgentMetrics,
  PEERING_EXPORTED_SERVICES,
  PEERING_IMPORTS_REFUSED,
  PEERING_HEALTHY,
  PEERING_LAST_CONTACT_AGE,
  PEERING_REPLICATION_LAG,
  PEERING_REPLICATION_LAG_P99,
  PEERING_SEND_MAP_DEPTH,
  PEERING_UNACKED_RESPONSES,
} from '../metrics/index.js';
import type { Peering } from '../types/index.js';
import { MeteredStreamTracker, peeringGauges } from './peering-metrics.js';

function peering(id: string, name: string): Peering {
  return {
    ID: id,
    Name: name,
    Meta: {},
    State: 'ESTABLISHING',
    PeerID: `remote-${id}`,
    PeerCAPems: [],
    PeerServerName: '',
    PeerServerAddresses: [],
    ManualServerAddresses: [],
    Remote: { Partition: '', Datacenter: 'dc2', Locality: undefined } as unknown as Peering['Remote'],
    CreateIndex: 1,
    ModifyIndex: 1,
  };
}

test('agent peering metrics - gauges per peering from the tracker; resets counted by reason', () => {
  const resets: [string, string][] = [];
  const tracker = new MeteredStreamTracker((id, reason) => resets.push([id, reason]));
  const list = [peering('p1', 'alpha'), peering('p2', 'beta')];
  const gauges = peeringGauges({ peerings: () => ({ value: list }) }, tracker);

  tracker.connected('p1');
  tracker.setExported('p1', ['api', 'web']);
  tracker.lag('p1', 12);
  tracker.contact('p1');
  tracker.senderView('p1', () => ({ dirty: 7, unacked: 3, control: 0, responsesSent: 10 }));
  const read = gauges();
  const value = (def: unknown, id: string): number | undefined =>
    read.find((g) => g.def === def && g.labels['peer_id'] === id)?.value;
  assert.equal(value(PEERING_HEALTHY, 'p1'), 1);
  assert.equal(value(PEERING_HEALTHY, 'p2'), 0, 'a peering without a stream is not healthy');
  assert.equal(value(PEERING_EXPORTED_SERVICES, 'p1'), 2);
  assert.equal(value(PEERING_REPLICATION_LAG, 'p1'), 12);
  assert.equal(value(PEERING_REPLICATION_LAG_P99, 'p1'), 12);
  const age = value(PEERING_LAST_CONTACT_AGE, 'p1');
  assert.ok(age !== undefined && age >= 0 && age < 60_000, String(age));
  assert.equal(typeof value(PEERING_LAST_CONTACT_AGE, 'p2'), 'number', 'untracked: since the tracker began');
  assert.equal(value(PEERING_SEND_MAP_DEPTH, 'p1'), 7);
  assert.equal(value(PEERING_UNACKED_RESPONSES, 'p1'), 3);
  assert.equal(value(PEERING_SEND_MAP_DEPTH, 'p2'), undefined, 'no live stream, no send map');
  assert.equal(value(PEERING_REPLICATION_LAG, 'p2'), undefined, 'nothing to report is left out, not 0');
  assert.deepEqual(read.find((g) => g.labels['peer_id'] === 'p1')?.labels, {
    peer_name: 'alpha',
    peer_id: 'p1',
  });

  tracker.disconnected('p1', 'HEARTBEAT_TIMEOUT', 'silent');
  tracker.disconnected('p1', undefined, ''); // a clean local close is not a reset
  assert.deepEqual(resets, [['p1', 'HEARTBEAT_TIMEOUT']]);
  assert.equal(gauges().find((g) => g.def === PEERING_HEALTHY && g.labels['peer_id'] === 'p1')?.value, 0);
});

test('agent peering metrics - chunked services evicted by age are reported per peering', () => {
  const evicted: string[] = [];
  const tracker = new MeteredStreamTracker(
    () => undefined,
    (id) => evicted.push(id),
  );
  tracker.chunkAssemblyEvicted('p1');
  tracker.chunkAssemblyEvicted('p1');
  assert.deepEqual(evicted, ['p1', 'p1']);
  assert.equal(tracker.get('p1')?.chunkAssembliesEvicted, 2);
});

test('agent peering metrics - updates refused by an import cap are counted by cap and kept in the tracker', () => {
  const metrics = new AgentMetrics({ hostname: 'box-1', disableHostname: false, prometheusRetentionMs: 0 });
  const tracker = new MeteredStreamTracker(
    () => undefined,
    () => undefined,
    (id, cap) => {
      metrics.incrCounter(PEERING_IMPORTS_REFUSED, { peer_name: 'alpha', peer_id: id, cap });
    },
  );
  tracker.importRefused('p1', 'instances', 'over import_max_instances');
  tracker.importRefused('p1', 'instances', 'over import_max_instances again');
  tracker.importRefused('p1', 'services', 'over import_max_services');
  const counters = metrics.summary().Counters.filter((c) => c.Name === 'entente.peering.imports_refused');
  assert.deepEqual(counters.map((c) => [c.Labels['cap'], c.Count]).sort(), [
    ['instances', 2],
    ['services', 1],
  ]);
  assert.deepEqual(tracker.get('p1')?.importsRefused, { services: 1, instances: 2 });
  assert.equal(tracker.get('p1')?.lastImportRefusedMessage, 'over import_max_services');
});
