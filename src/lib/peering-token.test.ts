import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  decodePeeringToken,
  encodePeeringToken,
  PeeringTokenError,
  peeringTokenFromJson,
  readPeeringTokenJson,
  type PeeringToken,
} from './peering-token.js';
import {
  b64,
  fromB64,
  MINIMAL,
  MINIMAL_B64,
  PEER_ID,
  SECRET,
  SERVER_NAME,
  TEST_CA_PEM,
} from './testing/peering-token-fixtures.js';

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

test('peering token - failures are PeeringTokenErrors naming the stage; the stages alone do not validate', () => {
  const reasonOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof PeeringTokenError);
      assert.ok(!err.message.includes(SECRET));
      return err.reason;
    }
    return 'none';
  };
  assert.equal(
    reasonOf(() => decodePeeringToken('not a token!')),
    'base64',
  );
  assert.equal(
    reasonOf(() => decodePeeringToken(b64(`{"EstablishmentSecret":"${SECRET}" x}`))),
    'json',
  );
  assert.equal(
    reasonOf(() => decodePeeringToken(b64('{"PeerID":7}'))),
    'json',
  );
  assert.equal(
    reasonOf(() => decodePeeringToken(b64('{}'))),
    'invalid',
  );
  const unvalidated = peeringTokenFromJson(readPeeringTokenJson(b64('{"servername":"s"}')));
  assert.equal(unvalidated.ServerName, 's');
  assert.deepEqual(unvalidated.ServerAddresses, []);
});
