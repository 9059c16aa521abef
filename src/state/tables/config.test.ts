import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeConfigEntry, type ConfigEntry } from '../../config-entry/index.js';
import { validateProposedConfigEntry, type GraphStore } from '../../discovery-chain/index.js';
import { VERSION_FIELD } from '../command-codec.js';
import { IDX } from '../index-table.js';
import { StateStore } from '../store.js';
import type { Command } from './registry.js';

const L7_REFUSED = 'service "api" has protocol "tcp", which is incompatible with L7 intentions permissions';

const set = (raw: Record<string, unknown>, cas: number | null = null): Command => ({
  Type: 'config-set',
  Entry: decodeConfigEntry(raw),
  Cas: cas,
});
const del = (kind: string, name: string, cas: number | null = null): Command => ({
  Type: 'config-delete',
  Kind: kind,
  Name: name,
  Cas: cas,
});
const defaults = (protocol: string) => ({ Kind: 'service-defaults', Name: 'api', Protocol: protocol });
const l7Intentions = {
  Kind: 'service-intentions',
  Name: 'api',
  Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
};

/** The store as the HTTP layer used to read it for its request-time check. */
function graphOf(store: StateStore): GraphStore {
  return {
    entry: (kind, name) => store.configEntry(undefined, kind, name).value?.entry as ConfigEntry | undefined,
    entries: (kind) => store.configEntries(undefined, kind).value.map((r) => r.entry as ConfigEntry),
  };
}

/** What a read of every config entry answers, with the indexes a blocking query would report. */
function dump(store: StateStore): unknown {
  const kinds = ['service-defaults', 'service-intentions', 'proxy-defaults', 'service-router'];
  return {
    table: store.maxIndex(undefined, IDX.configEntries),
    kinds: kinds.map((k) => store.configEntries(undefined, k)),
  };
}

function requestTimeCheck(store: StateStore, cmd: Command): string | undefined {
  if (cmd.Type === 'config-set') {
    const entry = cmd.Entry as ConfigEntry;
    return validateProposedConfigEntry(graphOf(store), { kind: entry.Kind, name: entry.Name, entry });
  }
  if (cmd.Type === 'config-delete') {
    return validateProposedConfigEntry(graphOf(store), { kind: cmd.Kind, name: cmd.Name, entry: null });
  }
  throw new Error('not a config command');
}

function applyOk(store: StateStore, index: number, cmd: Command): void {
  assert.deepEqual(store.apply(index, cmd), { ok: true, value: true });
}

test('config table - two writes each valid against the state they were checked on: the second is refused at apply, state unchanged', () => {
  for (const [first, second] of [
    [set(l7Intentions), set(defaults('tcp'))],
    [set(defaults('tcp')), set(l7Intentions)],
    [set(l7Intentions), del('service-defaults', 'api')],
  ] as const) {
    const store = new StateStore();
    applyOk(store, 1, set(defaults('http')));
    // Both pass the check the HTTP layer made before committing, on the same state (the race).
    assert.equal(requestTimeCheck(store, first), undefined);
    assert.equal(requestTimeCheck(store, second), undefined);
    applyOk(store, 2, first);
    const before = dump(store);
    const fired: string[] = [];
    store.observe((topics) => fired.push(...(topics ?? [])));
    assert.deepEqual(store.apply(3, second), {
      ok: false,
      code: 'ENT_ERR_CONFIG_GRAPH_INVALID',
      error: L7_REFUSED,
    });
    assert.deepEqual(dump(store), before, 'state and indexes unchanged');
    assert.deepEqual(fired, [], 'no watch fired');
  }
});

test('config table - the same refusal through the encoded log path, at the current command version', () => {
  const store = new StateStore();
  applyOk(store, 1, set(defaults('http')));
  applyOk(store, 2, set(l7Intentions));
  const data = store.encode(set(defaults('tcp')));
  assert.equal(JSON.parse(data.toString())[VERSION_FIELD], 2);
  const r = store.applyEncoded(3, data);
  assert.equal(r.ok, false);
  assert.equal(store.configEntry(undefined, 'service-defaults', 'api').value?.entry['Protocol'], 'http');
  assert.equal(store.lastIndex, 3, 'the refused entry still takes its log index');
});

test('config table - log entries written before version 2 apply as the release that wrote them did (checked at request time)', () => {
  const store = new StateStore();
  applyOk(store, 1, set(defaults('http')));
  applyOk(store, 2, set(l7Intentions));
  // A v1 entry (no version field) that lost the old race: the old release applied it, so replay must too.
  const v1 = Buffer.from(JSON.stringify(set(defaults('tcp'))));
  assert.deepEqual(store.applyEncoded(3, v1), { ok: true, value: true });
  assert.equal(store.configEntry(undefined, 'service-defaults', 'api').value?.entry['Protocol'], 'tcp');
  const v1Delete = Buffer.from(JSON.stringify({ ...del('service-defaults', 'api'), [VERSION_FIELD]: 1 }));
  assert.deepEqual(store.applyEncoded(4, v1Delete), { ok: true, value: true });
  assert.equal(store.configEntry(undefined, 'service-defaults', 'api').value, null);
});

test('config table - CAS: a lost CAS answers false unchecked; a won CAS is still checked', () => {
  const store = new StateStore();
  applyOk(store, 1, set(defaults('http')));
  applyOk(store, 2, set(l7Intentions));
  // Lost CAS: Consul compares the index first and answers false without checking the graph.
  assert.deepEqual(store.apply(3, set(defaults('tcp'), 99)), { ok: true, value: false });
  assert.deepEqual(store.apply(4, set(defaults('tcp'), 0)), { ok: true, value: false });
  assert.deepEqual(store.apply(5, del('service-defaults', 'api', 99)), { ok: true, value: false });
  const before = dump(store);
  // Won CAS (the current ModifyIndex), but the change breaks the graph.
  for (const cmd of [set(defaults('tcp'), 1), del('service-defaults', 'api', 1)]) {
    assert.deepEqual(store.apply(6, cmd), {
      ok: false,
      code: 'ENT_ERR_CONFIG_GRAPH_INVALID',
      error: L7_REFUSED,
    });
  }
  assert.deepEqual(dump(store), before);
  applyOk(store, 7, set(defaults('http2'), 1));
  assert.equal(store.configEntry(undefined, 'service-defaults', 'api').value?.ModifyIndex, 7);
});

test('config table - deletes: refused when they break the graph; deleting what is absent changes nothing', () => {
  const store = new StateStore();
  applyOk(store, 1, set({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }));
  applyOk(store, 2, set(l7Intentions));
  // api is HTTP only through proxy-defaults: a change of it, or its delete, is refused.
  assert.deepEqual(
    store.apply(3, set({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'tcp' } })),
    {
      ok: false,
      code: 'ENT_ERR_CONFIG_GRAPH_INVALID',
      error: L7_REFUSED,
    },
  );
  assert.equal(store.apply(4, del('proxy-defaults', 'global')).ok, false);
  assert.equal(store.configEntries(undefined, 'proxy-defaults').value.length, 1);
  // Absent: nothing to check, nothing changes (Consul returns before its check).
  const before = dump(store);
  applyOk(store, 5, del('service-defaults', 'api'));
  assert.deepEqual(dump(store), before);
  // Deleting the intentions is always allowed, and then proxy-defaults may go.
  applyOk(store, 6, del('service-intentions', 'api'));
  applyOk(store, 7, del('proxy-defaults', 'global'));
});

test('config table - chains that would stop compiling are refused at apply (router on a TCP service)', () => {
  const store = new StateStore();
  applyOk(store, 1, set({ Kind: 'service-defaults', Name: 'web', Protocol: 'http' }));
  const router = set({
    Kind: 'service-router',
    Name: 'web',
    Routes: [{ Match: { HTTP: { PathPrefix: '/v2' } }, Destination: { Service: 'web' } }],
  });
  const downgrade = set({ Kind: 'service-defaults', Name: 'web', Protocol: 'tcp' });
  assert.equal(requestTimeCheck(store, router), undefined);
  assert.equal(requestTimeCheck(store, downgrade), undefined);
  applyOk(store, 2, router);
  assert.deepEqual(store.apply(3, downgrade), {
    ok: false,
    code: 'ENT_ERR_CONFIG_GRAPH_INVALID',
    error:
      'discovery chain "web" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
  });
});

test('config table - snapshot and restore keep the entries, and the restored store decides alike', () => {
  const store = new StateStore();
  applyOk(store, 1, set(defaults('http')));
  applyOk(store, 2, set(l7Intentions));
  assert.equal(store.apply(3, set(defaults('tcp'))).ok, false);
  const copy = new StateStore();
  copy.restore(3, store.snapshot());
  assert.deepEqual(dump(copy), dump(store));
  assert.deepEqual(copy.apply(4, set(defaults('tcp'))), store.apply(4, set(defaults('tcp'))));
  assert.deepEqual(dump(copy), dump(store));
});
