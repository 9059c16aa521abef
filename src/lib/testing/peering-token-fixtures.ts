/**
 * Peering-token fixtures shared by the codec's tests (`lib/peering-token.test.ts`) and the peering service's
 * (`peering/token.test.ts`).
 */
import type { PeeringToken } from '../peering-token.js';

/** A self-signed EC P-256 certificate (CN "Entente Test Root CA", valid until 2126), used only as token CA. */
export const TEST_CA_PEM = `-----BEGIN CERTIFICATE-----
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

export const SERVER_NAME = 'server.dc1.peering.11111111-2222-3333-4444-555555555555.consul';
export const PEER_ID = '9e8a1b2c-0000-4000-8000-000000000001';
export const SECRET = 'f0e1d2c3-0000-4000-8000-000000000002';

export const MINIMAL: PeeringToken = {
  CA: [],
  ManualServerAddresses: [],
  ServerAddresses: ['10.0.0.1:8503'],
  ServerName: SERVER_NAME,
  PeerID: PEER_ID,
  EstablishmentSecret: SECRET,
  Remote: { Partition: 'default', Datacenter: 'dc1', Locality: null },
};

/** Base64 of the JSON Go's json.Marshal writes for MINIMAL (computed outside Node). */
export const MINIMAL_B64 =
  'eyJDQSI6bnVsbCwiTWFudWFsU2VydmVyQWRkcmVzc2VzIjpudWxsLCJTZXJ2ZXJBZGRyZXNzZXMiOlsiMTAuMC4wLjE6ODUwMyJdLCJTZXJ2ZXJOYW1lIjoic2VydmVyLmRjMS5wZWVyaW5nLjExMTExMTExLTIyMjItMzMzMy00NDQ0LTU1NTU1NTU1NTU1NS5jb25zdWwiLCJQZWVySUQiOiI5ZThhMWIyYy0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJFc3RhYmxpc2htZW50U2VjcmV0IjoiZjBlMWQyYzMtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAyIiwiUmVtb3RlIjp7IlBhcnRpdGlvbiI6ImRlZmF1bHQiLCJEYXRhY2VudGVyIjoiZGMxIiwiTG9jYWxpdHkiOm51bGx9fQ==';

export function b64(json: string): string {
  return Buffer.from(json, 'utf8').toString('base64');
}

export function fromB64(token: string): string {
  return Buffer.from(token, 'base64').toString('utf8');
}

/** A minimal valid token object with some keys replaced, as JSON text in base64. */
export function tokenWith(overrides: Record<string, unknown>): string {
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
