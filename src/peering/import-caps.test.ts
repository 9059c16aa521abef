import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../logging/index.js';
import { StateStore } from '../state/index.js';
import { ImportCapError, ImportLedger, storedImportCounts } from './import-caps.js';
import { Importer } from './importer.js';
import { STREAM_CODE, TYPE_URL, type CheckServiceNode, type ReplicationMessage } from './messages.js';
import { renderPeering } from './render.js';
import type { PeeringWrite } from './store.js';
import { TestNetwork } from './testing/cluster.js';
import { openFakePeerStream } from './testing/fake-peer-stream.js';
import type { MemoryStream } from './testing/memory-stream.js';

const CAPS = { maxServices: 3, maxInstances: 5 };

test('import caps - the ledger refuses a new service past maxServices and growth past maxInstances', () => {
  const ledger = new ImportLedger(CAPS, () => [['web', 2]]);
  ledger.admit('api', 2);
  assert.throws(
    () => {
      ledger.admit('db', 2);
    },
    (err: unknown) =>
      err instanceof ImportCapError &&
      err.cap === 'instances' &&
      err.limit === 5 &&
      /service "db" not imported: its 2 instances would make 6 imported from this peer, the limit is peering.import_max_instances = 5/.test(
        err.message,
      ),
  );
  ledger.admit('cache', 1);
  assert.deepEqual(ledger.usage, { services: 3, instances: 5, maxServices: 3, maxInstances: 5 });
  assert.throws(
    () => {
      ledger.admit('extra', 1);
    },
    (err: unknown) =>
      err instanceof ImportCapError &&
      err.cap === 'services' &&
      /service "extra" not imported: 3 services are imported from this peer, the limit is peering.import_max_services = 3/.test(
        err.message,
      ),
  );
  // Updates of known services that do not grow the total pass; an empty one frees its service.
  ledger.admit('WEB', 2);
  ledger.admit('web', 1);
  ledger.admit('cache', 0);
  assert.deepEqual(ledger.usage, { services: 2, instances: 3, maxServices: 3, maxInstances: 5 });
  ledger.admit('extra', 2);
  // A list keeps the listed services and their sidecar proxies only.
  ledger.admit('api-sidecar-proxy', 0);
  ledger.retain(['api']);
  assert.deepEqual(ledger.usage, { services: 1, instances: 2, maxServices: 3, maxInstances: 5 });
});

test('import caps - past a lowered cap, stored data is kept; shrinking passes, growing does not', () => {
  const ledger = new ImportLedger({ maxServices: 1, maxInstances: 2 }, () => [
    ['a', 3],
    ['b', 1],
  ]);
  assert.deepEqual(ledger.usage, { services: 2, instances: 4, maxServices: 1, maxInstances: 2 });
  ledger.admit('a', 2);
  assert.throws(() => {
    ledger.admit('b', 2);
  }, ImportCapError);
  assert.throws(() => {
    ledger.admit('c', 1);
  }, ImportCapError);
  ledger.admit('b', 0);
  ledger.admit('a', 2);
  assert.deepEqual(ledger.usage, { services: 1, instances: 2, maxServices: 1, maxInstances: 2 });
});

/** Instance `i` of `service` on node `n<i>` as a peer replicates it. */
function csn(service: string, i: number): CheckServiceNode {
  return {
    Node: {
      ID: '',
      Node: `n${String(i)}`,
      Address: '10.0.0.1',
      Datacenter: 'dc2',
      TaggedAddresses: {},
      Meta: {},
    },
    Service: {
      Kind: '',
      ID: `${service}-${String(i)}`,
      Service: service,
      Tags: [],
      Address: '',
      Meta: {},
      Port: 80,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    },
    Checks: [],
  } as unknown as CheckServiceNode;
}

const nodes = (service: string, n: number): CheckServiceNode[] =>
  Array.from({ length: n }, (_, i) => csn(service, i));

/** A store with peering `dc2` established, and a write into it that `refuseNext` makes fail once. */
function storeWithPeer(): { store: StateStore; write: PeeringWrite; refuseNext: () => void } {
  const store = new StateStore();
  store.apply(1, {
    Type: 'peering-establish',
    ID: 'p-id',
    Name: 'dc2',
    Meta: {},
    PeerID: 'remote-id',
    PeerCAPems: [],
    PeerServerName: 'server.dc2.peering.example',
    PeerServerAddresses: ['127.0.0.1:1'],
    ManualServerAddresses: [],
    Remote: { Partition: 'default', Datacenter: 'dc2' },
    ActiveStreamSecret: 'secret',
  });
  let index = 2;
  let refuse = false;
  const write: PeeringWrite = (cmd) => {
    if (refuse) {
      refuse = false;
      return Promise.resolve({ index, result: { ok: false, error: 'refused for the test' } as never });
    }
    const i = index++;
    return Promise.resolve({ index: i, result: store.apply(i, cmd) });
  };
  return {
    store,
    write,
    refuseNext: () => {
      refuse = true;
    },
  };
}

const count = (s: StateStore, name: string): number =>
  s.serviceInstances(undefined, 'dc2', name).value.length;

test('import caps - a new stream starts from what earlier streams stored', async () => {
  const { store, write } = storeWithPeer();
  const first = new Importer('dc2', write, { caps: CAPS, stored: storedImportCounts(store, 'dc2') });
  await first.service('web', nodes('web', 3));
  await first.service('api', nodes('api', 1));
  // The next stream's importer has an empty shadow but counts what is stored.
  const next = new Importer('dc2', write, { caps: CAPS, stored: storedImportCounts(store, 'dc2') });
  assert.deepEqual(next.usage, { services: 2, instances: 4, maxServices: 3, maxInstances: 5 });
  await assert.rejects(next.service('db', nodes('db', 2)), ImportCapError);
  assert.equal(count(store, 'db'), 0);
  await next.service('db', nodes('db', 1));
  assert.equal(count(store, 'db'), 1);
});

test('import caps - after a failed write the ledger is read from the store again', async () => {
  const { store, write, refuseNext } = storeWithPeer();
  const importer = new Importer('dc2', write, { caps: CAPS, stored: storedImportCounts(store, 'dc2') });
  await importer.service('web', nodes('web', 2));
  refuseNext();
  await assert.rejects(importer.service('api', nodes('api', 3)), /refused for the test/);
  assert.equal(count(store, 'api'), 0);
  // Without the reread, the refused 3 would still count (2 + 3 + 2 > 5) and this would be refused.
  await importer.service('db', nodes('db', 2));
  assert.equal(count(store, 'db'), 2);
  assert.deepEqual(importer.usage, { services: 2, instances: 4, maxServices: 3, maxInstances: 5 });
});

async function recvReply(s: MemoryStream, nonce: string): Promise<ReplicationMessage> {
  for (;;) {
    const m = await s.recv();
    if (m === null) throw new Error('stream ended');
    if (m.kind === 'request' && m.responseNonce === nonce) return m;
  }
}

test('import caps - fake peer: past a cap the update is NACKed and not stored, the rest is kept, the read shows it; deletes make room', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const out = new PassThrough();
  out.on('data', (b: Buffer) => {
    for (const l of b.toString().split('\n'))
      if (l !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha', {
    streamLimits: { importMaxServices: 3, importMaxInstances: 5 },
    logger: createLogger({ json: true, level: 'warn', destination: out }),
  });
  const { mine } = await openFakePeerStream(a, 'evil');
  let n = 0;
  const send = async (
    resource:
      | { type: 'exported-service'; id: string; nodes: CheckServiceNode[] }
      | { type: 'exported-service-list'; services: string[] },
  ) => {
    const nonce = `n${String(++n)}`;
    await mine.send({
      kind: 'response',
      nonce,
      operation: 1,
      ...(resource.type === 'exported-service'
        ? {
            resourceUrl: TYPE_URL.exportedService,
            resourceId: resource.id,
            resource: { type: 'exported-service' as const, nodes: resource.nodes },
          }
        : {
            resourceUrl: TYPE_URL.exportedServiceList,
            resourceId: '',
            resource: { type: 'exported-service-list' as const, services: resource.services },
          }),
    });
    const reply = await recvReply(mine, nonce);
    return reply.kind === 'request' ? reply.error : undefined;
  };
  const svc = (id: string, count: number) => send({ type: 'exported-service', id, nodes: nodes(id, count) });
  const stored = (name: string) => a.store.serviceInstances(undefined, 'evil', name).value.length;
  const storedTotal = () =>
    a.store.serviceNames(undefined, 'evil').value.reduce((sum, { name }) => sum + stored(name), 0);

  assert.equal(await svc('web', 2), undefined);
  assert.equal(await svc('api', 2), undefined);
  // Instances: 4 stored, 2 more would make 6 > 5.
  const overInstances = await svc('db', 2);
  assert.equal(overInstances?.code, STREAM_CODE.resourceExhausted);
  assert.match(
    overInstances?.message ?? '',
    /ResourceID: "db": import cap reached: service "db" not imported: its 2 instances would make 6 imported from this peer, the limit is peering.import_max_instances = 5/,
  );
  assert.equal(stored('db'), 0);
  assert.equal(await svc('cache', 1), undefined);
  // Services: 3 stored (5 instances). One instance is freed first, so only the services cap can refuse a fourth.
  assert.equal(await svc('web', 1), undefined);
  const overServices = await svc('extra', 1);
  assert.equal(overServices?.code, STREAM_CODE.resourceExhausted);
  assert.match(overServices?.message ?? '', /the limit is peering.import_max_services = 3/);
  // Growing a stored service past the instance cap: refused, its stored version kept as it was.
  assert.equal((await svc('api', 4))?.code, STREAM_CODE.resourceExhausted);
  assert.equal(stored('api'), 2, 'the previous version of api is intact');
  assert.deepEqual(
    a.store
      .serviceNames(undefined, 'evil')
      .value.map((s) => s.name)
      .sort(),
    ['api', 'cache', 'web'],
  );
  assert.equal(storedTotal(), 4);

  // The peering read shows the figures and the refusals.
  const peering = a.store.peering(undefined, 'evil').value;
  assert.ok(peering);
  const diag = renderPeering(peering, a.tracker)['Diagnostics'] as Record<string, unknown>;
  const imports = diag['Imports'] as Record<string, unknown>;
  assert.deepEqual(
    { ...imports, LastRefused: typeof imports['LastRefused'] },
    {
      Services: 3,
      MaxServices: 3,
      Instances: 4,
      MaxInstances: 5,
      Refused: { Services: 1, Instances: 2 },
      LastRefused: 'string',
      LastRefusedMessage: imports['LastRefusedMessage'],
    },
  );
  assert.match(String(imports['LastRefusedMessage']), /ResourceID: "api".*peering.import_max_instances = 5/);
  // Consul's keys are as they were.
  assert.ok('StreamStatus' in renderPeering(peering, a.tracker));

  // WARN logged, paced (three refusals in quick succession: one line), naming the cap, no secret.
  const warns = lines.filter((l) => String(l['msg']).startsWith('import cap reached'));
  assert.ok(warns.length >= 1 && warns.length < 3, JSON.stringify(warns));
  assert.equal(warns[0]?.['cap'], 'instances');
  assert.equal(warns[0]?.['limit'], 5);
  assert.equal(warns[0]?.['service'], 'db');

  // The peer deletes: an emptied service and a list without cache make room; new imports are accepted.
  assert.equal(await svc('web', 0), undefined);
  assert.equal(await send({ type: 'exported-service-list', services: ['api', 'db', 'extra'] }), undefined);
  assert.equal(stored('cache'), 0);
  assert.equal(await svc('db', 2), undefined);
  assert.equal(await svc('extra', 1), undefined);
  assert.equal(stored('db'), 2);
  assert.equal(stored('extra'), 1);
  assert.equal(storedTotal(), 5);
  const after = renderPeering(peering, a.tracker)['Diagnostics'] as Record<string, Record<string, unknown>>;
  assert.equal(after['Imports']?.['Services'], 3);
  assert.equal(after['Imports']?.['Instances'], 5);
});
