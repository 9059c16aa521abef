import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeConfigEntry, type ServiceIntentionsEntry } from '../config-entry/index.js';
import { authorize, IntentionSet, parseServiceSpiffeId, type ServiceSpiffeId } from './index.js';

const LOCAL = '11111111-2222-3333-4444-555555555555.consul';
const EAST = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.consul';

function set(name: string, sources: Record<string, unknown>[]): IntentionSet {
  const e = decodeConfigEntry({ Kind: 'service-intentions', Name: name, Sources: sources });
  return IntentionSet.build(1, [
    { entry: e as unknown as ServiceIntentionsEntry, CreateIndex: 1, ModifyIndex: 1 },
  ]);
}

function id(uri: string): ServiceSpiffeId {
  const parsed = parseServiceSpiffeId(uri);
  assert.ok(typeof parsed !== 'string', parsed as string);
  return parsed;
}

test('authorize - SPIFFE URIs: service IDs parse, other identities and garbage are refused with Consul texts', () => {
  assert.deepEqual(id(`spiffe://${LOCAL.toUpperCase()}/ns/default/dc/dc1/svc/web`), {
    trustDomain: LOCAL,
    partition: 'default',
    namespace: 'default',
    datacenter: 'dc1',
    service: 'web',
  });
  assert.equal(id(`spiffe://${LOCAL}/ap/p1/ns/default/dc/dc1/svc/w%20b`).service, 'w b');
  const notService = 'ClientCertURI not a valid Service identifier';
  const notConnect = 'ClientCertURI not a valid Connect identifier';
  assert.equal(parseServiceSpiffeId(`spiffe://${LOCAL}/agent/client/dc/dc1/id/n1`), notService);
  assert.equal(parseServiceSpiffeId(`spiffe://${LOCAL}/gateway/mesh/dc/dc1`), notService);
  assert.equal(parseServiceSpiffeId(`spiffe://${LOCAL}`), notService);
  assert.equal(parseServiceSpiffeId(`https://${LOCAL}/ns/default/dc/dc1/svc/web`), notConnect);
  assert.equal(parseServiceSpiffeId(`spiffe://${LOCAL}/ns/default/svc/web`), notConnect);
  assert.equal(parseServiceSpiffeId('not a uri'), notConnect);
});

test('authorize - local and peer identities, decided by the matching intentions, with Consul reasons', () => {
  const s = set('api', [
    { Name: 'web', Peer: 'east', Action: 'allow' },
    { Name: 'web', Action: 'deny' },
    { Name: 'admin', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] },
  ]);
  const base = {
    target: 'api',
    localTrustDomain: LOCAL,
    peerForTrustDomain: (td: string) => (td === EAST ? 'east' : undefined),
    defaultAllow: true,
  };
  const run = (uri: string, target = 'api') => authorize(s, { ...base, target, client: id(uri) });

  assert.deepEqual(run(`spiffe://${EAST}/ns/default/dc/far/svc/web`), {
    Authorized: true,
    Reason: 'Matched L4 intention: peer(east)/default/web => default/api (Precedence: 9, Action: ALLOW)',
  });
  assert.deepEqual(run(`spiffe://${LOCAL}/ns/default/dc/dc1/svc/web`), {
    Authorized: false,
    Reason: 'Matched L4 intention: default/web => default/api (Precedence: 9, Action: DENY)',
  });
  assert.deepEqual(run(`spiffe://${LOCAL}/ns/default/dc/dc1/svc/admin`), {
    Authorized: false,
    Reason: 'Matched L7 intention: default/admin => default/api (Precedence: 9, Permissions: 1)',
  });
  assert.deepEqual(run(`spiffe://${LOCAL}/ns/default/dc/dc1/svc/other`), {
    Authorized: true,
    Reason: 'Default behavior configured by ACLs',
  });
  // The peer's other services have no intention: default. A trust domain nobody vouches for: refused.
  assert.equal(
    run(`spiffe://${EAST}/ns/default/dc/far/svc/other`).Reason,
    'Default behavior configured by ACLs',
  );
  assert.deepEqual(run(`spiffe://evil.consul/ns/default/dc/dc1/svc/web`), {
    Authorized: false,
    Reason: 'Unknown trust domain "evil.consul": neither the local one nor any peer\'s trust bundle',
  });
  assert.deepEqual(run(`spiffe://${LOCAL}/ap/team/ns/default/dc/dc1/svc/web`), {
    Authorized: false,
    Reason: 'Mismatched partitions: "team" != "default"',
  });
});
