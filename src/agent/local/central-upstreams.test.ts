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

test("central-upstreams - the upstream's own values win; peer and prepared-query upstreams are left alone", () => {
  const own = US({ Config: { protocol: 'tcp' }, MeshGateway: { Mode: 'remote' } });
  const peer = US({ DestinationName: 'db', DestinationPeer: 'other' });
  const query = US({ DestinationName: 'q', DestinationType: 'prepared_query' });
  assert.deepEqual(upstreams(PD, undefined, { Upstreams: [own, peer, query] }), [own, peer, query]);
});
