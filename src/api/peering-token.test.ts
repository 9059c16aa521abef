import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decodePeeringToken } from './peering-token.js';

test('api peering token - decodes base64 JSON', () => {
  const token = Buffer.from(
    JSON.stringify({
      CA: [],
      ServerAddresses: ['10.0.0.1:8503'],
      ServerName: 'server.dc1.peering.x',
      PeerID: 'p',
    }),
  ).toString('base64');
  const decoded = decodePeeringToken(token);
  assert.equal(decoded.ServerName, 'server.dc1.peering.x');
  assert.deepEqual(decoded.ServerAddresses, ['10.0.0.1:8503']);
});

test('api peering token - rejects non-base64, non-JSON and shapeless tokens', () => {
  assert.throws(() => decodePeeringToken('not a token!'), /not valid base64/);
  assert.throws(() => decodePeeringToken(Buffer.from('nope').toString('base64')), /valid JSON/);
  assert.throws(() => decodePeeringToken(Buffer.from('[1]').toString('base64')), /JSON object/);
  assert.throws(() => decodePeeringToken(Buffer.from('{}').toString('base64')), /no ServerName/);
});
