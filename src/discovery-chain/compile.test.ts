import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeConfigEntry, type ConfigEntry } from '../config-entry/index.js';
import { AppError } from '../errors/index.js';
import { ChainGraphError, compileDiscoveryChain, type ChainEntries, type CompileRequest } from './index.js';

const TD = '11111111-2222-3333-4444-555555555555.consul';

/** Entries as the config-entry write path stores them (decoded, normalized, validated). */
function entries(...raw: Record<string, unknown>[]): ChainEntries {
  const all = raw.map((r) => decodeConfigEntry(r));
  const find = (kind: string, name: string): any =>
    all.find((e: ConfigEntry) => e.Kind === kind && e.Name === name);
  return {
    serviceDefaults: (n) => find('service-defaults', n),
    proxyDefaults: () => find('proxy-defaults', 'global'),
    router: (n) => find('service-router', n),
    splitter: (n) => find('service-splitter', n),
    resolver: (n) => find('service-resolver', n),
  };
}

function compile(service: string, e: ChainEntries, extra: Partial<CompileRequest> = {}) {
  return compileDiscoveryChain({
    serviceName: service,
    datacenter: 'dc1',
    trustDomain: TD,
    entries: e,
    ...extra,
  });
}

const http = (name: string) => ({ Kind: 'service-defaults', Name: name, Protocol: 'http' });

test('discovery-chain - no entries: the default chain with one default resolver and target', () => {
  const chain = compile('web', entries());
  assert.deepEqual(chain, {
    ServiceName: 'web',
    Namespace: 'default',
    Partition: 'default',
    Datacenter: 'dc1',
    Default: true,
    Protocol: 'tcp',
    StartNode: 'resolver:web.default.default.dc1',
    Nodes: {
      'resolver:web.default.default.dc1': {
        Type: 'resolver',
        Name: 'web.default.default.dc1',
        Resolver: { ConnectTimeout: '5s', Default: true, Target: 'web.default.default.dc1' },
      },
    },
    Targets: {
      'web.default.default.dc1': {
        ConnectTimeout: '5s',
        ID: 'web.default.default.dc1',
        Service: 'web',
        Namespace: 'default',
        Partition: 'default',
        Datacenter: 'dc1',
        MeshGateway: {},
        Subset: {},
        TransparentProxy: {},
        SNI: `web.default.dc1.internal.${TD}`,
        Name: `web.default.dc1.internal.${TD}`,
      },
    },
    AutoVirtualIPs: null,
    ManualVirtualIPs: null,
  });
  // Key order is Consul's field order.
  assert.deepEqual(Object.keys(chain.Targets!['web.default.default.dc1']!).slice(0, 3), [
    'ConnectTimeout',
    'ID',
    'Service',
  ]);
});

test('discovery-chain - DefaultSubset and subsets: the subset target, its filter, its SNI', () => {
  const chain = compile(
    'web',
    entries({
      Kind: 'service-resolver',
      Name: 'web',
      DefaultSubset: 'v1',
      Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } },
      ConnectTimeout: '3s',
    }),
  );
  assert.equal(chain.StartNode, 'resolver:v1.web.default.default.dc1');
  assert.equal(chain.Default, undefined);
  const t = chain.Targets!['v1.web.default.default.dc1']!;
  assert.equal(t.ServiceSubset, 'v1');
  assert.deepEqual(t.Subset, { Filter: 'Service.Meta.version == v1' });
  assert.equal(t.SNI, `v1.web.default.dc1.internal.${TD}`);
  assert.equal(t.ConnectTimeout, '3s');
  assert.deepEqual(Object.keys(chain.Targets!), ['v1.web.default.default.dc1']);
});

test('discovery-chain - Redirect.Peer: a peer target without SNI, Name or datacenter, in the local partition', () => {
  const chain = compile(
    'api-peer',
    entries({ Kind: 'service-resolver', Name: 'api-peer', Redirect: { Service: 'api', Peer: 'east' } }),
  );
  const id = 'api.default.default.external.east';
  assert.equal(chain.StartNode, `resolver:${id}`);
  assert.equal(chain.Default, undefined, 'a redirect is not the default chain');
  assert.deepEqual(chain.Targets, {
    [id]: {
      ConnectTimeout: '5s',
      ID: id,
      Service: 'api',
      Namespace: 'default',
      Partition: 'default',
      Peer: 'east',
      MeshGateway: {},
      Subset: {},
      TransparentProxy: {},
    },
  });
  // Peer targets skip protocol validation: the local chain's protocol stays that of the redirecting service.
  assert.equal(chain.Protocol, 'tcp');
});

test('discovery-chain - Failover Targets with Peer, and Datacenters, become failover targets in order', () => {
  const peers = compile(
    'web',
    entries({
      Kind: 'service-resolver',
      Name: 'web',
      Failover: {
        '*': { Targets: [{ Peer: 'east' }, { Peer: 'west', Service: 'web-b' }, { Service: 'web' }] },
      },
    }),
  );
  const node = peers.Nodes!['resolver:web.default.default.dc1']!;
  assert.deepEqual(node.Resolver?.Failover, {
    Targets: ['web.default.default.external.east', 'web-b.default.default.external.west'],
  });
  assert.deepEqual(Object.keys(peers.Targets!), [
    'web-b.default.default.external.west',
    'web.default.default.dc1',
    'web.default.default.external.east',
  ]);

  const dcs = compile(
    'web',
    entries({
      Kind: 'service-resolver',
      Name: 'web',
      Failover: { '*': { Datacenters: ['dc2', 'dc1', 'dc3'] } },
    }),
  );
  assert.deepEqual(dcs.Nodes!['resolver:web.default.default.dc1']!.Resolver?.Failover?.Targets, [
    'web.default.default.dc2',
    'web.default.default.dc3',
  ]);
  assert.equal(dcs.Targets!['web.default.default.dc2']!.SNI, `web.default.dc2.internal.${TD}`);
});

test('discovery-chain - an HTTP splitter splits to subset resolvers; nested splitters flatten', () => {
  const chain = compile(
    'web',
    entries(
      http('web'),
      http('web-next'),
      { Kind: 'service-resolver', Name: 'web', Subsets: { v1: {}, v2: {} } },
      {
        Kind: 'service-splitter',
        Name: 'web',
        Splits: [
          { Weight: 50, ServiceSubset: 'v1' },
          { Weight: 50, Service: 'web-next' },
        ],
      },
      {
        Kind: 'service-splitter',
        Name: 'web-next',
        Splits: [
          { Weight: 50, Service: 'web', ServiceSubset: 'v2' },
          { Weight: 50, Service: 'web-next' },
        ],
      },
    ),
  );
  assert.equal(chain.Protocol, 'http');
  assert.equal(chain.StartNode, 'splitter:web.default.default');
  const splits = chain.Nodes!['splitter:web.default.default']!.Splits!;
  assert.deepEqual(
    splits.map((s) => [s.Weight, s.NextNode]),
    [
      [50, 'resolver:v1.web.default.default.dc1'],
      [25, 'resolver:v2.web.default.default.dc1'],
      [25, 'resolver:web-next.default.default.dc1'],
    ],
  );
  assert.equal(chain.Nodes!['splitter:web-next.default.default'], undefined, 'flattened away');
});

test('discovery-chain - a router adds the catch-all route to the service itself', () => {
  const chain = compile(
    'web',
    entries(http('web'), http('admin'), {
      Kind: 'service-router',
      Name: 'web',
      Routes: [{ Match: { HTTP: { PathPrefix: '/admin' } }, Destination: { Service: 'admin' } }],
    }),
  );
  assert.equal(chain.StartNode, 'router:web.default.default');
  const routes = chain.Nodes!['router:web.default.default']!.Routes!;
  assert.deepEqual(
    routes.map((r) => r.NextNode),
    ['resolver:admin.default.default.dc1', 'resolver:web.default.default.dc1'],
  );
  assert.deepEqual(routes[1]!.Definition, {
    Match: { HTTP: { PathPrefix: '/' } },
    Destination: { Service: 'web', Namespace: 'default', Partition: 'default' },
  });
});

test('discovery-chain - routers and splitters of a TCP service are refused; an override protocol tcp drops them', () => {
  assert.throws(
    () => compile('web', entries({ Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100 }] })),
    (err: unknown) =>
      err instanceof ChainGraphError &&
      err.message ===
        'discovery chain "web" uses a protocol "tcp" that does not permit advanced routing or splitting behavior',
  );
  const e = entries(http('web'), { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100 }] });
  assert.equal(compile('web', e).StartNode, 'splitter:web.default.default');
  const overridden = compile('web', e, { overrideProtocol: 'tcp' });
  assert.equal(overridden.StartNode, 'resolver:web.default.default.dc1');
  assert.equal(overridden.Protocol, 'tcp');
  assert.match(overridden.CustomizationHash ?? '', /^[0-9a-f]{8}$/);
});

test('discovery-chain - mesh gateway mode: service-defaults, then proxy-defaults, then the override', () => {
  const e = entries(
    { Kind: 'proxy-defaults', Name: 'global', MeshGateway: { Mode: 'local' } },
    { Kind: 'service-defaults', Name: 'db', MeshGateway: { Mode: 'remote' } },
  );
  assert.deepEqual(compile('web', e).Targets!['web.default.default.dc1']!.MeshGateway, { Mode: 'local' });
  assert.deepEqual(compile('db', e).Targets!['db.default.default.dc1']!.MeshGateway, { Mode: 'remote' });
  const o = compile('db', e, { overrideMeshGatewayMode: 'none', overrideConnectTimeoutNs: 2e9 });
  assert.deepEqual(o.Targets!['db.default.default.dc1']!.MeshGateway, { Mode: 'none' });
  assert.equal(o.Targets!['db.default.default.dc1']!.ConnectTimeout, '2s');
});

test('discovery-chain - graph errors carry Consul’s texts', () => {
  const cases: [string, ChainEntries, string][] = [
    [
      'web',
      entries(
        { Kind: 'service-resolver', Name: 'web', Redirect: { Service: 'b' } },
        { Kind: 'service-resolver', Name: 'b', Redirect: { Service: 'web' } },
      ),
      'detected circular resolver redirect: [web.default.default.dc1 -> b.default.default.dc1 -> web.default.default.dc1]',
    ],
    [
      'web',
      entries(http('web'), {
        Kind: 'service-router',
        Name: 'web',
        Routes: [{ Destination: { Service: 'web', ServiceSubset: 'v9' } }],
      }),
      'service "web" does not have a subset named "v9"',
    ],
    [
      'web',
      entries(http('web'), {
        Kind: 'service-router',
        Name: 'web',
        Routes: [{ Destination: { Service: 'db' } }],
      }),
      'discovery chain "web" uses inconsistent protocols; service "db.default.default" has "tcp" which is not "http"',
    ],
    [
      'web',
      entries(
        { Kind: 'service-defaults', Name: 'web', ExternalSNI: 'web.example.com' },
        { Kind: 'service-resolver', Name: 'web', Subsets: { v1: {} } },
      ),
      'service "web" has an external SNI set; cannot define subsets for external services',
    ],
  ];
  for (const [svc, e, message] of cases) {
    assert.throws(
      () => compile(svc, e),
      (err: unknown) => err instanceof ChainGraphError && err.message === message,
      message,
    );
  }
});

test('discovery-chain - splitter and router entries cannot target a peer: refused when written', () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100, Service: 'api', Peer: 'east' }] },
      'Request decoding failed: 1 error occurred:\n\t* invalid config key "Splits[0].Peer"\n\n',
    ],
    [
      { Kind: 'service-router', Name: 'web', Routes: [{ Destination: { Service: 'api', Peer: 'east' } }] },
      'Request decoding failed: 1 error occurred:\n\t* invalid config key "Routes[0].Destination.Peer"\n\n',
    ],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => decodeConfigEntry(raw),
      (err: unknown) => err instanceof AppError && err.httpStatus === 400 && err.message === message,
    );
  }
});

test('discovery-chain - CustomizationHash is Consul’s (hashstructure v1, FNV-1): its own test vector', () => {
  // Consul's agent/discovery_chain_endpoint_test.go expects "98809527" for these three overrides.
  const chain = compile('web', entries(), {
    overrideProtocol: 'grpc',
    overrideConnectTimeoutNs: 22_000_000_000,
    overrideMeshGatewayMode: 'local',
  });
  assert.equal(chain.CustomizationHash, '98809527');
  // Only overrides that changed the result count: the same protocol as the chain's changes nothing.
  assert.equal(compile('web', entries(), { overrideProtocol: 'tcp' }).CustomizationHash, undefined);
  const one = compile('web', entries(), { overrideProtocol: 'http' }).CustomizationHash;
  assert.match(one ?? '', /^[0-9a-f]{8}$/);
  assert.notEqual(one, chain.CustomizationHash);
});
