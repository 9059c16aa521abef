import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore } from '../store.js';
import type { Command, ServiceInput } from '../commands.js';

const NODE = { ID: '', Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} };

function proxy(id: string, config: Record<string, unknown>): ServiceInput {
  return {
    Kind: 'connect-proxy',
    ID: id,
    Service: 'web-sidecar-proxy',
    Tags: [],
    Address: '',
    Meta: {},
    Port: 21000,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Proxy: { DestinationServiceName: 'web', Config: config },
  };
}

function reg(service: ServiceInput, original?: ServiceInput, node = NODE): Command {
  return {
    Type: 'register',
    Node: node,
    SkipNodeUpdate: false,
    Service: service,
    Checks: [],
    ...(original ? { Original: original } : {}),
  };
}

const kept = (s: StateStore, node = 'n1'): string[] =>
  s.tables.serviceOriginals.ofLocalNode(node).map((o) => `${o.ID}:${JSON.stringify(o.Proxy?.Config)}`);

test('service originals - kept with the service, dropped by a register without one and by deregistrations', () => {
  const s = new StateStore();
  s.apply(1, reg(proxy('a', { protocol: 'http' }), proxy('a', {})));
  s.apply(2, reg(proxy('b', { protocol: 'http' }), proxy('b', {})));
  assert.deepEqual(kept(s), ['a:{}', 'b:{}']);
  assert.deepEqual(kept(s, 'N1'), ['a:{}', 'b:{}'], 'node names compare without case, as the catalog');

  s.apply(3, reg(proxy('a', { x: 1 })));
  assert.deepEqual(kept(s), ['b:{}'], 'replaced as given: nothing to merge again');
  s.apply(4, reg(proxy('a', { protocol: 'http' }), proxy('a', {})));
  s.apply(5, { Type: 'deregister', PeerName: '', Node: 'n1', ServiceID: 'a', CheckID: '' });
  assert.deepEqual(kept(s), ['b:{}']);
  s.apply(6, { Type: 'deregister', PeerName: '', Node: 'n1', ServiceID: '', CheckID: '' });
  assert.deepEqual(kept(s), []);
});

test('service originals - never kept for a peer catalog', () => {
  const s = new StateStore();
  s.apply(1, reg(proxy('a', {}), proxy('a', {}), { ...NODE, PeerName: 'other' } as never));
  assert.deepEqual(s.tables.serviceOriginals.snapshot().Originals, []);
});

test('service originals - survive a snapshot; a snapshot written without the section restores none', () => {
  const s = new StateStore();
  s.apply(1, reg(proxy('a', { protocol: 'http' }), proxy('a', {})));
  const copy = new StateStore();
  copy.restore(1, s.snapshot());
  assert.deepEqual(kept(copy), ['a:{}']);

  const old = JSON.parse(s.snapshot().toString('utf8')) as { Tables: Record<string, unknown> };
  delete old.Tables['service-originals'];
  const fromOld = new StateStore();
  fromOld.restore(1, Buffer.from(JSON.stringify(old)));
  assert.deepEqual(kept(fromOld), []);
  assert.equal(
    fromOld.nodeServices(undefined, '', 'n1').value?.services[0]?.Proxy?.Config?.['protocol'],
    'http',
  );
});

test('service originals - register is encoded as v2 with its Original; v1 entries decode unchanged', () => {
  const s = new StateStore();
  const cmd = reg(proxy('a', { protocol: 'http' }), proxy('a', {}));
  const encoded = JSON.parse(s.encode(cmd).toString('utf8')) as { V: number };
  assert.equal(encoded.V, 2);
  assert.equal(s.applyEncoded(1, s.encode(cmd)).ok, true);
  assert.deepEqual(kept(s), ['a:{}']);
  const v1 = Buffer.from(JSON.stringify(reg(proxy('b', {}))));
  assert.equal(s.applyEncoded(2, v1).ok, true);
  assert.deepEqual(kept(s), ['a:{}']);
});
