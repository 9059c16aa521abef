import assert from 'node:assert/strict';
import { test } from 'node:test';

import { isAppError } from '../errors/index.js';
import { b64, SECRET, TEST_CA_PEM, tokenWith } from '../lib/testing/peering-token-fixtures.js';
import { decodePeeringToken } from './token.js';

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
