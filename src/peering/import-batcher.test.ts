import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StateStore, type ImportedInstance } from '../state/index.js';
import { Importer } from './importer.js';
import type { CheckServiceNode } from './messages.js';
import type { PeeringWrite, PeeringWriteCommand } from './store.js';

const PEER = 'dc2';

function establish(s: StateStore, index: number): void {
  const r = s.apply(index, {
    Type: 'peering-establish',
    ID: 'p-id',
    Name: PEER,
    Meta: {},
    PeerID: 'remote-id',
    PeerCAPems: [],
    PeerServerName: 'server.dc2.peering.example',
    PeerServerAddresses: ['127.0.0.1:1'],
    ManualServerAddresses: [],
    Remote: { Partition: 'default', Datacenter: 'dc2' },
    ActiveStreamSecret: 'secret',
  });
  assert.equal(r.ok, true);
}

/** Instance `i` of `service` on node `n<i>`, its check at `status`. */
function csn(service: string, i: number, status = 'passing'): CheckServiceNode {
  const id = `${service}-${String(i)}`;
  return {
    Node: {
      ID: '',
      Node: `n${String(i)}`,
      Address: `10.1.0.${String(i)}`,
      Datacenter: 'dc2',
      TaggedAddresses: {},
      Meta: {},
      PeerName: '',
    },
    Service: {
      Kind: '',
      ID: id,
      Service: service,
      Tags: [],
      Address: '',
      Meta: {},
      Port: 80,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
      PeerName: '',
    },
    Checks: [
      {
        Node: `n${String(i)}`,
        CheckID: `${id}-check`,
        Name: 'alive',
        Status: status,
        Notes: '',
        Output: '',
        ServiceID: id,
        ServiceName: service,
        ServiceTags: [],
        Type: '',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
        PeerName: '',
      },
    ],
  } as unknown as CheckServiceNode;
}

const range = (n: number): number[] => [...Array(n).keys()];

/**
 * A log in front of a real store: each write is encoded and decoded (as the log does), held until `release()`
 * when gated, then applied at the next index.
 */
class GatedLog {
  readonly store = new StateStore();
  readonly written: PeeringWriteCommand[] = [];
  /** Every encoded entry, in order (what a replay after a crash would apply). */
  readonly entries: Buffer[] = [];
  gated = false;
  #held: (() => void)[] = [];
  #index = 1;

  constructor() {
    establish(this.store, this.#index++);
  }

  readonly write: PeeringWrite = async (cmd) => {
    this.written.push(cmd);
    const data = this.store.encode(cmd);
    this.entries.push(data);
    if (this.gated) await new Promise<void>((resolve) => this.#held.push(resolve));
    const index = this.#index++;
    return { index, result: this.store.applyEncoded(index, data) };
  };

  /** Lets every held write commit. */
  release(): void {
    for (const r of this.#held.splice(0)) r();
  }

  get held(): number {
    return this.#held.length;
  }
}

/** What the store holds for `service` from the peer: instance ID → check status, and the instances' indexes. */
function imported(s: StateStore, service: string): Map<string, { status: string; modify: number }> {
  const out = new Map<string, { status: string; modify: number }>();
  for (const { node, service: svc } of s.serviceInstances(undefined, PEER, service).value) {
    const status = s
      .instanceChecks(node, svc.ID)
      .map((c) => c.Status)
      .join(',');
    out.set(svc.ID, { status, modify: svc.ModifyIndex });
  }
  return out;
}

/** The same instances written by a full replace into a fresh store (the reference for "exact"). */
function reference(sets: Record<string, CheckServiceNode[]>): StateStore {
  const ref = new StateStore();
  establish(ref, 1);
  let index = 2;
  for (const [name, nodes] of Object.entries(sets)) {
    const withPeer = nodes.map((n) => ({
      Node: { ...n.Node, PeerName: PEER },
      Service: { ...n.Service, PeerName: PEER },
      Checks: n.Checks.map((c) => ({ ...c, PeerName: PEER })),
    })) as unknown as ImportedInstance[];
    ref.apply(index++, {
      Type: 'peering-import-service',
      PeerName: PEER,
      ServiceName: name,
      Nodes: withPeer,
    });
  }
  return ref;
}

function statuses(s: StateStore, service: string): [string, string][] {
  return [...imported(s, service)].map(([id, v]) => [id, v.status] as [string, string]).sort();
}

/** Waits for queued promise callbacks (no timers). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('importer batch - updates received while a write is in flight are one command and apply exactly', async () => {
  const log = new GatedLog();
  const importer = new Importer(PEER, log.write);
  // Initial state: three services of 4 instances.
  await Promise.all(
    ['a', 'b', 'c'].map((svc) =>
      importer.service(
        svc,
        range(4).map((i) => csn(svc, i)),
      ),
    ),
  );
  assert.equal(log.written.length, 2, 'the first alone, the two received during it together');

  log.gated = true;
  const first = importer.service('a', [csn('a', 0, 'critical'), ...range(3).map((i) => csn('a', i + 1))]);
  await settle();
  assert.equal(log.held, 1);
  const final = {
    a: [csn('a', 0, 'critical'), csn('a', 1), csn('a', 2, 'warning')], // a change, a removal (a-3)
    b: [...range(4).map((i) => csn('b', i)), csn('b', 7)], // an add
    c: [csn('c', 1), csn('c', 3, 'critical')], // two removals and a change
    d: [csn('d', 0)], // a new service
  };
  const burst = Object.entries(final).map(([svc, nodes]) => importer.service(svc, nodes));
  await settle();
  assert.equal(log.written.length, 3, 'the burst waits for the write in flight');
  log.release();
  await settle();
  log.release();
  await Promise.all([first, ...burst]);

  assert.equal(log.written.length, 4, 'the whole burst was one command');
  const batch = log.written[3];
  assert.equal(batch?.Type, 'peering-import-batch');
  if (batch?.Type !== 'peering-import-batch') return;
  assert.deepEqual(
    batch.Services.map((u) => [u.ServiceName, u.Replace, u.Upserts.length, u.Removes.length]),
    [
      ['a', false, 1, 1],
      ['b', false, 1, 0],
      ['c', false, 1, 2],
      ['d', true, 1, 0],
    ],
  );
  const ref = reference(final);
  for (const svc of Object.keys(final)) assert.deepEqual(statuses(log.store, svc), statuses(ref, svc), svc);
});

test('importer batch - unchanged instances are not written and keep their indexes', async () => {
  const log = new GatedLog();
  const importer = new Importer(PEER, log.write);
  const nodes = range(10).map((i) => csn('web', i));
  await importer.service('web', nodes);
  const before = imported(log.store, 'web');
  const serviceIndex = log.store.serviceInstances(undefined, PEER, 'web').index;

  await importer.service('web', nodes);
  const same = log.written[1];
  assert.equal(same?.Type, 'peering-import-batch');
  if (same?.Type === 'peering-import-batch') {
    assert.deepEqual(same.Services[0]?.Upserts, [], 'an identical set writes no instance');
    assert.deepEqual(same.Services[0]?.Removes, []);
  }
  assert.equal(log.store.serviceInstances(undefined, PEER, 'web').index, serviceIndex, 'nothing moved');

  const flipped = nodes.map((n, i) => (i === 3 ? csn('web', 3, 'critical') : n));
  await importer.service('web', flipped);
  const flip = log.written[2];
  if (flip?.Type !== 'peering-import-batch') return assert.fail('expected a batch');
  assert.deepEqual(
    flip.Services[0]?.Upserts.map((u) => u.Service.ID),
    ['web-3'],
  );
  const after = imported(log.store, 'web');
  for (const [id, v] of before) {
    if (id === 'web-3') {
      assert.equal(after.get(id)?.status, 'critical');
    } else {
      assert.deepEqual(after.get(id), v, `${id} untouched`);
    }
  }
});

test('importer batch - an update settles (its ACK may go) only once the command holding it has committed', async () => {
  const log = new GatedLog();
  const importer = new Importer(PEER, log.write);
  log.gated = true;
  let done = false;
  const p = importer.service('web', [csn('web', 0)]).then(() => {
    done = true;
  });
  await settle();
  assert.equal(log.written.length, 1, 'the command is in the log');
  assert.equal(done, false, 'not settled before the commit');
  assert.equal(imported(log.store, 'web').size, 0);
  log.release();
  await p;
  assert.equal(done, true);
  assert.equal(imported(log.store, 'web').size, 1, 'settled after it applied');
});

test('importer batch - a refused batch rejects every update in it, and what was queued behind it replaces', async () => {
  const log = new GatedLog();
  const importer = new Importer(PEER, log.write);
  await importer.service(
    'web',
    range(3).map((i) => csn('web', i)),
  );
  // The peering goes away while the next write is in flight: that batch is refused.
  log.gated = true;
  const refused = importer.service('web', [csn('web', 0, 'critical')]);
  await settle();
  const queued = importer.service('web', [csn('web', 0, 'critical'), csn('web', 1)]);
  log.store.apply(100, { Type: 'peering-terminated', ID: 'p-id' });
  log.release();
  await assert.rejects(refused, /not active/);
  // Queued behind a failure: now a full replace (the shadow can no longer be trusted).
  await settle();
  const next = log.written[2];
  if (next?.Type !== 'peering-import-batch') return assert.fail('expected a batch');
  assert.equal(next.Services[0]?.Replace, true);
  assert.equal(next.Services[0]?.Upserts.length, 2);
  log.release();
  await assert.rejects(queued, /not active/);
});

test('importer batch - a batch holds at most the configured services and bytes; overflow goes to the next', async () => {
  const log = new GatedLog();
  const importer = new Importer(PEER, log.write, { maxServices: 2, maxBytes: 1_000_000 });
  log.gated = true;
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];
  const all = names.map((svc) => importer.service(svc, [csn(svc, 0)]));
  for (let i = 0; i < 4; i++) {
    await settle();
    log.release();
  }
  await Promise.all(all);
  const sizes = log.written.map((c) => (c.Type === 'peering-import-batch' ? c.Services.length : 0));
  assert.deepEqual(sizes, [1, 2, 2, 1]);

  const small = new GatedLog();
  const bytes = JSON.stringify(csn('x', 0)).length;
  const byBytes = new Importer(PEER, small.write, { maxServices: 100, maxBytes: bytes * 2 + bytes / 2 });
  small.gated = true;
  const sent = names.map((svc) => byBytes.service(svc, [csn(svc, 0)]));
  for (let i = 0; i < 4; i++) {
    await settle();
    small.release();
  }
  await Promise.all(sent);
  assert.deepEqual(
    small.written.map((c) => (c.Type === 'peering-import-batch' ? c.Services.length : 0)),
    [1, 2, 2, 1],
  );
});

test('importer batch - a service list is written in order with the batches and drops unlisted services', async () => {
  const log = new GatedLog();
  const importer = new Importer(PEER, log.write);
  await importer.service('a', [csn('a', 0)]);
  await importer.service('b', [csn('b', 0)]);
  log.gated = true;
  const p = [
    importer.service('a', [csn('a', 0, 'critical')]),
    importer.list(['a']),
    importer.service('b', [csn('b', 0)]), // b again after the list dropped it: a full replace
  ];
  for (let i = 0; i < 3; i++) {
    await settle();
    log.release();
  }
  await Promise.all(p);
  assert.deepEqual(
    log.written.slice(2).map((c) => c.Type),
    ['peering-import-batch', 'peering-import-list', 'peering-import-batch'],
  );
  const last = log.written[4];
  if (last?.Type !== 'peering-import-batch') return assert.fail('expected a batch');
  assert.equal(last.Services[0]?.Replace, true);
  assert.deepEqual(statuses(log.store, 'b'), [['b-0', 'passing']]);
  assert.deepEqual(statuses(log.store, 'a'), [['a-0', 'critical']]);
});

test('importer batch - replaying the log entries (a restart) rebuilds exactly the same imported state', async () => {
  const log = new GatedLog();
  const importer = new Importer(PEER, log.write);
  await Promise.all(
    ['a', 'b'].map((svc) =>
      importer.service(
        svc,
        range(3).map((i) => csn(svc, i)),
      ),
    ),
  );
  log.gated = true;
  const p = [
    importer.service('a', [csn('a', 0, 'critical'), csn('a', 2)]),
    importer.service('b', [csn('b', 1, 'warning')]),
  ];
  for (let i = 0; i < 3; i++) {
    await settle();
    log.release();
  }
  await Promise.all(p);
  const replay = new StateStore();
  establish(replay, 1);
  log.entries.forEach((data, i) => {
    assert.equal(replay.applyEncoded(i + 2, data).ok, true);
  });
  for (const svc of ['a', 'b']) {
    assert.deepEqual([...imported(replay, svc)].sort(), [...imported(log.store, svc)].sort(), svc);
  }
});
