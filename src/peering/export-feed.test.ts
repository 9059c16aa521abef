import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../lib/clock.js';
import { StateStore, type Command } from '../state/index.js';
import type { ServiceKind } from '../types/index.js';
import { ExportFeed, type ExportChange } from './export-feed.js';

const SERVICES = 50;

function reg(node: string, id: string, name: string, status = 'passing', kind: ServiceKind = ''): Command {
  return {
    Type: 'register',
    Node: { ID: '', Node: node, Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
    SkipNodeUpdate: false,
    Service: {
      Kind: kind,
      ID: id,
      Service: name,
      Tags: [],
      Address: '',
      Meta: {},
      Port: 80,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    },
    Checks: [
      {
        Node: node,
        CheckID: `${id}-check`,
        Name: 'c',
        Status: status as 'passing',
        Notes: '',
        Output: '',
        ServiceID: id,
        ServiceName: name,
        ServiceTags: [],
        Type: '',
        Interval: '',
        Timeout: '',
        ExposedPort: 0,
        Definition: {},
      },
    ],
  };
}

/** A feed over a store with SERVICES typical services, counting the per-service reads of every pass. */
function setup(): {
  store: StateStore;
  feed: ExportFeed;
  checked: string[];
  next(): Promise<ExportChange>;
  apply(cmd: Command): void;
  stop(): void;
} {
  const store = new StateStore();
  let index = 0;
  for (let i = 0; i < SERVICES; i++)
    store.apply(++index, reg(`n${String(i % 5)}`, `s${String(i)}`, `s${String(i)}`));
  const checked: string[] = [];
  const feed = new ExportFeed(store, systemClock, { serviceChecked: (n) => checked.push(n) });
  const changes: ExportChange[] = [];
  let waiter: (() => void) | undefined;
  const stop = feed.subscribe((c) => {
    changes.push(c);
    waiter?.();
  });
  return {
    store,
    feed,
    checked,
    apply(cmd) {
      assert.equal(store.apply(++index, cmd).ok, true);
    },
    async next() {
      const deadline = Date.now() + 10_000;
      while (changes.length === 0) {
        if (Date.now() > deadline) throw new Error('no change reported');
        await new Promise<void>((resolve) => {
          waiter = resolve;
          setTimeout(resolve, 50);
        });
      }
      return changes.shift() as ExportChange;
    },
    stop,
  };
}

test('export feed - a change to one service reads that service only, not every candidate', async () => {
  const f = setup();
  try {
    assert.equal(f.checked.length, SERVICES, 'the first pass reads every candidate once');
    assert.equal(f.feed.typicalServices().length, SERVICES);
    f.checked.length = 0;
    f.apply(reg('n3', 's7', 's7', 'critical'));
    const c = await f.next();
    assert.deepEqual([...c.changed], ['s7']);
    assert.equal(c.catalogChanged, false, 'a health flip adds or removes no name');
    assert.deepEqual(f.checked, ['s7']);
    f.checked.length = 0;
    f.apply(reg('n0', 's0', 's0', 'critical'));
    f.apply(reg('n1', 's1', 's1', 'critical'));
    const both = await f.next();
    assert.deepEqual([...both.changed].sort(), ['s0', 's1']);
    assert.deepEqual(f.checked.sort(), ['s0', 's1']);
  } finally {
    f.stop();
  }
});

test('export feed - names that appear or go are reported with the catalog change, others are not read', async () => {
  const f = setup();
  try {
    f.checked.length = 0;
    f.apply(reg('n9', 'fresh-1', 'fresh'));
    // A peer's stream reads the list before the feed's pass (a new subscriber): the pass still sees the change.
    assert.ok(f.feed.typicalServices().includes('fresh'));
    const added = await f.next();
    assert.equal(added.catalogChanged, true);
    assert.deepEqual([...added.changed], ['fresh']);
    assert.ok(f.feed.typicalServices().includes('fresh'));
    assert.deepEqual(f.checked, ['fresh']);
    // A proxy of a known name is no typical service: nothing a `*` export covers changes.
    f.checked.length = 0;
    f.apply(reg('n9', 'fresh-proxy', 'fresh-sidecar-proxy', 'passing', 'connect-proxy'));
    f.apply({ Type: 'deregister', PeerName: '', Node: 'n9', ServiceID: 'fresh-1', CheckID: '' });
    const gone = await f.next();
    assert.ok(gone.changed.has('fresh'), 'the gone service is reported');
    assert.ok(!f.feed.typicalServices().includes('fresh'));
    assert.ok(f.checked.length <= 1, `read ${String(f.checked.length)} services`);
  } finally {
    f.stop();
  }
});

test('export feed - a restore makes the next pass compare every candidate', async () => {
  const f = setup();
  try {
    const other = new StateStore();
    other.apply(1, reg('m', 'only', 'only'));
    f.checked.length = 0;
    f.store.restore(1000, other.snapshot());
    const c = await f.next();
    assert.ok(c.changed.has('only'));
    assert.ok(c.changed.has('s0'), 'services gone with the restore are reported');
    assert.deepEqual(f.feed.typicalServices(), ['only']);
  } finally {
    f.stop();
  }
});

test('export feed - a pass or a listener that throws is reported and the feed keeps delivering', async () => {
  const store = new StateStore();
  let index = 0;
  store.apply(++index, reg('n0', 's0', 's0'));
  const errors: string[] = [];
  let failNextCheck = false;
  const feed = new ExportFeed(store, systemClock, {
    serviceChecked: () => {
      if (failNextCheck) {
        failNextCheck = false;
        throw new Error('pass blew up');
      }
    },
    onError: (err, where) => errors.push(`${where}: ${(err as Error).message}`),
  });
  const seen: ExportChange[] = [];
  const stopThrower = feed.subscribe(() => {
    throw new Error('listener blew up');
  });
  const stopGood = feed.subscribe((c) => seen.push(c));
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  try {
    store.apply(++index, reg('n0', 's0', 's0', 'critical'));
    await until(() => seen.length === 1, 'the first change');
    assert.deepEqual(
      errors,
      ['listener: listener blew up'],
      'the throwing listener is reported, the other told',
    );
    failNextCheck = true;
    store.apply(++index, reg('n0', 's0', 's0', 'passing'));
    await until(() => errors.includes('pass: pass blew up'), 'the failed pass');
    store.apply(++index, reg('n0', 's0', 's0', 'warning'));
    await until(
      () => seen.some((c) => c.changed.has('s0')) && seen.length >= 2,
      'a change after the failed pass',
    );
    assert.ok(seen.at(-1)?.changed.has('s0'));
  } finally {
    stopThrower();
    stopGood();
  }
});

test('export feed - meshChanged: set by gateways, proxies and chain config entries, never by a plain health flip', async () => {
  const f = setup();
  try {
    f.apply(reg('n1', 's3', 's3', 'critical'));
    const flip = await f.next();
    assert.equal(flip.meshChanged, false, 'a typical instance flip leaves the synthetic proxies alone');
    f.apply(reg('gw', 'gw-1', 'mesh-gateway', 'passing', 'mesh-gateway'));
    assert.equal((await f.next()).meshChanged, true, 'a new gateway name');
    f.apply(reg('gw', 'gw-1', 'mesh-gateway', 'critical', 'mesh-gateway'));
    const gwFlip = await f.next();
    assert.equal(gwFlip.meshChanged, true, "a gateway's health");
    assert.equal(gwFlip.catalogChanged, false);
    f.apply({
      Type: 'config-set',
      Entry: { Kind: 'service-defaults', Name: 's3', Protocol: 'http' },
      Cas: null,
    });
    assert.equal((await f.next()).meshChanged, true, 'a chain config entry');
  } finally {
    f.stop();
  }
});
