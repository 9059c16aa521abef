import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { StateStore } from './store.js';
import { WatchSet } from './watch.js';
import type { Command } from './commands.js';

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
    const r = s.apply(i + 1, JSON.parse(line) as Command);
    assert.equal(r.ok, true, `entry ${String(i + 1)}`);
  });
  assert.deepEqual(reads(s), expected());
});
