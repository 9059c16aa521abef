import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StateStore } from './store.js';
import { WatchSet } from './watch.js';

/*
 * Compatibility with what earlier code wrote. `test/fixtures/state/` holds a snapshot and the log entries (one
 * encoded command per line) written by the store as of the first release, and the answers its reads gave. A
 * server upgraded in place restores that snapshot and replays those entries: both must give the same answers.
 */
const FIXTURES = new URL('../../test/fixtures/state/', import.meta.url);

function reads(s: StateStore): unknown {
  const ws = new WatchSet();
  const out = {
    lastIndex: s.lastIndex,
    clusterId: s.clusterId,
    nodes: s.nodes(ws, ''),
    nodesPeer: s.nodes(ws, 'cluster-c'),
    web: s.serviceInstances(ws, '', 'web'),
    api: s.serviceInstances(ws, 'cluster-c', 'api'),
    services: s.services(ws, ''),
    checksAny: s.checksInState(ws, '', 'any'),
    nodeServicesN2: s.nodeServices(ws, '', 'n2'),
    webChecks: s.serviceChecks(ws, '', 'web'),
    kvList: s.kvList(ws, 'app/'),
    kvGetOld: s.kvGet(ws, 'app/old'),
    kvGetColor: s.kvGet(ws, 'app/color'),
    configKind: s.configEntries(ws, 'service-defaults'),
    configEntry: s.configEntry(ws, 'exported-services', 'default'),
    peerings: s.peerings(ws),
    secretsAcc: s.peeringSecrets('p-acc-1'),
    secretsAcc2: s.peeringSecrets('p-acc-2'),
    trustBundle: s.trustBundle(ws, 'cluster-c'),
    caRoots: s.caRoots(ws),
    caKey: s.caSigningKeyPem,
    vipWeb: s.virtualIp('', 'web'),
    vipDb: s.virtualIp('', 'db'),
    vipApi: s.virtualIp('cluster-c', 'api'),
    vipGone: s.virtualIp('', 'gone') ?? null,
  };
  // Buffers as the fixture stores them; undefined members dropped, as JSON does.
  return JSON.parse(
    JSON.stringify(out, (_k, v: unknown) =>
      typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer'
        ? { base64: Buffer.from((v as { data: number[] }).data).toString('base64') }
        : v,
    ),
  ) as unknown;
}

function expected(): unknown {
  return JSON.parse(readFileSync(new URL('snapshot-v1.reads.json', FIXTURES), 'utf8')) as unknown;
}

test('state - a snapshot written by the first release restores to the same answers', () => {
  const s = new StateStore();
  s.restore(23, readFileSync(new URL('snapshot-v1.json', FIXTURES)));
  assert.deepEqual(reads(s), expected());
});

test('state - log entries written by the first release replay to the same answers', () => {
  const lines = readFileSync(new URL('commands-v1.jsonl', FIXTURES), 'utf8').trim().split('\n');
  const s = new StateStore();
  lines.forEach((line, i) => {
    // The bytes as the first release wrote them: no version field, so version 1 of each command.
    const r = s.applyEncoded(i + 1, Buffer.from(line));
    assert.equal(r.ok, true, `entry ${String(i + 1)}`);
  });
  assert.deepEqual(reads(s), expected());
});

test('state - a snapshot of the current layout restores to the same answers (one section per table)', () => {
  const old = new StateStore();
  old.restore(23, readFileSync(new URL('snapshot-v1.json', FIXTURES)));
  const snap = old.snapshot();
  const parsed = JSON.parse(snap.toString('utf8')) as { Version: number; Tables: Record<string, unknown> };
  assert.equal(parsed.Version, 2);
  assert.deepEqual(
    Object.keys(parsed.Tables).sort(),
    Object.keys(old.tables)
      .map((k) => old.tables[k as keyof typeof old.tables].name)
      .sort(),
  );
  const s = new StateStore();
  s.restore(23, snap);
  assert.deepEqual(reads(s), expected());
});
