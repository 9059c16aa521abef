import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { ExportedServicesEntry } from '../config-entry/index.js';
import type { ExportChange, ExportListener } from './export-feed.js';
import { TYPE_URL } from './messages.js';
import { PeerResources } from './peer-resources.js';

const PEER = 'east';

/** A feed the test drives by hand, a mesh that counts how often it is asked, and the dirty marks made. */
function fixture(meshServices: Set<string>) {
  let listener: ExportListener | undefined;
  const consumers = (peer: string) => [{ Peer: peer }];
  const state = {
    exported: [
      { Name: 'web', Consumers: consumers(PEER) },
      { Name: 'db', Consumers: consumers(PEER) },
    ],
    inMeshCalls: 0,
    dirty: [] as string[],
  };
  const resources = new PeerResources({
    feed: {
      subscribe: (fn) => {
        listener = fn;
        return () => {
          listener = undefined;
        };
      },
      version: () => 1,
      entry: () =>
        ({ Kind: 'exported-services', Name: 'default', Services: state.exported }) as ExportedServicesEntry,
      typicalServices: () => ['web', 'db', 'api'],
    },
    exporter: { outgoing: () => [] },
    mesh: {
      inMesh: (names) => {
        state.inMeshCalls++;
        return new Set([...names].filter((n) => meshServices.has(n)));
      },
      synthetic: () => [],
    },
    identity: {
      datacenter: 'dc1',
      rootPems: () => [],
      serverName: () => 'server.dc1.peering.td.consul',
      trustDomain: () => 'td.consul',
      serverAddresses: () => [],
    },
    peerName: PEER,
    chunkBytes: undefined,
    markDirty: (url, id) => {
      if (url === TYPE_URL.exportedService) state.dirty.push(id);
    },
    onExported: () => undefined,
    now: () => 0,
  });
  const emit = (c: Partial<ExportChange>): void => {
    state.dirty = [];
    state.inMeshCalls = 0;
    listener?.({
      changed: new Set(),
      entryChanged: false,
      catalogChanged: false,
      rootsChanged: false,
      meshChanged: false,
      observedAt: 0,
      ...c,
    });
  };
  return { resources, state, emit };
}

test('peering resources - a health flip of an exported mesh service marks only that service, no synthetic proxy', () => {
  const { resources, state, emit } = fixture(new Set(['web']));
  resources.subscribe(TYPE_URL.exportedService);
  assert.deepEqual(
    [...new Set(state.dirty)].sort(),
    ['db', 'web', 'web-sidecar-proxy'],
    'the first subscription sends everything',
  );

  emit({ changed: new Set(['web']) });
  assert.deepEqual(state.dirty, ['web'], 'the instance change only');
  assert.equal(state.inMeshCalls, 0, 'the mesh set is not recomputed');
  resources.close();
});

test('peering resources - an exported-services or name-set change that leaves this peer as it was rebuilds nothing', () => {
  const { resources, state, emit } = fixture(new Set(['web']));
  resources.subscribe(TYPE_URL.exportedService);
  // Another peer gets a service: the entry moved, this peer's names did not.
  state.exported.push({ Name: 'api', Consumers: [{ Peer: 'west' }] });
  emit({ entryChanged: true });
  assert.deepEqual(state.dirty, []);
  assert.equal(state.inMeshCalls, 0);
  emit({ catalogChanged: false, entryChanged: true, changed: new Set(['db']) });
  assert.deepEqual(state.dirty, ['db']);
  resources.close();
});

test('peering resources - names joining the mesh set mark only their proxies; a mesh or roots change marks all', () => {
  const { resources, state, emit } = fixture(new Set(['web', 'api']));
  resources.subscribe(TYPE_URL.exportedService);
  state.exported.push({ Name: 'api', Consumers: [{ Peer: PEER }] });
  emit({ entryChanged: true });
  assert.deepEqual(
    state.dirty,
    ['api', 'api-sidecar-proxy'],
    'the new service and its proxy, not web-sidecar-proxy',
  );

  emit({ meshChanged: true });
  assert.deepEqual(state.dirty.sort(), ['api-sidecar-proxy', 'web-sidecar-proxy']);
  emit({ rootsChanged: true });
  assert.deepEqual(
    state.dirty.sort(),
    ['api-sidecar-proxy', 'web-sidecar-proxy'],
    'the trust domain is in SNI',
  );
  resources.close();
});
