import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { ConnectProxyConfig } from '../../types/index.js';
import { mergeExtras, resolveExtras } from './central-extras.js';
import type { CentralEntry } from './central-upstreams.js';

const ext = (name: string) => ({
  Name: name,
  Required: false,
  Arguments: {},
  ConsulVersion: '',
  EnvoyVersion: '',
});

const PD: CentralEntry = {
  Kind: 'proxy-defaults',
  Name: 'global',
  Expose: { Checks: false, Paths: [{ Path: '/metrics', LocalPathPort: 9102, ListenerPort: 20200 }] },
  AccessLogs: { Enabled: true, Path: '/var/log/envoy.log' },
  EnvoyExtensions: [{ Name: 'builtin/lua', Required: false, Arguments: {} }],
};
const SD: CentralEntry = {
  Kind: 'service-defaults',
  Name: 'web',
  Expose: { Checks: true },
  EnvoyExtensions: [{ Name: 'builtin/aws/lambda', Required: true, Arguments: { ARN: 'x' } }],
};

function merged(pd: CentralEntry | undefined, sd: CentralEntry | undefined, proxy: ConnectProxyConfig) {
  const p = structuredClone(proxy);
  mergeExtras(resolveExtras(pd, sd), p);
  return p;
}

test('central-extras - Expose and AccessLogs fill what the registration leaves unset; service-defaults turn Checks on', () => {
  const got = merged(PD, SD, { AccessLogs: { Path: '/tmp/own.log' } });
  assert.deepEqual(got.Expose, {
    Checks: true,
    Paths: [{ Path: '/metrics', LocalPathPort: 9102, ListenerPort: 20200 }],
  });
  assert.deepEqual(got.AccessLogs, { Path: '/tmp/own.log', Enabled: true });
});

test('central-extras - service-defaults Expose.Paths replace proxy-defaults ones; the registration keeps its own', () => {
  const sd = { ...SD, Expose: { Paths: [{ Path: '/health', LocalPathPort: 8080, ListenerPort: 21500 }] } };
  assert.deepEqual(merged(PD, sd, {}).Expose?.Paths, [
    { Path: '/health', LocalPathPort: 8080, ListenerPort: 21500 },
  ]);
  const own = [{ Path: '/own', LocalPathPort: 1, ListenerPort: 2 }];
  assert.deepEqual(merged(PD, sd, { Expose: { Paths: own } }).Expose?.Paths, own);
});

test("central-extras - EnvoyExtensions are proxy-defaults' then service-defaults', replacing the registration's", () => {
  const got = merged(PD, SD, { EnvoyExtensions: [ext('own')] });
  assert.deepEqual(got.EnvoyExtensions, [
    ext('builtin/lua'),
    { ...ext('builtin/aws/lambda'), Required: true, Arguments: { ARN: 'x' } },
  ]);
  assert.equal(merged(undefined, undefined, { EnvoyExtensions: [ext('own')] }).EnvoyExtensions, undefined);
});

test('central-extras - nothing central adds nothing', () => {
  assert.deepEqual(merged(undefined, undefined, { Mode: 'direct' }), { Mode: 'direct' });
});
