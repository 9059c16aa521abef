import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeConfigEntry, type ServiceIntentionsEntry } from '../config-entry/index.js';
import { AppError } from '../errors/index.js';
import {
  AuthorizeCache,
  compareIntentions,
  explainDecision,
  IntentionSet,
  IntentionView,
  intentionString,
  precedenceOf,
  type Intention,
  type IntentionEntryRecord,
} from './index.js';

/** A `service-intentions` entry as the config-entry write path stores it (normalized, validated). */
function entry(name: string, sources: Record<string, unknown>[], index = 10): IntentionEntryRecord {
  const e = decodeConfigEntry({ Kind: 'service-intentions', Name: name, Sources: sources });
  return { entry: e as unknown as ServiceIntentionsEntry, CreateIndex: index, ModifyIndex: index };
}

const local = (name: string) => ({ name, peer: '' });
const fromPeer = (peer: string, name: string) => ({ name, peer });

test('intentions - precedence follows Consul: exact parts of destination first, then of source', () => {
  // Restated from Consul's precedence table (namespace/name pairs; CE only ever has the exact `default` namespace).
  const cases: [dst: [string, string], src: [string, string], want: number][] = [
    [['default', 'api'], ['default', 'web'], 9],
    [['default', 'api'], ['default', '*'], 8],
    [['default', 'api'], ['*', '*'], 7],
    [['default', '*'], ['default', 'web'], 6],
    [['default', '*'], ['default', '*'], 5],
    [['default', '*'], ['*', '*'], 4],
    [['*', '*'], ['default', 'web'], 3],
    [['*', '*'], ['default', '*'], 2],
    [['*', '*'], ['*', '*'], 1],
  ];
  for (const [[dns, dn], [sns, sn], want] of cases) {
    assert.equal(precedenceOf(dn, sn, dns, sns), want, `${sns}/${sn} => ${dns}/${dn}`);
  }
});

test('intentions - the stored Precedence matches, and peers and L7 permissions do not change it', () => {
  const rec = entry('api', [
    { Name: 'web', Action: 'allow' },
    { Name: 'web', Peer: 'east', Action: 'deny' },
    { Name: 'admin', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] },
    { Name: '*', Action: 'deny' },
  ]);
  const set = IntentionSet.build(10, [rec]);
  const got = set.all.map((i) => [i.SourcePeer ?? '', i.SourceName, i.Precedence]);
  assert.deepEqual(got, [
    ['', 'admin', 9],
    ['', 'web', 9],
    ['east', 'web', 9],
    ['', '*', 8],
  ]);
});

test('intentions - evaluation order: precedence, then peer, namespace and names as tie-breaks', () => {
  const set = IntentionSet.build(10, [
    entry('*', [
      { Name: '*', Action: 'allow' },
      { Name: 'web', Action: 'deny' },
    ]),
    entry('db', [
      { Name: '*', Action: 'deny' },
      { Name: 'web', Action: 'allow' },
      { Name: 'api', Peer: 'b', Action: 'allow' },
      { Name: 'api', Action: 'allow' },
    ]),
    entry('api', [{ Name: 'web', Action: 'allow' }]),
  ]);
  assert.deepEqual(
    set.all.map((i) => intentionString(i)),
    [
      'api => db (allow)',
      'web => api (allow)',
      'web => db (allow)',
      'peer(b)/api => db (allow)',
      '* => db (deny)',
      'web => * (deny)',
      '* => * (allow)',
    ],
  );
  // The comparator is a total order consistent with that list.
  const shuffled = [...set.all].reverse().sort(compareIntentions);
  assert.deepEqual(shuffled, set.all);
});

interface DecideCase {
  readonly title: string;
  readonly entries: IntentionEntryRecord[];
  readonly source: { name: string; peer: string };
  readonly destination: string;
  readonly defaultAllow: boolean;
  readonly allowed: boolean;
  /** Precedence of the deciding intention; 0 for the default. */
  readonly by: number;
}

const CASES: DecideCase[] = [
  {
    title: 'no intentions: default allow (ACLs off)',
    entries: [],
    source: local('web'),
    destination: 'api',
    defaultAllow: true,
    allowed: true,
    by: 0,
  },
  {
    title: 'no intentions: default deny (ACL default policy deny)',
    entries: [],
    source: local('web'),
    destination: 'api',
    defaultAllow: false,
    allowed: false,
    by: 0,
  },
  {
    title: 'exact allow beats a wildcard-source deny on the same destination',
    entries: [
      entry('api', [
        { Name: 'web', Action: 'allow' },
        { Name: '*', Action: 'deny' },
      ]),
    ],
    source: local('web'),
    destination: 'api',
    defaultAllow: false,
    allowed: true,
    by: 9,
  },
  {
    title: 'exact deny beats a wildcard-source allow',
    entries: [
      entry('api', [
        { Name: 'web', Action: 'deny' },
        { Name: '*', Action: 'allow' },
      ]),
    ],
    source: local('web'),
    destination: 'api',
    defaultAllow: true,
    allowed: false,
    by: 9,
  },
  {
    title: 'wildcard source on the exact destination beats an exact source on the * destination',
    entries: [entry('api', [{ Name: '*', Action: 'deny' }]), entry('*', [{ Name: 'web', Action: 'allow' }])],
    source: local('web'),
    destination: 'api',
    defaultAllow: true,
    allowed: false,
    by: 8,
  },
  {
    title: '* destination with an exact source applies to any destination',
    entries: [
      entry('*', [
        { Name: 'web', Action: 'deny' },
        { Name: '*', Action: 'allow' },
      ]),
    ],
    source: local('web'),
    destination: 'anything',
    defaultAllow: true,
    allowed: false,
    by: 6,
  },
  {
    title: '*/* is the last intention before the default',
    entries: [entry('*', [{ Name: '*', Action: 'deny' }])],
    source: local('web'),
    destination: 'api',
    defaultAllow: true,
    allowed: false,
    by: 5,
  },
  {
    title: 'an intention for another source does not match',
    entries: [entry('api', [{ Name: 'other', Action: 'deny' }])],
    source: local('web'),
    destination: 'api',
    defaultAllow: true,
    allowed: true,
    by: 0,
  },
  {
    title: 'an L7 intention decides, and check treats it as deny',
    entries: [
      entry('api', [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/v1' } }] }]),
      entry('*', [{ Name: '*', Action: 'allow' }]),
    ],
    source: local('web'),
    destination: 'api',
    defaultAllow: true,
    allowed: false,
    by: 9,
  },
  {
    title: 'a peer intention does not apply to the local service of the same name',
    entries: [entry('api', [{ Name: 'web', Peer: 'east', Action: 'deny' }])],
    source: local('web'),
    destination: 'api',
    defaultAllow: true,
    allowed: true,
    by: 0,
  },
  {
    title: 'a peer intention applies to that peer’s service',
    entries: [entry('api', [{ Name: 'web', Peer: 'east', Action: 'allow' }])],
    source: fromPeer('east', 'web'),
    destination: 'api',
    defaultAllow: false,
    allowed: true,
    by: 9,
  },
  {
    title: 'a local intention does not apply to a peer’s service of the same name',
    entries: [entry('api', [{ Name: 'web', Action: 'allow' }])],
    source: fromPeer('east', 'web'),
    destination: 'api',
    defaultAllow: false,
    allowed: false,
    by: 0,
  },
  {
    title: 'a peer intention for another peer does not apply',
    entries: [entry('api', [{ Name: 'web', Peer: 'west', Action: 'allow' }])],
    source: fromPeer('east', 'web'),
    destination: 'api',
    defaultAllow: false,
    allowed: false,
    by: 0,
  },
  {
    title: 'a wildcard source with a peer covers every service of that peer only',
    entries: [
      entry('api', [
        { Name: '*', Peer: 'east', Action: 'allow' },
        { Name: '*', Action: 'deny' },
      ]),
    ],
    source: fromPeer('east', 'billing'),
    destination: 'api',
    defaultAllow: false,
    allowed: true,
    by: 8,
  },
  {
    title: 'the local wildcard source does not cover peers',
    entries: [entry('api', [{ Name: '*', Action: 'allow' }])],
    source: fromPeer('east', 'billing'),
    destination: 'api',
    defaultAllow: false,
    allowed: false,
    by: 0,
  },
  {
    title: 'an L7 intention on a wildcard source decides (as deny) over an exact source on the * destination',
    entries: [
      entry('api', [{ Name: '*', Permissions: [{ Action: 'allow', HTTP: { PathExact: '/health' } }] }]),
      entry('*', [{ Name: 'web', Action: 'allow' }]),
    ],
    source: local('web'),
    destination: 'api',
    defaultAllow: true,
    allowed: false,
    by: 8,
  },
  {
    title: 'with default deny, an intention for another source leaves the default',
    entries: [entry('api', [{ Name: 'other', Action: 'allow' }])],
    source: local('web'),
    destination: 'api',
    defaultAllow: false,
    allowed: false,
    by: 0,
  },
  {
    title: 'a destination without an entry falls through to the * entry',
    entries: [entry('db', [{ Name: 'web', Action: 'deny' }]), entry('*', [{ Name: '*', Action: 'allow' }])],
    source: local('web'),
    destination: 'api',
    defaultAllow: false,
    allowed: true,
    by: 5,
  },
  {
    title: 'an exact peer source beats the same peer’s wildcard source',
    entries: [
      entry('api', [
        { Name: 'web', Peer: 'east', Action: 'deny' },
        { Name: '*', Peer: 'east', Action: 'allow' },
      ]),
    ],
    source: fromPeer('east', 'web'),
    destination: 'api',
    defaultAllow: true,
    allowed: false,
    by: 9,
  },
  {
    title: 'a peer-sourced */* deny beats the default for that peer',
    entries: [entry('*', [{ Name: '*', Peer: 'east', Action: 'deny' }])],
    source: fromPeer('east', 'web'),
    destination: 'api',
    defaultAllow: true,
    allowed: false,
    by: 5,
  },
];

const LOCAL_TD = '11111111-2222-3333-4444-555555555555.consul';
const PEER_TD: Readonly<Record<string, string>> = {
  east: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee.consul',
  west: 'bbbbbbbb-bbbb-cccc-dddd-eeeeeeeeeeee.consul',
};

/** The same table through the authorize endpoint's path: a SPIFFE URI in the source's trust domain. */
function authorizeCase(c: DecideCase): { Authorized: boolean; Reason: string } {
  const set = IntentionSet.build(10, c.entries);
  const cache = new AuthorizeCache({
    intentions: () => set,
    trustIndex: () => 1,
    peerTrustDomains: () => new Map(Object.entries(PEER_TD).map(([peer, td]) => [td, peer])),
    rootsIndex: () => 1,
    localTrustDomain: () => LOCAL_TD,
    defaultAllow: c.defaultAllow,
  });
  const td = c.source.peer === '' ? LOCAL_TD : (PEER_TD[c.source.peer] ?? '');
  const r = cache.check(`spiffe://${td}/ns/default/dc/dc1/svc/${c.source.name}`, c.destination);
  if (typeof r === 'string') assert.fail(r);
  return r;
}

for (const c of CASES) {
  test(`intentions - authorize: ${c.title}`, () => {
    const r = authorizeCase(c);
    assert.equal(r.Authorized, c.allowed);
    if (c.by === 0) assert.equal(r.Reason, 'Default behavior configured by ACLs');
    else assert.match(r.Reason, new RegExp(`^Matched L[47] intention: .*\\(Precedence: ${c.by}, `));
  });

  test(`intentions - check: ${c.title}`, () => {
    const set = IntentionSet.build(10, c.entries);
    const d = set.decide(c.source, c.destination, c.defaultAllow);
    assert.equal(d.allowed, c.allowed);
    assert.equal(d.intention?.Precedence ?? 0, c.by);
    const ex = explainDecision(set, c.source, c.destination, c.defaultAllow);
    assert.equal(ex.Allowed, c.allowed, 'explain agrees with check');
    assert.equal(ex.DecidedBy, c.by === 0 ? 'default' : 'intention');
    assert.equal(ex.Intention?.Precedence ?? 0, c.by);
  });
}

test('intentions - explain names the deciding intention and why more specific levels did not match', () => {
  const set = IntentionSet.build(10, [
    entry('api', [{ Name: 'web', Peer: 'east', Action: 'allow' }]),
    entry('*', [{ Name: '*', Action: 'deny' }]),
  ]);
  const ex = explainDecision(set, local('web'), 'api', true);
  assert.equal(ex.Allowed, false);
  assert.equal(ex.DecidedBy, 'intention');
  assert.match(ex.Reason, /"\*" => "\*" \(precedence 5\) decides web => api/);
  assert.deepEqual(
    ex.Steps.map((s) => [s.Precedence, s.Outcome]),
    [
      [9, 'no-intention'],
      [8, 'no-intention'],
      [6, 'no-intention'],
      [5, 'matched'],
    ],
  );
  // The near miss: an intention for web exists, but only for the peer's web.
  assert.match(
    ex.Steps[0]!.Detail,
    /"peer\(east\)\/web", which apply only to services imported from that peer/,
  );
  assert.match(ex.Steps[2]!.Detail, /has no source "web"/);

  const def = explainDecision(IntentionSet.build(1, []), local('web'), 'api', true);
  assert.equal(def.DecidedBy, 'default');
  assert.match(
    def.Reason,
    /no intention matches web => api; the default applies \(allow: ACLs are disabled\)/,
  );
  assert.match(def.Steps[0]!.Detail, /no service-intentions entry for destination "api"/);
});

test('intentions - explain marks levels below the decision as not reached and explains L7 as deny', () => {
  const set = IntentionSet.build(10, [
    entry('api', [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { Methods: ['GET'] } }] }]),
  ]);
  const ex = explainDecision(set, local('web'), 'api', true);
  assert.equal(ex.Allowed, false);
  assert.match(ex.Steps[0]!.Detail, /^L7 intention \(1 permission\): check and authorize treat it as deny/);
  assert.deepEqual(
    ex.Steps.slice(1).map((s) => s.Outcome),
    ['not-reached', 'not-reached', 'not-reached'],
  );
});

test('intentions - match by destination lists the own and * entries in evaluation order', () => {
  const set = IntentionSet.build(10, [
    entry('*', [{ Name: '*', Action: 'deny' }]),
    entry('api', [
      { Name: '*', Action: 'allow' },
      { Name: 'web', Action: 'deny' },
    ]),
    entry('db', [{ Name: 'web', Action: 'allow' }]),
  ]);
  const names = (l: Intention[]) => l.map((i) => `${i.SourceName}>${i.DestinationName}`);
  assert.deepEqual(names(set.matchDestination('api')), ['web>api', '*>api', '*>*']);
  assert.deepEqual(names(set.matchDestination('unknown')), ['*>*']);
  assert.deepEqual(names(set.matchSource('web')), ['web>api', 'web>db', '*>api', '*>*']);
});

test('intentions - match by source leaves out peer-sourced intentions', () => {
  const set = IntentionSet.build(10, [
    entry('api', [
      { Name: 'web', Peer: 'east', Action: 'allow' },
      { Name: 'web', Action: 'deny' },
    ]),
  ]);
  assert.deepEqual(
    set.matchSource('web').map((i) => i.SourcePeer ?? ''),
    [''],
  );
});

test('intentions - exact finds one source of one destination, peers kept apart', () => {
  const set = IntentionSet.build(10, [
    entry('api', [
      { Name: 'web', Peer: 'east', Action: 'allow' },
      { Name: 'web', Action: 'deny', Description: 'no' },
    ]),
  ]);
  assert.equal(set.exact(local('web'), 'api')?.Action, 'deny');
  assert.equal(set.exact(fromPeer('east', 'web'), 'api')?.Action, 'allow');
  assert.equal(set.exact(local('web'), 'db'), undefined);
  assert.equal(set.exact(local('*'), 'api'), undefined);
});

test('intentions - the legacy view has Consul’s keys: no ID or times for config-entry intentions', () => {
  const rec = entry('api', [{ Name: 'web', Action: 'allow', Description: 'd' }], 42);
  const [ixn] = IntentionSet.build(42, [rec]).all;
  assert.deepEqual(Object.keys(ixn!), [
    'Description',
    'SourceNS',
    'SourceName',
    'DestinationNS',
    'DestinationName',
    'SourceType',
    'Action',
    'Precedence',
    'CreateIndex',
    'ModifyIndex',
  ]);
  assert.equal(ixn!.SourceNS, 'default');
  assert.equal(ixn!.CreateIndex, 42);
});

test('intentions - the view rebuilds only when the intentions index moves', () => {
  let index = 5;
  let builds = 0;
  let records = [entry('api', [{ Name: 'web', Action: 'deny' }])];
  const view = new IntentionView({
    intentionsIndex: () => index,
    intentionEntries: () => {
      builds++;
      return records;
    },
  });
  assert.equal(view.current().decide(local('web'), 'api', true).allowed, false);
  assert.equal(view.current().decide(local('web'), 'api', true).allowed, false);
  assert.equal(builds, 1);
  records = [entry('api', [{ Name: 'web', Action: 'allow' }])];
  index = 6;
  assert.equal(view.current().decide(local('web'), 'api', true).allowed, true);
  assert.equal(builds, 2);
});

test('intentions - Sources[].Peer is never a wildcard and never combined with Partition or SamenessGroup', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ Name: 'web', Peer: '*', Action: 'allow' }, /^Sources\[0\]\.Peer: cannot use wildcard '\*' in peer$/],
    [{ Name: 'web', Peer: 'ea*', Action: 'allow' }, /^Sources\[0\]\.Peer: cannot use wildcard '\*' in peer$/],
    // CE has no Partition field on sources: the key itself is refused.
    [
      { Name: 'web', Peer: 'east', Partition: 'p', Action: 'allow' },
      /invalid config key "Sources\[0\]\.Partition"/,
    ],
    // Sameness groups are Enterprise-only, so Peer + SamenessGroup is refused before they could combine.
    [
      { Name: 'web', Peer: 'east', SamenessGroup: 'g', Action: 'allow' },
      /^Sources\[0\]\.SamenessGroup: Sameness groups are a Consul Enterprise feature\. $/,
    ],
  ];
  for (const [src, re] of cases) {
    assert.throws(
      () => decodeConfigEntry({ Kind: 'service-intentions', Name: 'api', Sources: [src] }),
      (err: unknown) => err instanceof AppError && re.test(err.message),
      JSON.stringify(src),
    );
  }
});
