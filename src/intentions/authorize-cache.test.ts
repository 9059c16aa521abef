import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeConfigEntry, type ServiceIntentionsEntry } from '../config-entry/index.js';
import {
  AuthorizeCache,
  IntentionView,
  MAX_CACHED_DECISIONS,
  MAX_CACHED_KEY_CHARS,
  type IntentionEntryRecord,
} from './index.js';

const LOCAL = '11111111-2222-3333-4444-555555555555.consul';
const ROTATED = '99999999-2222-3333-4444-555555555555.consul';
const EAST = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.consul';
const uri = (td: string, svc: string) => `spiffe://${td}/ns/default/dc/dc1/svc/${svc}`;

function record(name: string, sources: Record<string, unknown>[], index: number): IntentionEntryRecord {
  const e = decodeConfigEntry({ Kind: 'service-intentions', Name: name, Sources: sources });
  return { entry: e as unknown as ServiceIntentionsEntry, CreateIndex: index, ModifyIndex: index };
}

/** A store whose three inputs the test moves by hand, counting how often each rebuild input is read. */
function fixture() {
  const state = {
    intentionsIndex: 1,
    records: [record('api', [{ Name: 'web', Action: 'deny' }], 1)],
    trustIndex: 1,
    peers: new Map<string, string>(),
    rootsIndex: 1,
    localTd: LOCAL,
    reads: { entries: 0, peers: 0, roots: 0 },
  };
  const view = new IntentionView({
    intentionsIndex: () => state.intentionsIndex,
    intentionEntries: () => {
      state.reads.entries++;
      return state.records;
    },
  });
  const cache = new AuthorizeCache({
    intentions: () => view.current(),
    trustIndex: () => state.trustIndex,
    peerTrustDomains: () => {
      state.reads.peers++;
      return state.peers;
    },
    rootsIndex: () => state.rootsIndex,
    localTrustDomain: () => {
      state.reads.roots++;
      return state.localTd;
    },
    defaultAllow: true,
  });
  return { state, cache };
}

test('authorize cache - decisions are cached while nothing moves', () => {
  const { state, cache } = fixture();
  const first = cache.check(uri(LOCAL, 'web'), 'api');
  assert.deepEqual(first, {
    Authorized: false,
    Reason: 'Matched L4 intention: default/web => default/api (Precedence: 9, Action: DENY)',
  });
  for (let i = 0; i < 5; i++)
    assert.equal(cache.check(uri(LOCAL, 'web'), 'api'), first, 'the same cached object');
  assert.equal(cache.rebuilds, 1);
  assert.deepEqual(state.reads, { entries: 1, peers: 1, roots: 1 });
  assert.equal(cache.check('not a uri', 'api'), 'ClientCertURI not a valid Connect identifier');
  assert.equal(cache.size, 1, 'parse failures are not cached');
});

test('authorize cache - an intention change recompiles and changes the decision', () => {
  const { state, cache } = fixture();
  assert.equal((cache.check(uri(LOCAL, 'web'), 'api') as { Authorized: boolean }).Authorized, false);
  state.records = [record('api', [{ Name: 'web', Action: 'allow' }], 2)];
  state.intentionsIndex = 2;
  const after = cache.check(uri(LOCAL, 'web'), 'api');
  assert.deepEqual(after, {
    Authorized: true,
    Reason: 'Matched L4 intention: default/web => default/api (Precedence: 9, Action: ALLOW)',
  });
  assert.equal(cache.rebuilds, 2);
  assert.deepEqual(state.reads, { entries: 2, peers: 1, roots: 1 }, 'only the moved input is read again');
});

test('authorize cache - a trust bundle change recompiles the peer trust domains', () => {
  const { state, cache } = fixture();
  state.records = [record('api', [{ Name: 'web', Action: 'allow', Peer: 'east' }], 1)];
  const before = cache.check(uri(EAST, 'web'), 'api');
  assert.equal((before as { Authorized: boolean }).Authorized, false);
  assert.match((before as { Reason: string }).Reason, /^Unknown trust domain "aaaaaaaa/);
  // meshexport stores east's bundle: the peering/bundle index moves.
  state.peers = new Map([[EAST, 'east']]);
  state.trustIndex = 2;
  assert.deepEqual(cache.check(uri(EAST, 'web'), 'api'), {
    Authorized: true,
    Reason: 'Matched L4 intention: peer(east)/default/web => default/api (Precedence: 9, Action: ALLOW)',
  });
  assert.deepEqual(state.reads, { entries: 1, peers: 2, roots: 1 });
  // The bundle goes away again (peering deleted).
  state.peers = new Map();
  state.trustIndex = 3;
  assert.equal((cache.check(uri(EAST, 'web'), 'api') as { Authorized: boolean }).Authorized, false);
});

test('authorize cache - a roots change reads the local trust domain again', () => {
  const { state, cache } = fixture();
  state.records = [record('api', [{ Name: 'web', Action: 'allow' }], 1)];
  assert.equal((cache.check(uri(ROTATED, 'web'), 'api') as { Authorized: boolean }).Authorized, false);
  state.localTd = ROTATED;
  state.rootsIndex = 2;
  assert.equal((cache.check(uri(ROTATED, 'web'), 'api') as { Authorized: boolean }).Authorized, true);
  assert.equal((cache.check(uri(LOCAL, 'web'), 'api') as { Authorized: boolean }).Authorized, false);
  assert.deepEqual(state.reads, { entries: 1, peers: 1, roots: 2 });
});

test('authorize cache - invalidate() and the bound drop every cached decision', () => {
  const { state, cache } = fixture();
  cache.check(uri(LOCAL, 'web'), 'api');
  cache.invalidate();
  assert.equal(cache.size, 0);
  cache.check(uri(LOCAL, 'web'), 'api');
  assert.equal(cache.rebuilds, 2);
  assert.equal(state.reads.entries, 1, 'the intentions view itself had not moved');
  for (let i = 0; i < MAX_CACHED_DECISIONS + 10; i++) cache.check(uri(LOCAL, `svc-${i}`), 'api');
  assert.ok(cache.size <= MAX_CACHED_DECISIONS, `size ${cache.size}`);
  // 1 + MAX + 10 results were asked for: the map was dropped when full and holds the 11 since.
  assert.equal(cache.size, 11, 'dropped at the bound, refilled after');
});

test('authorize cache - a pair longer than the key limit is decided every time but never cached', () => {
  const { cache } = fixture();
  const long = 'w'.repeat(MAX_CACHED_KEY_CHARS);
  const r = cache.check(uri(LOCAL, long), 'api');
  assert.deepEqual(r, { Authorized: true, Reason: 'Default behavior configured by ACLs' });
  assert.equal(cache.size, 0, 'not kept');
  assert.notEqual(cache.check(uri(LOCAL, long), 'api'), r, 'decided again: a new object');
  assert.deepEqual(cache.check(uri(LOCAL, 'api'), 'x'.repeat(MAX_CACHED_KEY_CHARS)), r);
  assert.equal(cache.size, 0, 'a long target is not kept either');
  const short = uri(LOCAL, 'w');
  const fits = 'a'.repeat(MAX_CACHED_KEY_CHARS - short.length);
  cache.check(short, fits);
  assert.equal(cache.size, 1, 'exactly at the limit is cached');
});
