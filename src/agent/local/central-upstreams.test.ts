import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { ServiceInput } from '../../state/index.js';
import type { ConnectProxyConfig, Upstream } from '../../types/index.js';
import { mergeServiceConfig, resolveServiceConfig } from './central-config.js';
import type { CentralEntry } from './central-upstreams.js';

function sidecar(p: ConnectProxyConfig): ServiceInput {
  return {
    Kind: 'connect-proxy',
    ID: 'web1-sidecar-proxy',
    Service: 'web-sidecar-proxy',
    Tags: [],
    Address: '',
    Meta: {},
    Port: 21000,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Proxy: { DestinationServiceName: 'web', ...p },
  };
}

function upstreams(
  pd: CentralEntry | undefined,
  sd: CentralEntry | undefined,
  p: ConnectProxyConfig,
  others: Record<string, CentralEntry> = {},
): Upstream[] | undefined {
  const svc = sidecar(p);
  const resolved = resolveServiceConfig(pd, sd, { service: svc, serviceDefaultsOf: (n) => others[n] });
  return mergeServiceConfig(resolved, svc).Proxy?.Upstreams;
}

const PD: CentralEntry = {
  Kind: 'proxy-defaults',
  Name: 'global',
  Config: { protocol: 'http' },
  MeshGateway: { Mode: 'local' },
};
const US = (extra: Partial<Upstream> = {}): Upstream => ({
  DestinationName: 'db',
  LocalBindPort: 9191,
  ...extra,
});

test('central-upstreams - proxy-defaults give an upstream its protocol and mesh gateway mode (not kept in Config)', () => {
  assert.deepEqual(upstreams(PD, undefined, { Upstreams: [US()] }), [
    US({ Config: { protocol: 'http' }, MeshGateway: { Mode: 'local' } }),
  ]);
});

test("central-upstreams - the upstream's own service-defaults Protocol beats proxy-defaults", () => {
  const db = { Kind: 'service-defaults', Name: 'db', Protocol: 'grpc' };
  assert.deepEqual(upstreams(PD, undefined, { Upstreams: [US()] }, { db })?.[0]?.Config, {
    protocol: 'grpc',
  });
});

test('central-upstreams - UpstreamConfig.Defaults, then the registration mesh gateway, then Overrides', () => {
  const sd: CentralEntry = {
    Kind: 'service-defaults',
    Name: 'web',
    UpstreamConfig: {
      Defaults: { Protocol: 'http2', ConnectTimeoutMs: 3000, MeshGateway: { Mode: 'remote' } },
      Overrides: [{ Name: 'db', Protocol: 'tcp', MeshGateway: { Mode: 'none' } }],
    },
  };
  const db = { Kind: 'service-defaults', Name: 'db', Protocol: 'grpc' };
  // Defaults beat the upstream's own service-defaults; the override beats the defaults.
  assert.deepEqual(upstreams(PD, sd, { Upstreams: [US(), US({ DestinationName: 'cache' })] }, { db }), [
    US({ Config: { protocol: 'tcp', connect_timeout_ms: 3000 }, MeshGateway: { Mode: 'none' } }),
    US({
      DestinationName: 'cache',
      Config: { protocol: 'http2', connect_timeout_ms: 3000 },
      MeshGateway: { Mode: 'remote' },
    }),
  ]);
  // The registration's proxy-level mesh gateway beats Defaults, not Overrides.
  const got = upstreams(PD, sd, {
    MeshGateway: { Mode: 'local' },
    Upstreams: [US(), US({ DestinationName: 'cache' })],
  });
  assert.equal(got?.[0]?.MeshGateway?.Mode, 'none');
  assert.equal(got?.[1]?.MeshGateway?.Mode, 'local');
});

test("central-upstreams - the upstream's own values win; prepared-query upstreams are left alone", () => {
  const own = US({ Config: { protocol: 'tcp' }, MeshGateway: { Mode: 'remote' } });
  const query = US({ DestinationName: 'q', DestinationType: 'prepared_query' });
  assert.deepEqual(upstreams(PD, undefined, { Upstreams: [own, query] }), [own, query]);
});

test("central-upstreams - a peer's upstream takes mesh gateway mode and config but never a central protocol", () => {
  const peer = US({ DestinationPeer: 'other' });
  assert.deepEqual(upstreams(PD, undefined, { Upstreams: [peer] }), [
    US({ DestinationPeer: 'other', MeshGateway: { Mode: 'local' } }),
  ]);
  const sd: CentralEntry = {
    Kind: 'service-defaults',
    Name: 'web',
    UpstreamConfig: { Overrides: [{ Name: 'db', Peer: 'other', Protocol: 'http', ConnectTimeoutMs: 10 }] },
  };
  const own = US({ DestinationPeer: 'other', Config: { protocol: 'tcp' } });
  assert.deepEqual(upstreams(undefined, sd, { Upstreams: [own] }), [
    US({ DestinationPeer: 'other', Config: { protocol: 'tcp', connect_timeout_ms: 10 } }),
  ]);
});

test('central-upstreams - overrides naming a peer apply to that peer only; without any, by name to peers too', () => {
  const local = US();
  const peer = US({ DestinationPeer: 'other' });
  const both: CentralEntry = {
    Kind: 'service-defaults',
    Name: 'web',
    UpstreamConfig: {
      Overrides: [
        { Name: 'db', ConnectTimeoutMs: 2222 },
        { Name: 'db', Peer: 'other', ConnectTimeoutMs: 3333 },
      ],
    },
  };
  assert.deepEqual(upstreams(undefined, both, { Upstreams: [local, peer] }), [
    US({ Config: { connect_timeout_ms: 2222 } }),
    US({ DestinationPeer: 'other', Config: { connect_timeout_ms: 3333 } }),
  ]);
  const byName: CentralEntry = {
    Kind: 'service-defaults',
    Name: 'web',
    UpstreamConfig: { Overrides: [{ Name: 'db', ConnectTimeoutMs: 2222 }] },
  };
  assert.deepEqual(upstreams(undefined, byName, { Upstreams: [peer] }), [
    US({ DestinationPeer: 'other', Config: { connect_timeout_ms: 2222 } }),
  ]);
});

const central = (name: string, extra: Partial<Upstream> = {}): Upstream => ({
  DestinationNamespace: 'default',
  DestinationPartition: 'default',
  DestinationName: name,
  CentrallyConfigured: true,
  ...extra,
});
const ZAP_OVERRIDE = (extra: Record<string, unknown> = {}): CentralEntry => ({
  Kind: 'service-defaults',
  Name: 'web',
  UpstreamConfig: { Overrides: [{ Name: 'zap', Protocol: 'grpc', ...extra }] },
});
const ZIP = US({ DestinationName: 'zip', LocalBindPort: 8080 });

// Consul's MergeServiceConfig, transparent mode: each row gives proxy-defaults, service-defaults, the
// registration, the service-defaults of other services, and the upstreams stored.
const IMPLICIT: {
  name: string;
  pd?: CentralEntry;
  sd?: CentralEntry;
  reg: ConnectProxyConfig;
  others?: Record<string, CentralEntry>;
  want: Upstream[] | undefined;
}[] = [
  {
    name: 'an override of an unlisted upstream is added in transparent mode',
    sd: ZAP_OVERRIDE(),
    reg: { Mode: 'transparent', Upstreams: [ZIP] },
    want: [ZIP, central('zap', { Config: { protocol: 'grpc' } })],
  },
  {
    name: 'not outside transparent mode',
    sd: ZAP_OVERRIDE(),
    reg: { Mode: 'direct', Upstreams: [ZIP] },
    want: [ZIP],
  },
  {
    name: 'transparent from service-defaults counts; a registration with no upstreams gets them',
    sd: { ...ZAP_OVERRIDE(), Mode: 'transparent' },
    reg: {},
    want: [central('zap', { Config: { protocol: 'grpc' } })],
  },
  {
    name: "the registration's own mode wins over central transparent: none added",
    sd: { ...ZAP_OVERRIDE(), Mode: 'transparent' },
    reg: { Mode: 'direct' },
    want: undefined,
  },
  {
    name: 'a listed upstream is not added twice; it takes the override instead',
    sd: ZAP_OVERRIDE(),
    reg: { Mode: 'transparent', Upstreams: [US({ DestinationName: 'zap' })] },
    want: [US({ DestinationName: 'zap', Config: { protocol: 'grpc' } })],
  },
  {
    name: "an unlisted upstream's own service-defaults Protocol applies; proxy-defaults' protocol underneath",
    pd: { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } },
    sd: {
      Kind: 'service-defaults',
      Name: 'web',
      UpstreamConfig: { Overrides: [{ Name: 'zap', ConnectTimeoutMs: 100 }, { Name: 'zop' }] },
    },
    reg: { Mode: 'transparent' },
    others: { zap: { Kind: 'service-defaults', Name: 'zap', Protocol: 'tcp' } },
    want: [
      central('zap', { Config: { protocol: 'tcp', connect_timeout_ms: 100 } }),
      central('zop', { Config: { protocol: 'http' } }),
    ],
  },
  {
    name: "a peer's override is a distinct upstream (DestinationPeer) from a listed local one of that name",
    sd: {
      Kind: 'service-defaults',
      Name: 'web',
      UpstreamConfig: { Overrides: [{ Name: 'zap', Peer: 'p1', ConnectTimeoutMs: 3333 }] },
    },
    reg: { Mode: 'transparent', Upstreams: [US({ DestinationName: 'zap' })] },
    want: [
      US({ DestinationName: 'zap' }),
      central('zap', { DestinationPeer: 'p1', Config: { connect_timeout_ms: 3333 } }),
    ],
  },
  {
    name: "a peer's upstream does not read the service-defaults of its name (Consul reads them for local ones)",
    sd: {
      Kind: 'service-defaults',
      Name: 'web',
      UpstreamConfig: { Overrides: [{ Name: 'zap', Peer: 'p1', ConnectTimeoutMs: 3333 }] },
    },
    reg: { Mode: 'transparent' },
    others: { zap: { Kind: 'service-defaults', Name: 'zap', Protocol: 'http' } },
    want: [central('zap', { DestinationPeer: 'p1', Config: { connect_timeout_ms: 3333 } })],
  },
  {
    name: 'a mesh gateway mode for every upstream adds the wildcard, keeping mesh_gateway in its Config',
    pd: {
      Kind: 'proxy-defaults',
      Name: 'global',
      Config: { protocol: 'http' },
      MeshGateway: { Mode: 'local' },
    },
    reg: { Mode: 'transparent' },
    want: [central('*', { Config: { mesh_gateway: { Mode: 'local' } }, MeshGateway: { Mode: 'local' } })],
  },
  {
    name: 'UpstreamConfig.Defaults add the wildcard, even when they set nothing',
    sd: { Kind: 'service-defaults', Name: 'web', UpstreamConfig: { Defaults: {} } },
    reg: { Mode: 'transparent' },
    want: [central('*')],
  },
  {
    name: 'UpstreamConfig.Defaults and the registration mesh gateway, for overrides and the wildcard',
    sd: {
      Kind: 'service-defaults',
      Name: 'web',
      UpstreamConfig: {
        Defaults: { ConnectTimeoutMs: 500 },
        Overrides: [{ Name: 'zap', MeshGateway: { Mode: 'none' } }],
      },
    },
    reg: { Mode: 'transparent', MeshGateway: { Mode: 'remote' } },
    want: [
      central('zap', {
        Config: { connect_timeout_ms: 500, mesh_gateway: { Mode: 'none' } },
        MeshGateway: { Mode: 'none' },
      }),
      central('*', {
        Config: { connect_timeout_ms: 500, mesh_gateway: { Mode: 'remote' } },
        MeshGateway: { Mode: 'remote' },
      }),
    ],
  },
  {
    name: 'nothing central for upstreams: nothing added',
    pd: { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } },
    reg: { Mode: 'transparent' },
    want: undefined,
  },
];

for (const row of IMPLICIT) {
  test(`central-upstreams - transparent mode: ${row.name}`, () => {
    assert.deepEqual(upstreams(row.pd, row.sd, row.reg, row.others), row.want);
  });
}

test('central-upstreams - a gateway in transparent mode gets the wildcard as Consul merges it', () => {
  const gateway: ServiceInput = { ...sidecar({}), Kind: 'mesh-gateway', ID: 'gw', Service: 'gw', Proxy: {} };
  const pd: CentralEntry = { ...PD, Mode: 'transparent' };
  const resolved = resolveServiceConfig(pd, undefined, {
    service: gateway,
    serviceDefaultsOf: () => undefined,
  });
  assert.deepEqual(mergeServiceConfig(resolved, gateway).Proxy?.Upstreams, [
    central('*', { Config: { mesh_gateway: { Mode: 'local' } }, MeshGateway: { Mode: 'local' } }),
  ]);
});
