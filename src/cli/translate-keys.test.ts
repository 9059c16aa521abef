import assert from 'node:assert/strict';
import { test } from 'node:test';

import { canonicalKey, translateKeys } from './translate-keys.js';

test('cli translate keys - snake_case to Go field names with acronyms', () => {
  const cases: [string, string][] = [
    ['name', 'Name'],
    ['mesh_gateway', 'MeshGateway'],
    ['tls_skip_verify', 'TLSSkipVerify'],
    ['grpc_use_tls', 'GRPCUseTLS'],
    ['id', 'ID'],
    ['ca_file', 'CAFile'],
    ['os_service', 'OSService'],
    ['h2ping', 'H2PING'],
    ['args', 'ScriptArgs'],
    ['local_connect_timeout_ms', 'LocalConnectTimeoutMs'],
    ['Protocol', 'Protocol'],
    ['meshGateway', 'MeshGateway'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalKey(input, 'config-entry', ''), want, input);
});

test('cli translate keys - user maps keep keys; keyed maps translate values; context aliases', () => {
  assert.deepEqual(
    translateKeys(
      {
        meta: { some_key: 'v' },
        config: { envoy_extra: 1 },
        subsets: { v1_canary: { only_passing: true } },
        services: [{ consumers: [{ peer_name: 'west' }] }],
      },
      'config-entry',
    ),
    {
      Meta: { some_key: 'v' },
      Config: { envoy_extra: 1 },
      Subsets: { v1_canary: { OnlyPassing: true } },
      Services: [{ Consumers: [{ Peer: 'west' }] }],
    },
  );
  assert.deepEqual(translateKeys({ checks: [{ id: 'c1', ttl: '10s' }] }, 'service'), {
    Checks: [{ CheckID: 'c1', TTL: '10s' }],
  });
});
