import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { test } from 'node:test';

import type { ServiceEntry } from '../../api/index.js';
import { silentLogger } from '../../logging/index.js';
import { LocalGateways, type LocalGatewaySource } from './local-gateways.js';
import type { BlockingFetch } from './watch-loop.js';

/** A value behind a fake blocking query: a read with an older cursor answers at once, else waits for a change. */
class Blocking<T> {
  readonly #changes = new EventEmitter();
  #index = 1;
  #value: T;
  reads = 0;

  constructor(value: T) {
    this.#value = value;
  }

  set(value: T): void {
    this.#value = value;
    this.#index += 1;
    this.#changes.emit('change');
  }

  readonly fetch: BlockingFetch<T, number> = async (cursor, signal) => {
    this.reads += 1;
    while (cursor >= this.#index) await once(this.#changes, 'change', { signal });
    return { value: this.#value, cursor: this.#index };
  };
}

function gateway(kind: string, address: string, port: number): ServiceEntry {
  return {
    Node: {
      ID: '',
      Node: 'n',
      Address: '10.9.9.9',
      Datacenter: 'dc1',
      TaggedAddresses: null,
      Meta: null,
      CreateIndex: 1,
      ModifyIndex: 1,
    },
    Service: { Kind: kind, ID: address, Service: 'gw', Tags: null, Address: address, Port: port },
    Checks: [],
  };
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached before the deadline');
    await new Promise((r) => setImmediate(r));
  }
}

test('local gateways - follows the services of kind mesh-gateway and their healthy instances; names gone drop their endpoints; capped', async (t) => {
  const names = new Blocking<string[]>(['gw-east', 'gw-west']);
  const instances = new Map<string, Blocking<ServiceEntry[]>>([
    ['gw-east', new Blocking([gateway('mesh-gateway', '10.0.0.1', 8443)])],
    ['gw-west', new Blocking([gateway('mesh-gateway', '10.0.0.2', 8443), gateway('', '10.0.0.3', 80)])],
    ['gw-north', new Blocking([gateway('mesh-gateway', '10.0.0.4', 8443)])],
  ]);
  const source: LocalGatewaySource = {
    gatewayServices: names.fetch,
    healthyInstances: (service) => {
      const b = instances.get(service);
      assert.ok(b, service);
      return b.fetch;
    },
  };
  const abort = new AbortController();
  t.after(() => {
    abort.abort();
  });
  const gws = new LocalGateways({
    source,
    logger: silentLogger(),
    signal: abort.signal,
    maxServices: 2,
  });
  let changes = 0;
  gws.onChange(() => (changes += 1));
  assert.deepEqual(gws.endpoints, [], 'nothing before start');
  gws.start();
  gws.start();
  const hosts = (): string[] => gws.endpoints.map((e) => `${e.host}:${e.port}`).sort();
  await until(() => hosts().length === 2);
  assert.deepEqual(hosts(), ['10.0.0.1:8443', '10.0.0.2:8443'], 'only instances of kind mesh-gateway');
  assert.equal(names.reads >= 1 && names.reads <= 2, true, 'one names watch despite two start() calls');

  instances.get('gw-east')?.set([]);
  await until(() => hosts().length === 1);
  assert.deepEqual(hosts(), ['10.0.0.2:8443'], 'an instance no longer passing is dropped');

  // Three names, cap 2: the first two (sorted by the source) are followed, the third ignored.
  names.set(['gw-east', 'gw-north', 'gw-west']);
  await until(() => hosts().includes('10.0.0.4:8443'));
  assert.deepEqual(hosts(), ['10.0.0.4:8443']);
  assert.ok(changes >= 3);
});
