import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImportedInstance } from '../state/index.js';
import { ImportShadow, instanceDigest } from './import-shadow.js';

/** Instance `i` of `service` on node `n<i>`; `output` is its check's output (a deep field to flip). */
function inst(service: string, i: number, output = 'ok'): ImportedInstance {
  const id = `${service}-${String(i)}`;
  return {
    Node: { Node: `n${String(i)}`, Address: `10.0.0.${String(i)}`, PeerName: 'dc2' },
    Service: { ID: id, Service: service, Port: 80, Tags: ['a'], Meta: { v: '1' }, PeerName: 'dc2' },
    Checks: [{ CheckID: `${id}-c`, Name: 'alive', Status: 'passing', Output: output, ServiceID: id }],
  } as unknown as ImportedInstance;
}

const ids = (list: readonly ImportedInstance[]): string[] => list.map((i) => i.Service.ID).sort();

test('import shadow - only changed instances are upserted; unchanged ones are not rewritten', () => {
  const shadow = new ImportShadow();
  const first = [0, 1, 2, 3].map((i) => inst('web', i));
  const d1 = shadow.diff('web', first);
  assert.equal(d1.update.Replace, true, 'a service not known yet is a full replace');
  assert.deepEqual(ids(d1.update.Upserts), ['web-0', 'web-1', 'web-2', 'web-3']);

  // The same content again, as new objects: nothing to write.
  const same = shadow.diff(
    'web',
    [0, 1, 2, 3].map((i) => inst('web', i)),
  );
  assert.equal(same.update.Replace, false);
  assert.deepEqual(same.update.Upserts, []);
  assert.deepEqual(same.update.Removes, []);
  assert.equal(same.bytes, 0);

  // A deep change (a check's output, the last field of the JSON) in one instance: that one only.
  const changed = [0, 1, 2, 3].map((i) => inst('web', i, i === 2 ? 'ok!' : 'ok'));
  const d2 = shadow.diff('web', changed);
  assert.deepEqual(ids(d2.update.Upserts), ['web-2']);
  assert.equal(d2.bytes, JSON.stringify(changed[2]).length);
  assert.deepEqual(d2.update.Removes, []);

  // The new version is what the shadow remembers: sending it again writes nothing; changing it back writes it.
  assert.deepEqual(shadow.diff('web', changed).update.Upserts, []);
  assert.deepEqual(ids(shadow.diff('web', first).update.Upserts), ['web-2']);

  // An instance no longer sent is removed by name; the others are not rewritten.
  const d3 = shadow.diff('web', first.slice(1));
  assert.deepEqual(d3.update.Upserts, []);
  assert.deepEqual(d3.update.Removes, [{ Node: 'n0', ServiceID: 'web-0' }]);
});

test('import shadow - every single-field change of an instance is detected', () => {
  const base = inst('api', 7);
  const mutations: ((i: ImportedInstance) => void)[] = [
    (i) => (i.Node.Address = '10.0.0.8'),
    (i) => (i.Service.Port = 81),
    (i) => (i.Service.Tags = ['a', 'b']),
    (i) => (i.Service.Meta = { v: '2' }),
    (i) => ((i.Checks[0] as { Status: string }).Status = 'critical'),
    (i) => (i.Checks = []),
  ];
  for (const [n, mutate] of mutations.entries()) {
    const shadow = new ImportShadow();
    shadow.diff('api', [base]);
    const next = structuredClone(base);
    mutate(next);
    assert.deepEqual(ids(shadow.diff('api', [next]).update.Upserts), ['api-7'], `mutation ${String(n)}`);
  }
});

test('import shadow - replaced() records a full set the same way diff() does', () => {
  const shadow = new ImportShadow();
  shadow.replaced('db', [inst('db', 1), inst('db', 2)]);
  const d = shadow.diff('db', [inst('db', 1), inst('db', 2, 'changed')]);
  assert.equal(d.update.Replace, false);
  assert.deepEqual(ids(d.update.Upserts), ['db-2']);
});

test('import shadow - the digest is 128 bits and differs for distinct encodings', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const d = instanceDigest(JSON.stringify(inst('web', i)));
    assert.equal(d.length, 16);
    seen.add(d);
  }
  assert.equal(seen.size, 10_000);
  assert.equal(instanceDigest('{"a":1}'), instanceDigest('{"a":1}'));
  assert.notEqual(instanceDigest('{"a":1}'), instanceDigest('{"a":2}'));
});
