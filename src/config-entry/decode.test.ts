import assert from 'node:assert/strict';
import { test } from 'node:test';

import { AppError } from '../errors/index.js';
import { decodeConfigEntry } from './index.js';

/** Asserts `raw` is rejected with exactly `status` and `message`. */
function rejects(raw: unknown, status: number, message: string): void {
  assert.throws(
    () => decodeConfigEntry(raw),
    (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.message, message);
      assert.equal(err.httpStatus, status);
      return true;
    },
  );
}
const decodeErr = (detail: string): string => `Request decoding failed: ${detail}`;
const one = (msg: string): string => `1 error occurred:\n\t* ${msg}\n\n`;

test('config-entry - body must be an object', () => {
  rejects([1], 400, decodeErr('json: cannot unmarshal array into Go value of type map[string]interface {}'));
  rejects('x', 400, decodeErr('json: cannot unmarshal string into Go value of type map[string]interface {}'));
});

test('config-entry - kind is required, must be a string and known', () => {
  rejects({ Name: 'x' }, 400, decodeErr('Payload does not contain a kind/Kind key at the top level'));
  rejects(null, 400, decodeErr('Payload does not contain a kind/Kind key at the top level'));
  rejects({ KIND: 'mesh' }, 400, decodeErr('Payload does not contain a kind/Kind key at the top level'));
  rejects({ Kind: 5 }, 400, decodeErr('Kind value in payload is not a string'));
  rejects({ Kind: 'foo', Name: 'x' }, 400, decodeErr('invalid config entry kind: foo'));
  rejects(
    { Kind: 'ingress-gateway', Name: 'x' },
    400,
    decodeErr('invalid config entry kind: ingress-gateway'),
  );
});

test('config-entry - lower-case kind key and case-insensitive field names', () => {
  const e = decodeConfigEntry({
    kind: 'service-defaults',
    NAME: 'web',
    protocol: 'GRPC',
    meshgateway: { MODE: 'local' },
  });
  assert.deepEqual(e, {
    Kind: 'service-defaults',
    Name: 'web',
    Protocol: 'grpc',
    TransparentProxy: {},
    MeshGateway: { Mode: 'local' },
    Expose: {},
  });
});

test('config-entry - snake_case aliases are translated', () => {
  const e = decodeConfigEntry({
    Kind: 'service-defaults',
    Name: 'web',
    mesh_gateway: { mode: 'remote' },
    transparent_proxy: { outbound_listener_port: 15001, dialed_directly: true },
    max_inbound_connections: 5,
    balance_inbound_connections: 'exact_balance',
  });
  assert.deepEqual(e['MeshGateway'], { Mode: 'remote' });
  assert.deepEqual(e['TransparentProxy'], { OutboundListenerPort: 15001, DialedDirectly: true });
  assert.equal(e['MaxInboundConnections'], 5);
  assert.equal(e['BalanceInboundConnections'], 'exact_balance');

  const x = decodeConfigEntry({
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'api', Consumers: [{ peer_name: 'east' }] }],
  });
  assert.deepEqual(x['Services'], [{ Name: 'api', Consumers: [{ Peer: 'east' }] }]);
});

test('config-entry - alias next to its canonical key leaves an unused key, as in Consul', () => {
  rejects(
    {
      Kind: 'exported-services',
      Name: 'default',
      Services: [{ Name: 'a', Consumers: [{ Peer: 'x', peer_name: 'y' }] }],
    },
    400,
    decodeErr(one('invalid config key "Services[0].Consumers[0].peer"')),
  );
});

test('config-entry - unknown keys are rejected with their path', () => {
  rejects(
    { Kind: 'service-defaults', Name: 'web', Connect: {} },
    400,
    decodeErr(one('invalid config key "Connect"')),
  );
  rejects(
    { Kind: 'service-router', Name: 'web', Routes: [{ Match: { HTTP: { Foo: 1 } } }] },
    400,
    decodeErr(one('invalid config key "Routes[0].Match.HTTP.Foo"')),
  );
  rejects(
    { Kind: 'service-defaults', Name: 'web', Foo: 1, Bar: 2 },
    400,
    decodeErr('2 errors occurred:\n\t* invalid config key "Foo"\n\t* invalid config key "Bar"\n\n'),
  );
});

test('config-entry - enterprise-only keys get Consul CE texts', () => {
  rejects(
    { Kind: 'service-defaults', Name: 'web', Namespace: 'ns1' },
    400,
    decodeErr(one('invalid config key "Namespace", namespaces are a consul enterprise feature')),
  );
  rejects(
    { Kind: 'service-defaults', Name: 'web', Partition: 'p1' },
    400,
    decodeErr(one('invalid config key "Partition"')),
  );
});

test('config-entry - CreateIndex, ModifyIndex and Kind keys are tolerated', () => {
  const e = decodeConfigEntry({ Kind: 'mesh', kind: 'mesh', CreateIndex: 3, ModifyIndex: 4 });
  assert.equal(e.Name, 'mesh');
});

test('config-entry - scalars convert weakly as mapstructure does', () => {
  const e = decodeConfigEntry({
    Kind: 'service-defaults',
    Name: 42,
    MaxInboundConnections: '7',
    LocalConnectTimeoutMs: 12.9,
    Expose: { Checks: 'true' },
    Meta: { n: 1, b: true },
  });
  assert.equal(e.Name, '42');
  assert.equal(e['MaxInboundConnections'], 7);
  assert.equal(e['LocalConnectTimeoutMs'], 12);
  assert.deepEqual(e['Expose'], { Checks: true });
  assert.deepEqual(e['Meta'], { b: '1', n: '1' });
});

test('config-entry - one-element arrays unwrap and scalars lift into slices', () => {
  const e = decodeConfigEntry({
    Kind: 'service-defaults',
    Name: ['web'],
    Expose: [{ Paths: { Path: '/health', ListenerPort: 21500 } }],
  });
  assert.equal(e.Name, 'web');
  assert.deepEqual(e['Expose'], { Paths: [{ ListenerPort: 21500, Path: '/health' }] });
});

test('config-entry - type mismatches report mapstructure errors', () => {
  rejects(
    { Kind: 'service-defaults', Name: { a: 1 }, Meta: 'x' },
    400,
    decodeErr(
      "2 error(s) decoding:\n\n* 'Meta' expected a map, got 'string'\n* 'Name' expected type 'string', got unconvertible type 'map[string]interface {}', value: 'map[a:1]'",
    ),
  );
  rejects(
    { Kind: 'service-defaults', Name: 'web', Expose: { Checks: 'maybe' } },
    400,
    decodeErr(
      `1 error(s) decoding:\n\n* cannot parse 'Expose.Checks' as bool: strconv.ParseBool: parsing "maybe": invalid syntax`,
    ),
  );
  rejects(
    { Kind: 'service-defaults', Name: 'web', MaxInboundConnections: 'lots' },
    400,
    decodeErr(
      `1 error(s) decoding:\n\n* cannot parse 'MaxInboundConnections' as int: strconv.ParseInt: parsing "lots": invalid syntax`,
    ),
  );
  rejects(
    { Kind: 'service-resolver', Name: 'api', ConnectTimeout: 'soon' },
    400,
    decodeErr(`1 error(s) decoding:\n\n* error decoding 'ConnectTimeout': time: invalid duration "soon"`),
  );
});

test('config-entry - the caller object is not mutated', () => {
  const raw = { Kind: 'service-defaults', Name: 'web', mesh_gateway: { mode: 'local' } };
  decodeConfigEntry(raw);
  assert.deepEqual(raw, { Kind: 'service-defaults', Name: 'web', mesh_gateway: { mode: 'local' } });
});
