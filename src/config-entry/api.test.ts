import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AppError } from '../errors/index.js';
import {
  CONFIG_ENTRY_KINDS,
  canonicalEntryName,
  decodeConfigEntry,
  exportedServicesForPeer,
  exportedServicesPeers,
  isConfigEntryKind,
  validateKindName,
  type ExportedServicesEntry,
} from './index.js';

function throwsWith(fn: () => void, status: number, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AppError);
    assert.equal(err.httpStatus, status);
    assert.equal(err.message, message);
    return true;
  });
}

test('config-entry - the eight supported kinds', () => {
  assert.deepEqual([...CONFIG_ENTRY_KINDS].sort(), [
    'exported-services',
    'mesh',
    'proxy-defaults',
    'service-defaults',
    'service-intentions',
    'service-resolver',
    'service-router',
    'service-splitter',
  ]);
  assert.equal(isConfigEntryKind('mesh'), true);
  assert.equal(isConfigEntryKind('ingress-gateway'), false);
});

test('config-entry - validateKindName: unknown kind is 500 on reads and 400 on deletes', () => {
  throwsWith(() => validateKindName('foo'), 500, 'invalid config entry kind: foo');
  throwsWith(() => validateKindName('foo', 'x', 'read'), 500, 'invalid config entry kind: foo');
  throwsWith(() => validateKindName('foo', 'x', 'delete'), 400, 'invalid config entry kind: foo');
  validateKindName('service-defaults', 'web');
  validateKindName('mesh', 'anything', 'delete');
});

test('config-entry - validateKindName: proxy-defaults deletes need the global name', () => {
  throwsWith(
    () => validateKindName('proxy-defaults', 'web', 'delete'),
    500,
    'invalid name ("web"), only "global" is supported',
  );
  validateKindName('proxy-defaults', 'global', 'delete');
  validateKindName('proxy-defaults', 'web', 'read');
});

test('config-entry - canonical names for singleton kinds', () => {
  assert.equal(canonicalEntryName('mesh', 'whatever'), 'mesh');
  assert.equal(canonicalEntryName('proxy-defaults', ''), 'global');
  assert.equal(canonicalEntryName('service-defaults', 'web'), 'web');
});

test('config-entry - exportedServicesForPeer lists names and wildcards per peer', () => {
  const entry = decodeConfigEntry({
    Kind: 'exported-services',
    Name: 'default',
    Services: [
      { Name: 'api', Consumers: [{ Peer: 'east' }, { Peer: 'west' }] },
      { Name: 'db', Consumers: [{ Peer: 'west' }] },
      { Name: '*', Consumers: [{ Peer: 'north' }] },
    ],
  }) as unknown as ExportedServicesEntry;
  assert.deepEqual(exportedServicesForPeer(entry, 'east'), { all: false, names: new Set(['api']) });
  assert.deepEqual(exportedServicesForPeer(entry, 'west'), { all: false, names: new Set(['api', 'db']) });
  assert.deepEqual(exportedServicesForPeer(entry, 'north'), { all: true, names: new Set() });
  assert.deepEqual(exportedServicesForPeer(entry, 'south'), { all: false, names: new Set() });
  assert.deepEqual(exportedServicesPeers(entry), ['east', 'north', 'west']);
});
