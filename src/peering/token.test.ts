import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isAppError } from '../errors/index.js';
import { decodePeeringToken, encodePeeringToken, type PeeringToken } from './token.js';

/** A self-signed EC P-256 certificate (CN "Entente Test Root CA", valid until 2126), used only as token CA. */
const TEST_CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBlTCCATugAwIBAgIUIGEA8zb+P4EjJBl6f4y7+ppX3vAwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwURW50ZW50ZSBUZXN0IFJvb3QgQ0EwIBcNMjYxMTI3MTIyNDA1
WhgPMjEyNjExMDMxMjI0MDVaMB8xHTAbBgNVBAMMFEVudGVudGUgVGVzdCBSb290
IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOH6sL7G0h0JM3u0HHVkZJ+Dh
PjYr2TW2SxUTN5E7zk7a8tgrc+TdkU/PiB19wJnD1pzjB9yPLCqTWbIvmPLgPKNT
MFEwHQYDVR0OBBYEFEzOt63dfxoN+89xd7NZtJk6Y0AJMB8GA1UdIwQYMBaAFEzO
t63dfxoN+89xd7NZtJk6Y0AJMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
SAAwRQIgFB1P8xbnsc/fDXcyUFKkxkJ5sAp+mEfLVKFVDDAsufYCIQCPHPHYHakM
f1CpgBvNKh7u2V4cygGn80/TWgb5JKscGg==
-----END CERTIFICATE-----
`;

const SERVER_NAME = 'server.dc1.peering.11111111-2222-3333-4444-555555555555.consul';
const PEER_ID = '9e8a1b2c-0000-4000-8000-000000000001';
const SECRET = 'f0e1d2c3-0000-4000-8000-000000000002';

const MINIMAL: PeeringToken = {
  CA: [],
  ManualServerAddresses: [],
  ServerAddresses: ['10.0.0.1:8503'],
  ServerName: SERVER_NAME,
  PeerID: PEER_ID,
  EstablishmentSecret: SECRET,
  Remote: { Partition: 'default', Datacenter: 'dc1', Locality: null },
};

/** Base64 of the JSON Go's json.Marshal writes for MINIMAL (computed outside Node). */
const MINIMAL_B64 =
  'eyJDQSI6bnVsbCwiTWFudWFsU2VydmVyQWRkcmVzc2VzIjpudWxsLCJTZXJ2ZXJBZGRyZXNzZXMiOlsiMTAuMC4wLjE6ODUwMyJdLCJTZXJ2ZXJOYW1lIjoic2VydmVyLmRjMS5wZWVyaW5nLjExMTExMTExLTIyMjItMzMzMy00NDQ0LTU1NTU1NTU1NTU1NS5jb25zdWwiLCJQZWVySUQiOiI5ZThhMWIyYy0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJFc3RhYmxpc2htZW50U2VjcmV0IjoiZjBlMWQyYzMtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAyIiwiUmVtb3RlIjp7IlBhcnRpdGlvbiI6ImRlZmF1bHQiLCJEYXRhY2VudGVyIjoiZGMxIiwiTG9jYWxpdHkiOm51bGx9fQ==';

function b64(json: string): string {
  return Buffer.from(json, 'utf8').toString('base64');
}

function fromB64(token: string): string {
  return Buffer.from(token, 'base64').toString('utf8');
}

/** A minimal valid token object with some keys replaced, as JSON text in base64. */
function tokenWith(overrides: Record<string, unknown>): string {
  return b64(
    JSON.stringify({
      CA: [TEST_CA_PEM],
      ServerAddresses: ['10.0.0.1:8503'],
      ServerName: SERVER_NAME,
      PeerID: PEER_ID,
      EstablishmentSecret: SECRET,
      ...overrides,
    }),
  );
}

function assertBadRequest(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isAppError(err), 'expected an AppError');
    assert.equal(err.code, 'ENT_ERR_BAD_REQUEST');
    assert.equal(err.httpStatus, 400);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    assert.ok(!err.message.includes(SECRET), 'the secret must never appear in an error');
    return true;
  });
}

test('peering token - encodes byte-identical to Go json.Marshal + base64.StdEncoding', () => {
  assert.equal(encodePeeringToken(MINIMAL), MINIMAL_B64);
});

test('peering token - encodes empty lists and a missing locality as null, in Go field order', () => {
  const json = fromB64(encodePeeringToken(MINIMAL));
  assert.equal(
    json,
    '{"CA":null,"ManualServerAddresses":null,"ServerAddresses":["10.0.0.1:8503"],' +
      `"ServerName":"${SERVER_NAME}","PeerID":"${PEER_ID}","EstablishmentSecret":"${SECRET}",` +
      '"Remote":{"Partition":"default","Datacenter":"dc1","Locality":null}}',
  );
});

test('peering token - encodes PEM newlines, omitempty locality keys and Go HTML escaping', () => {
  const json = fromB64(
    encodePeeringToken({
      ...MINIMAL,
      CA: ['-----BEGIN CERTIFICATE-----\nAB\n-----END CERTIFICATE-----\n'],
      ManualServerAddresses: ['lb.example.com:443'],
      Remote: { Partition: 'a<b>&c', Datacenter: 'dc\u20281', Locality: { Region: 'us-east-1', Zone: '' } },
    }),
  );
  assert.equal(
    json,
    '{"CA":["-----BEGIN CERTIFICATE-----\\nAB\\n-----END CERTIFICATE-----\\n"],' +
      '"ManualServerAddresses":["lb.example.com:443"],"ServerAddresses":["10.0.0.1:8503"],' +
      `"ServerName":"${SERVER_NAME}","PeerID":"${PEER_ID}","EstablishmentSecret":"${SECRET}",` +
      '"Remote":{"Partition":"a\\u003cb\\u003e\\u0026c","Datacenter":"dc\\u20281",' +
      '"Locality":{"Region":"us-east-1"}}}',
  );
  const bothEmpty = fromB64(
    encodePeeringToken({ ...MINIMAL, Remote: { ...MINIMAL.Remote, Locality: { Region: '', Zone: '' } } }),
  );
  assert.ok(bothEmpty.endsWith('"Locality":{}}}'));
});

test('peering token - round-trips through encode and decode', () => {
  const token: PeeringToken = {
    CA: [TEST_CA_PEM],
    ManualServerAddresses: ['203.0.113.7:8503'],
    ServerAddresses: ['10.0.0.1:8503', '[2001:db8::1]:8503', 'consul.example.com:8503'],
    ServerName: SERVER_NAME,
    PeerID: PEER_ID,
    EstablishmentSecret: SECRET,
    Remote: {
      Partition: 'default',
      Datacenter: 'dc1',
      Locality: { Region: 'eu-west-1', Zone: 'eu-west-1a' },
    },
  };
  assert.deepEqual(decodePeeringToken(encodePeeringToken(token)), token);
  assert.deepEqual(decodePeeringToken(MINIMAL_B64), MINIMAL);
});

test('peering token - decodes a 1.14/1.15-era token without ManualServerAddresses or Locality', () => {
  const legacy = b64(
    JSON.stringify({
      CA: [TEST_CA_PEM],
      ServerAddresses: ['10.0.0.1:8503'],
      ServerName: SERVER_NAME,
      PeerID: PEER_ID,
      EstablishmentSecret: SECRET,
      Remote: { Partition: 'default', Datacenter: 'dc2' },
    }),
  );
  const token = decodePeeringToken(legacy);
  assert.deepEqual(token.ManualServerAddresses, []);
  assert.deepEqual(token.Remote, { Partition: 'default', Datacenter: 'dc2', Locality: null });
});

test('peering token - decodes keys case-insensitively, ignores unknown keys and treats null as empty', () => {
  const token = decodePeeringToken(
    b64(
      JSON.stringify({
        ca: null,
        serveraddresses: ['10.0.0.1:8503'],
        SERVERNAME: SERVER_NAME,
        peerId: 'stale',
        PeerID: PEER_ID, // a later duplicate wins, as in Go
        establishmentsecret: SECRET,
        ManualServerAddresses: null,
        Extra: { Anything: [1, 2, 3] },
        remote: { partition: 'p1', DATACENTER: 'dc9', locality: { region: 'r', ZONE: 'z' } },
      }),
    ),
  );
  assert.deepEqual(token, {
    CA: [],
    ManualServerAddresses: [],
    ServerAddresses: ['10.0.0.1:8503'],
    ServerName: SERVER_NAME,
    PeerID: PEER_ID,
    EstablishmentSecret: SECRET,
    Remote: { Partition: 'p1', Datacenter: 'dc9', Locality: { Region: 'r', Zone: 'z' } },
  });
});

test('peering token - tolerates surrounding whitespace and line breaks, as pasted from a terminal', () => {
  const wrapped = `  ${MINIMAL_B64.slice(0, 60)}\r\n${MINIMAL_B64.slice(60)}\n`;
  assert.deepEqual(decodePeeringToken(wrapped), MINIMAL);
});

test('peering token - rejects non-base64 input with the offset Go reports', () => {
  assertBadRequest(
    () => decodePeeringToken('not a token!'),
    'peering token is not valid base64: illegal base64 data at input byte 3',
  );
  // Consul's own test case: a missing padding quantum.
  assertBadRequest(
    () => decodePeeringToken('+++/+++'),
    'peering token is not valid base64: illegal base64 data at input byte 4',
  );
  assertBadRequest(() => decodePeeringToken('e30'), /illegal base64 data at input byte 0/);
  assertBadRequest(() => decodePeeringToken('e==='), /illegal base64 data at input byte 1/);
  assertBadRequest(() => decodePeeringToken('e30K=='), /illegal base64 data at input byte 4/);
  assertBadRequest(() => decodePeeringToken('eyE=x'), /illegal base64 data at input byte 4/);
  assertBadRequest(() => decodePeeringToken('-_-_'), /illegal base64 data at input byte 0/);
});

test('peering token - rejects base64 that is not JSON or not a JSON object', () => {
  // "Cg==" is base64 of "\n": Consul answers "unexpected end of JSON input".
  assertBadRequest(
    () => decodePeeringToken('Cg=='),
    'peering token is not valid JSON: unexpected end of JSON input',
  );
  assertBadRequest(
    () => decodePeeringToken(''),
    'peering token is not valid JSON: unexpected end of JSON input',
  );
  assertBadRequest(
    () => decodePeeringToken(b64('{"CA":')),
    'peering token is not valid JSON: unexpected end of JSON input',
  );
  // V8 quotes the text around a syntax error; the secret must not leak through it.
  assertBadRequest(
    () => decodePeeringToken(b64(`{"EstablishmentSecret":"${SECRET}" x}`)),
    /^peering token is not valid JSON: syntax error( at offset \d+)?$/,
  );
  assertBadRequest(
    () => decodePeeringToken(b64('[1]')),
    'peering token is not valid JSON: json: cannot unmarshal array into Go value of type structs.PeeringToken',
  );
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ CA: 'x' })),
    'peering token is not valid JSON: json: cannot unmarshal string into Go struct field PeeringToken.CA of type []string',
  );
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ ServerAddresses: [8503] })),
    /PeeringToken\.ServerAddresses/,
  );
  assertBadRequest(() => decodePeeringToken(tokenWith({ PeerID: 7 })), /PeeringToken\.PeerID of type string/);
  assertBadRequest(() => decodePeeringToken(tokenWith({ Remote: [] })), /PeeringToken\.Remote of type/);
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ Remote: { Locality: 'x' } })),
    /PeeringToken\.Remote\.Locality of type/,
  );
});

test('peering token - rejects a token without server addresses (Consul: "{}" is e30K)', () => {
  assertBadRequest(() => decodePeeringToken('e30K'), 'peering token server addresses value is empty');
  assertBadRequest(() => decodePeeringToken(b64('null')), 'peering token server addresses value is empty');
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ ServerAddresses: [], ManualServerAddresses: null })),
    'peering token server addresses value is empty',
  );
  // Manual addresses alone are enough.
  const manualOnly = decodePeeringToken(
    tokenWith({ ServerAddresses: null, ManualServerAddresses: ['lb:443'] }),
  );
  assert.deepEqual(manualOnly.ManualServerAddresses, ['lb:443']);
});

test('peering token - rejects addresses that are not host:port with a port in 1-65535', () => {
  for (const bad of [
    '1.2.3.4',
    '1.2.3.4:0',
    '1.2.3.4:65536',
    '1.2.3.4:http',
    'a:b:8503',
    '::1:8503',
    '[::1]',
    '[::1]x:1',
    'h[x]:1',
    '1.2.3.4:',
  ]) {
    assertBadRequest(
      () => decodePeeringToken(tokenWith({ ServerAddresses: [bad] })),
      `${bad} is not a valid peering server address`,
    );
  }
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ ManualServerAddresses: ['nope'] })),
    'nope is not a valid peering server address',
  );
  for (const good of [
    '10.0.0.1:1',
    'host:65535',
    '[2001:db8::1]:8503',
    '[fe80::1%eth0]:8503',
    'h:08503',
    ':8503',
  ]) {
    assert.deepEqual(decodePeeringToken(tokenWith({ ServerAddresses: [good] })).ServerAddresses, [good]);
  }
});

test('peering token - rejects CA entries that are not PEM X.509 certificates', () => {
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ CA: ['notavalidcert'] })),
    'peering token invalid CA: no PEM-encoded data found',
  );
  assertBadRequest(
    () =>
      decodePeeringToken(
        tokenWith({ CA: ['-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'] }),
      ),
    'peering token invalid CA: first PEM-block should be CERTIFICATE type',
  );
  assertBadRequest(
    () =>
      decodePeeringToken(
        tokenWith({ CA: ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'] }),
      ),
    'peering token invalid CA: x509: malformed certificate',
  );
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ CA: [TEST_CA_PEM, 'garbage'] })),
    'peering token invalid CA: no PEM-encoded data found',
  );
});

test('peering token - rejects a CA without a server name, an empty peer ID and an empty secret', () => {
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ ServerName: '' })),
    'peering token server name value is empty',
  );
  // Like Consul, a token without CA (plaintext peering in tests) needs no server name.
  assert.equal(decodePeeringToken(tokenWith({ CA: null, ServerName: null })).ServerName, '');
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ PeerID: '' })),
    'peering token peer ID value is empty',
  );
  assertBadRequest(
    () => decodePeeringToken(tokenWith({ EstablishmentSecret: null })),
    'peering token establishment secret value is empty',
  );
});

test('peering token - checks fields in Consul order: CA, addresses, server name, peer ID', () => {
  assertBadRequest(
    () => decodePeeringToken(b64(JSON.stringify({ CA: ['bad'], ServerAddresses: [] }))),
    /invalid CA/,
  );
  assertBadRequest(
    () => decodePeeringToken(b64(JSON.stringify({ CA: [TEST_CA_PEM], ServerAddresses: ['x'] }))),
    /is not a valid peering server address/,
  );
});
