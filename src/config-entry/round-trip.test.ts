import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodeConfigEntry, renderConfigEntry, type ConfigEntry } from './index.js';

/**
 * Decodes `input`, checks the canonical form, that the canonical form decodes to itself, and that rendering adds
 * only the raft indexes (in Consul's place, last).
 */
function roundTrip(
  input: Record<string, unknown>,
  canonical: Record<string, unknown>,
  rendered?: Record<string, unknown>,
): void {
  const entry = decodeConfigEntry(input);
  assert.deepEqual(entry, canonical);
  assert.deepEqual(Object.keys(entry), Object.keys(canonical), 'field order');
  // The canonical mesh entry carries Name "mesh" for addressing, which a mesh request body may not contain.
  if (entry.Kind !== 'mesh')
    assert.deepEqual(decodeConfigEntry(entry), canonical, 'canonical form is a fixed point');
  const out = renderConfigEntry(entry, 10, 11);
  const expected = rendered ?? canonical;
  assert.deepEqual(out, { ...expected, CreateIndex: 10, ModifyIndex: 11 });
  assert.deepEqual(
    Object.keys(out),
    [...Object.keys(expected), 'CreateIndex', 'ModifyIndex'],
    'rendered order',
  );
}

test('config-entry - service-defaults minimal round-trip', () => {
  roundTrip(
    { Kind: 'service-defaults', Name: 'web' },
    {
      Kind: 'service-defaults',
      Name: 'web',
      Protocol: '',
      TransparentProxy: {},
      MeshGateway: {},
      Expose: {},
    },
  );
});

test('config-entry - service-defaults full round-trip', () => {
  const full = {
    Kind: 'service-defaults',
    Name: 'web',
    Protocol: 'http',
    Mode: 'transparent',
    TransparentProxy: { OutboundListenerPort: 15001, DialedDirectly: true },
    MutualTLSMode: 'strict',
    MeshGateway: { Mode: 'local' },
    Expose: {
      Checks: true,
      Paths: [{ ListenerPort: 21500, Path: '/health', LocalPathPort: 8080, Protocol: 'http' }],
    },
    ExternalSNI: 'web.example.com',
    UpstreamConfig: {
      Overrides: [
        {
          Name: 'api',
          Peer: 'east',
          Protocol: 'grpc',
          ConnectTimeoutMs: 1000,
          Limits: { MaxConnections: 0, MaxPendingRequests: 10 },
          PassiveHealthCheck: { Interval: 10_000_000_000, MaxFailures: 3, BaseEjectionTime: 30_000_000_000 },
          MeshGateway: { Mode: 'remote' },
        },
      ],
      Defaults: {
        Peer: '',
        ConnectTimeoutMs: 500,
        MeshGateway: {},
        BalanceOutboundConnections: 'exact_balance',
      },
    },
    MaxInboundConnections: 100,
    LocalConnectTimeoutMs: 2000,
    LocalRequestTimeoutMs: 3000,
    BalanceInboundConnections: 'exact_balance',
    EnvoyExtensions: [
      {
        Name: 'builtin/lua',
        Required: true,
        Arguments: { Script: 'x' },
        ConsulVersion: '',
        EnvoyVersion: '',
      },
    ],
    Meta: { owner: 'team-a' },
  };
  roundTrip(full, full);
});

test('config-entry - service-defaults destination round-trip', () => {
  const e = {
    Kind: 'service-defaults',
    Name: 'ext',
    Protocol: 'tcp',
    TransparentProxy: {},
    MeshGateway: {},
    Expose: {},
    Destination: { Addresses: ['example.com', '10.0.0.1'], Port: 443 },
  };
  roundTrip(e, e);
});

test('config-entry - proxy-defaults minimal round-trip fills the global name', () => {
  roundTrip(
    { Kind: 'proxy-defaults' },
    {
      Kind: 'proxy-defaults',
      Name: 'global',
      Config: null,
      TransparentProxy: {},
      MeshGateway: {},
      Expose: {},
      AccessLogs: {},
    },
  );
});

test('config-entry - proxy-defaults full round-trip', () => {
  const full = {
    Kind: 'proxy-defaults',
    Name: 'global',
    Config: { local_connect_timeout_ms: 1000, protocol: 'http' },
    Mode: 'direct',
    TransparentProxy: { OutboundListenerPort: 15001 },
    MutualTLSMode: 'permissive',
    MeshGateway: { Mode: 'local' },
    Expose: { Checks: true },
    AccessLogs: { Enabled: true, Type: 'file', Path: '/var/log/envoy.log', JSONFormat: '{"a":"b"}' },
    Meta: { a: 'b' },
  };
  roundTrip(full, full);
});

test('config-entry - proxy-defaults Config keys are sorted and one-element lists unwrap', () => {
  const e = decodeConfigEntry({ Kind: 'proxy-defaults', Config: { z: 1, a: [{ b: ['c'] }], l: [1, 2] } });
  assert.deepEqual(e['Config'], { a: { b: 'c' }, l: [1, 2], z: 1 });
  assert.deepEqual(Object.keys(e['Config'] as object), ['a', 'l', 'z']);
});

test('config-entry - service-router minimal and full round-trip', () => {
  roundTrip({ Kind: 'service-router', Name: 'web' }, { Kind: 'service-router', Name: 'web', Routes: null });
  const full = {
    Kind: 'service-router',
    Name: 'web',
    Routes: [
      {
        Match: {
          HTTP: {
            PathPrefix: '/api',
            Header: [{ Name: 'x-debug', Exact: '1', Invert: true }],
            QueryParam: [{ Name: 'v', Present: true }],
            Methods: ['GET', 'POST'],
          },
        },
        Destination: {
          RequestTimeout: '1.5s',
          IdleTimeout: '1m0s',
          Service: 'api',
          ServiceSubset: 'v2',
          PrefixRewrite: '/',
          NumRetries: 3,
          RetryOnConnectFailure: true,
          RetryOn: ['5xx', 'reset'],
          RetryOnStatusCodes: [503],
          RequestHeaders: { Add: { a: 'b' }, Remove: ['c'] },
          ResponseHeaders: { Set: { d: 'e' } },
        },
      },
      { Destination: { Service: 'fallback' } },
    ],
    Meta: { k: 'v' },
  };
  roundTrip(full, full);
});

test('config-entry - service-router upper-cases methods and accepts snake_case', () => {
  const e = decodeConfigEntry({
    Kind: 'service-router',
    Name: 'web',
    Routes: [
      {
        match: { http: { path_exact: '/x', methods: ['get'] } },
        destination: { request_timeout: '2s', num_retries: 2 },
      },
    ],
  });
  assert.deepEqual(e['Routes'], [
    {
      Match: { HTTP: { PathExact: '/x', Methods: ['GET'] } },
      Destination: { RequestTimeout: '2s', NumRetries: 2 },
    },
  ]);
});

test('config-entry - service-splitter minimal and full round-trip', () => {
  roundTrip(
    { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100 }] },
    { Kind: 'service-splitter', Name: 'web', Splits: [{ Weight: 100 }] },
  );
  const full = {
    Kind: 'service-splitter',
    Name: 'web',
    Splits: [
      { Weight: 33.33, ServiceSubset: 'v1', RequestHeaders: { Set: { 'x-v': '1' } } },
      { Weight: 66.67, Service: 'web-v2', ResponseHeaders: { Remove: ['x'] } },
    ],
    Meta: { k: 'v' },
  };
  roundTrip(full, full);
});

test('config-entry - service-splitter weights round to 0.01', () => {
  const e = decodeConfigEntry({
    Kind: 'service-splitter',
    Name: 'w',
    Splits: [{ Weight: 50.004 }, { Weight: '49.996', Service: 'b' }],
  });
  assert.deepEqual(e['Splits'], [{ Weight: 50 }, { Weight: 50, Service: 'b' }]);
});

test('config-entry - service-resolver minimal and full round-trip', () => {
  roundTrip({ Kind: 'service-resolver', Name: 'api' }, { Kind: 'service-resolver', Name: 'api' });
  const full = {
    ConnectTimeout: '5s',
    RequestTimeout: '1m30s',
    Kind: 'service-resolver',
    Name: 'api',
    DefaultSubset: 'v1',
    Subsets: {
      v1: { Filter: 'Service.Meta.version == v1', OnlyPassing: true },
      v2: { Filter: 'Service.Meta.version == v2' },
    },
    Failover: {
      '*': { Targets: [{ Peer: 'east' }, { Service: 'api', Datacenter: 'dc2' }] },
      v1: { Service: 'api', ServiceSubset: 'v2', Datacenters: ['dc2'] },
    },
    LoadBalancer: {
      Policy: 'ring_hash',
      RingHashConfig: { MinimumRingSize: 1024, MaximumRingSize: 8192 },
      HashPolicies: [
        { Field: 'cookie', FieldValue: 'sess', CookieConfig: { TTL: 60_000_000_000, Path: '/' } },
        { SourceIP: true, Terminal: true },
      ],
    },
    Meta: { k: 'v' },
  };
  roundTrip(full, full);
});

test('config-entry - service-resolver redirect to a peer round-trip', () => {
  const e = { Kind: 'service-resolver', Name: 'api-east', Redirect: { Service: 'api', Peer: 'east' } };
  roundTrip(e, e);
});

test('config-entry - service-resolver timeouts accept nanoseconds and snake_case', () => {
  const e = decodeConfigEntry({
    Kind: 'service-resolver',
    Name: 'api',
    connect_timeout: 2_500_000_000,
    request_timeout: '10s',
  });
  assert.deepEqual(e, {
    ConnectTimeout: '2.5s',
    RequestTimeout: '10s',
    Kind: 'service-resolver',
    Name: 'api',
  });
});

test('config-entry - service-intentions minimal round-trip fills Type and Precedence', () => {
  roundTrip(
    { Kind: 'service-intentions', Name: 'api', Sources: [{ Name: 'web', Action: 'allow' }] },
    {
      Kind: 'service-intentions',
      Name: 'api',
      Sources: [{ Name: 'web', Action: 'allow', Precedence: 9, Type: 'consul' }],
    },
  );
});

test('config-entry - service-intentions full round-trip sorts by precedence', () => {
  const input = {
    Kind: 'service-intentions',
    Name: 'api',
    Sources: [
      { Name: '*', Action: 'deny', Description: 'default deny' },
      {
        Name: 'web',
        Permissions: [
          {
            Action: 'allow',
            HTTP: {
              PathPrefix: '/v1',
              Methods: ['get', 'head'],
              Header: [{ Name: 'x-user', Present: true }],
            },
          },
          { Action: 'deny', HTTP: { PathExact: '/admin' } },
        ],
      },
      { Name: 'web', Peer: 'east', Action: 'allow' },
    ],
    JWT: { Providers: [{ Name: 'okta', VerifyClaims: [{ Path: ['aud'], Value: 'api' }] }] },
    Meta: { k: 'v' },
  };
  const canonical = {
    Kind: 'service-intentions',
    Name: 'api',
    Sources: [
      {
        Name: 'web',
        Permissions: [
          {
            Action: 'allow',
            HTTP: {
              PathPrefix: '/v1',
              Header: [{ Name: 'x-user', Present: true }],
              Methods: ['GET', 'HEAD'],
            },
          },
          { Action: 'deny', HTTP: { PathExact: '/admin' } },
        ],
        Precedence: 9,
        Type: 'consul',
      },
      { Name: 'web', Action: 'allow', Precedence: 9, Type: 'consul', Peer: 'east' },
      { Name: '*', Action: 'deny', Precedence: 8, Type: 'consul', Description: 'default deny' },
    ],
    JWT: { Providers: [{ Name: 'okta', VerifyClaims: [{ Path: ['aud'], Value: 'api' }] }] },
    Meta: { k: 'v' },
  };
  roundTrip(input, canonical);
});

test('config-entry - service-intentions precedence for wildcard destinations', () => {
  const e = decodeConfigEntry({
    Kind: 'service-intentions',
    Name: '*',
    Sources: [
      { Name: '*', Action: 'deny' },
      { Name: 'web', Action: 'allow' },
    ],
  });
  assert.deepEqual(
    (e['Sources'] as { Name: string; Precedence: number }[]).map((s) => [s.Name, s.Precedence]),
    [
      ['web', 6],
      ['*', 5],
    ],
  );
});

test('config-entry - service-intentions drops legacy timestamps and IDs', () => {
  const e = decodeConfigEntry({
    Kind: 'service-intentions',
    Name: 'api',
    Sources: [{ Name: 'web', Action: 'allow', LegacyID: 'abc', LegacyCreateTime: '2020-01-01T00:00:00Z' }],
  });
  assert.deepEqual(e['Sources'], [{ Name: 'web', Action: 'allow', Precedence: 9, Type: 'consul' }]);
});

test('config-entry - exported-services minimal and full round-trip', () => {
  roundTrip({ Kind: 'exported-services', Name: 'default' }, { Kind: 'exported-services', Name: 'default' });
  const full = {
    Kind: 'exported-services',
    Name: 'default',
    Services: [
      { Name: 'api', Consumers: [{ Peer: 'east' }, { Peer: 'west' }] },
      { Name: '*', Consumers: [{ Peer: 'north' }, { Partition: 'default' }] },
    ],
    Meta: { k: 'v' },
  };
  roundTrip(full, full);
});

test('config-entry - exported-services Kind comes first even when sent last', () => {
  const e = decodeConfigEntry({ Name: 'default', Services: [], Kind: 'exported-services' });
  assert.deepEqual(Object.keys(e), ['Kind', 'Name']);
});

test('config-entry - mesh minimal and full round-trip; responses carry no Name', () => {
  roundTrip(
    { Kind: 'mesh' },
    { Kind: 'mesh', Name: 'mesh', TransparentProxy: { MeshDestinationsOnly: false } },
    { Kind: 'mesh', TransparentProxy: { MeshDestinationsOnly: false } },
  );
  const full = {
    Kind: 'mesh',
    Name: 'mesh',
    TransparentProxy: { MeshDestinationsOnly: true },
    AllowEnablingPermissiveMutualTLS: true,
    ValidateClusters: true,
    TLS: {
      Incoming: {
        TLSMinVersion: 'TLSv1_2',
        TLSMaxVersion: 'TLSv1_3',
        CipherSuites: ['TLS_AES_128_GCM_SHA256'],
      },
      Outgoing: { TLSMinVersion: 'TLSv1_2' },
    },
    HTTP: { SanitizeXForwardedClientCert: true },
    Peering: { PeerThroughMeshGateways: true },
    Meta: { k: 'v' },
  };
  const { Name: _name, ...withoutName } = full;
  roundTrip(withoutName, full, withoutName);
});

test('config-entry - mesh snake_case aliases', () => {
  const e = decodeConfigEntry({
    Kind: 'mesh',
    transparent_proxy: { mesh_destinations_only: true },
    peering: { peer_through_mesh_gateways: true },
    http: { sanitize_x_forwarded_client_cert: true },
  });
  assert.deepEqual(e, {
    Kind: 'mesh',
    Name: 'mesh',
    TransparentProxy: { MeshDestinationsOnly: true },
    HTTP: { SanitizeXForwardedClientCert: true },
    Peering: { PeerThroughMeshGateways: true },
  });
});

test('config-entry - render tolerates entries built by other code', () => {
  const entry: ConfigEntry = { Kind: 'service-resolver', Name: 'api', ConnectTimeout: '3s' };
  assert.deepEqual(renderConfigEntry(entry, 1, 1), {
    ConnectTimeout: '3s',
    Kind: 'service-resolver',
    Name: 'api',
    CreateIndex: 1,
    ModifyIndex: 1,
  });
});
