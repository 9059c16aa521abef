import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeConfigEntry, type ConfigEntry } from '../config-entry/index.js';
import { validateProposedConfigEntry, type GraphStore } from './index.js';

/** A store of entries as the write path keeps them (decoded, normalized, validated). */
function store(...raw: Record<string, unknown>[]): GraphStore {
  const all = raw.map((r) => decodeConfigEntry(r));
  return {
    entry: (kind, name) => all.find((e: ConfigEntry) => e.Kind === kind && e.Name === name),
    entries: (kind) => all.filter((e) => e.Kind === kind),
  };
}

function write(s: GraphStore, raw: Record<string, unknown>): string | undefined {
  const entry = decodeConfigEntry(raw);
  return validateProposedConfigEntry(s, { kind: entry.Kind, name: entry.Name, entry });
}

function remove(s: GraphStore, kind: string, name: string): string | undefined {
  return validateProposedConfigEntry(s, { kind, name, entry: null });
}

const l7 = (dest: string) => ({
  Kind: 'service-intentions',
  Name: dest,
  Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
});
const defaults = (name: string, protocol: string) => ({
  Kind: 'service-defaults',
  Name: name,
  Protocol: protocol,
});
const incompatible = (name: string, protocol: string) =>
  `service "${name}" has protocol "${protocol}", which is incompatible with L7 intentions permissions`;

test('graph validation - L7 permissions need an HTTP-like destination (service-defaults, proxy-defaults or tcp)', () => {
  assert.equal(write(store(), l7('api')), incompatible('api', 'tcp'));
  assert.equal(write(store(defaults('api', 'redis')), l7('api')), incompatible('api', 'redis'));
  for (const p of ['http', 'http2', 'grpc'])
    assert.equal(write(store(defaults('api', p)), l7('api')), undefined);
  const viaProxy = store({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } });
  assert.equal(write(viaProxy, l7('api')), undefined);
  // L4 intentions never care about the protocol.
  assert.equal(
    write(store(), { Kind: 'service-intentions', Name: 'api', Sources: [{ Name: 'web', Action: 'allow' }] }),
    undefined,
  );
});

test('graph validation - a protocol change under existing L7 intentions is refused', () => {
  const s = store(defaults('api', 'http'), l7('api'));
  assert.equal(write(s, defaults('api', 'tcp')), incompatible('api', 'tcp'));
  assert.equal(remove(s, 'service-defaults', 'api'), incompatible('api', 'tcp'));
  assert.equal(write(s, defaults('api', 'http2')), undefined);
  const viaProxy = store({ Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } }, l7('api'));
  assert.equal(
    write(viaProxy, { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'tcp' } }),
    incompatible('api', 'tcp'),
  );
  // Deleting the intentions is always fine.
  assert.equal(remove(s, 'service-intentions', 'api'), undefined);
});

test('graph validation - chains must still compile: routers on TCP, missing subsets, linked chains', () => {
  const router = {
    Kind: 'service-router',
    Name: 'web',
    Routes: [
      { Match: { HTTP: { PathPrefix: '/v2' } }, Destination: { Service: 'api', ServiceSubset: 'v2' } },
    ],
  };
  assert.equal(
    write(store(), {
      ...router,
      Routes: [{ Match: { HTTP: { PathPrefix: '/v2' } }, Destination: { Service: 'api' } }],
    }),
    'discovery chain "web" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
  );
  const httpBoth = [defaults('web', 'http'), defaults('api', 'http')];
  assert.equal(write(store(...httpBoth), router), 'service "api" does not have a subset named "v2"');
  const resolver = {
    Kind: 'service-resolver',
    Name: 'api',
    Subsets: { v2: { Filter: 'Service.Meta.version == 2' } },
  };
  const s = store(...httpBoth, resolver, router);
  assert.equal(write(store(...httpBoth, resolver), router), undefined);
  // Deleting api's resolver breaks web's chain, which routes to its subset.
  assert.equal(remove(s, 'service-resolver', 'api'), 'service "api" does not have a subset named "v2"');
  // Switching api to tcp breaks web's chain through the mixed protocols.
  assert.equal(
    write(s, defaults('api', 'tcp')),
    'discovery chain "web" uses inconsistent protocols; service "api.default.default" has "tcp" which is not "http"',
  );
});

test('graph validation - peer-exported chains may not reach other datacenters or peers', () => {
  const exported = {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'api', Consumers: [{ Peer: 'east' }] }],
  };
  const s = store(exported);
  assert.equal(
    write(s, { Kind: 'service-resolver', Name: 'api', Redirect: { Service: 'api', Datacenter: 'dc2' } }),
    'peer exported service "api" contains cross-datacenter resolver redirect',
  );
  assert.equal(
    write(s, { Kind: 'service-resolver', Name: 'api', Redirect: { Service: 'api2', Peer: 'west' } }),
    'peer exported service "api" contains cross-peer resolver redirect',
  );
  assert.equal(
    write(s, { Kind: 'service-resolver', Name: 'api', Failover: { '*': { Datacenters: ['dc2'] } } }),
    'peer exported service "api" contains cross-datacenter failover',
  );
  // Not exported: the same resolver is fine.
  assert.equal(
    write(store(), {
      Kind: 'service-resolver',
      Name: 'api',
      Redirect: { Service: 'api', Datacenter: 'dc2' },
    }),
    undefined,
  );
});

test('graph validation - an exported-services write checks the chains it exports to peers', () => {
  const crossDc = { Kind: 'service-resolver', Name: 'api', Redirect: { Service: 'api', Datacenter: 'dc2' } };
  const exportTo = (name: string, consumer: Record<string, string>) => ({
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: name, Consumers: [consumer] }],
  });
  const s = store(crossDc);
  const refused = 'peer exported service "api" contains cross-datacenter resolver redirect';
  assert.equal(write(s, exportTo('api', { Peer: 'east' })), refused);
  // A wildcard export covers every service with a resolver.
  assert.equal(write(s, exportTo('*', { Peer: 'east' })), refused);
  assert.equal(write(s, exportTo('web', { Peer: 'east' })), undefined);
  assert.equal(write(store(), exportTo('api', { Peer: 'east' })), undefined);
  // Deleting the exports checks nothing.
  assert.equal(
    remove(store(crossDc, exportTo('api', { Peer: 'east' })), 'exported-services', 'default'),
    undefined,
  );
});

test('graph validation - with several incompatible intentions, the one named does not depend on store order', () => {
  const a = { ...l7('alpha') };
  const b = { ...l7('beta') };
  const change = { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'tcp' } };
  const http = { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } };
  assert.equal(write(store(http, a, b), change), incompatible('alpha', 'tcp'));
  assert.equal(write(store(http, b, a), change), incompatible('alpha', 'tcp'));
});

test('graph validation - a peer-exported TCP chain may not gain targets; HTTP chains, subsets and failover may', () => {
  const exported = {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'api', Consumers: [{ Peer: 'east' }] }],
  };
  const redirect = { Kind: 'service-resolver', Name: 'api', Redirect: { Service: 'api2' } };
  assert.equal(
    write(store(exported), redirect),
    'peer exported service "api" uses protocol="tcp" and cannot introduce new discovery chain targets like "api2.default.default.dc1"',
  );
  // Not exported, or HTTP-like: allowed.
  assert.equal(write(store(), redirect), undefined);
  const http = [defaults('api', 'http'), defaults('api2', 'http')];
  assert.equal(write(store(exported, ...http), redirect), undefined);
  // A subset of the same service is the same identity; failover targets do not count.
  assert.equal(
    write(store(exported), {
      Kind: 'service-resolver',
      Name: 'api',
      DefaultSubset: 'v1',
      Subsets: { v1: { Filter: 'Service.Meta.version == 1' } },
      Failover: { '*': { Service: 'api-backup' } },
    }),
    undefined,
  );
});

test('graph validation - only L7 intentions bring their destination chains into the check', () => {
  // db's chain is already broken (a router on a TCP service, stored before any check): an L4 intention on db
  // does not make every unrelated service-defaults write compile it (and fail), an L7 one does.
  const broken = store(
    { Kind: 'service-defaults', Name: 'db', Protocol: 'http' },
    {
      Kind: 'service-router',
      Name: 'db',
      Routes: [{ Match: { HTTP: { PathPrefix: '/' } }, Destination: { Service: 'db' } }],
    },
  );
  const raw = broken.entries('service-defaults')[0]!;
  const tcpDb = { ...raw, Protocol: 'tcp' };
  const s: GraphStore = {
    entry: (kind, name) => (kind === 'service-defaults' && name === 'db' ? tcpDb : broken.entry(kind, name)),
    entries: (kind) => (kind === 'service-defaults' ? [tcpDb] : broken.entries(kind)),
  };
  const l4 = decodeConfigEntry({
    Kind: 'service-intentions',
    Name: 'db',
    Sources: [{ Name: 'web', Action: 'allow' }],
  });
  const withL4: GraphStore = {
    entry: (kind, name) => (kind === 'service-intentions' && name === 'db' ? l4 : s.entry(kind, name)),
    entries: (kind) => (kind === 'service-intentions' ? [l4] : s.entries(kind)),
  };
  assert.equal(write(withL4, defaults('api', 'http')), undefined);
  assert.equal(
    write(s, l7('db')),
    'discovery chain "db" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
  );
});

test('graph validation - MutualTLSMode permissive needs the mesh entry to allow it, unless already permissive', () => {
  const refused =
    'cannot set MutualTLSMode=permissive because AllowEnablingPermissiveMutualTLS=false in the mesh config entry';
  const permissive = { Kind: 'service-defaults', Name: 'api', MutualTLSMode: 'permissive' };
  const proxyPermissive = { Kind: 'proxy-defaults', Name: 'global', MutualTLSMode: 'permissive' };
  assert.equal(write(store(), permissive), refused);
  assert.equal(write(store(), proxyPermissive), refused);
  assert.equal(write(store(), { ...permissive, MutualTLSMode: 'strict' }), undefined);
  const allowed = { Kind: 'mesh', AllowEnablingPermissiveMutualTLS: true };
  assert.equal(write(store(allowed), permissive), undefined);
  // Already permissive (the mesh setting turned off later): the entry may be rewritten as it is.
  assert.equal(write(store(permissive), { ...permissive, Protocol: 'http' }), undefined);
});
