import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CAConfigError,
  canonicalCAConfig,
  initialCAConfig,
  needsNewRoot,
  parseConsulCAConfig,
  redactCAConfig,
} from './ca-config.js';

const H = 3_600_000;

test('connect ca-config - defaults are Consul’s: 72h leaves, 8760h intermediates, 87600h roots, EC P-256', () => {
  const c = parseConsulCAConfig({});
  assert.equal(c.leafCertTtlMs, 72 * H);
  assert.equal(c.intermediateCertTtlMs, 8760 * H);
  assert.equal(c.rootCertTtlMs, 87_600 * H);
  assert.equal(c.privateKeyType, 'ec');
  assert.equal(c.privateKeyBits, 256);
  assert.equal(c.csrMaxPerSecond, 50);
  assert.equal(c.csrMaxConcurrent, 0);
  assert.equal(c.rotationPeriodMs, undefined);
});

test('connect ca-config - keys match case-insensitively and in snake_case; values decode weakly', () => {
  const c = parseConsulCAConfig({ leaf_cert_ttl: '2h', PRIVATEKEYTYPE: 'rsa', PrivateKeyBits: '2048' });
  assert.equal(c.leafCertTtlMs, 2 * H);
  assert.equal(c.privateKeyType, 'rsa');
  assert.equal(c.privateKeyBits, 2048);
  assert.deepEqual(canonicalCAConfig({ leaf_cert_ttl: '2h', csr_max_per_second: 0 }), {
    LeafCertTTL: '2h',
    CSRMaxPerSecond: 0,
  });
});

const refusals: [string, Record<string, unknown>, string][] = [
  ['unknown key type', { PrivateKeyType: 'dsa' }, "private key type must be either 'ec' or 'rsa'"],
  ['bad EC bits', { PrivateKeyBits: 2048 }, 'EC key length must be one of (224, 256, 384, 521) bits'],
  [
    'bad RSA bits',
    { PrivateKeyType: 'rsa', PrivateKeyBits: 256 },
    'RSA key length must be 2048 or 4096 bits',
  ],
  ['leaf TTL too short', { LeafCertTTL: '30m' }, 'leaf cert TTL must be greater or equal than 1h0m0s'],
  [
    'leaf TTL too long',
    { LeafCertTTL: '8761h', IntermediateCertTTL: '30000h', RootCertTTL: '90000h' },
    'leaf cert TTL must be less than 8760h0m0s',
  ],
  [
    'intermediate too short',
    { LeafCertTTL: '1h', IntermediateCertTTL: '2h' },
    'Intermediate Cert TTL must be greater or equal than 3h',
  ],
  [
    'intermediate below 3 × leaf',
    { LeafCertTTL: '72h', IntermediateCertTTL: '100h' },
    'Intermediate Cert TTL must be greater or equal than 3 * LeafCertTTL (>=216h0m0s).',
  ],
  [
    'root shorter than intermediate',
    { RootCertTTL: '100h' },
    'root cert TTL is set and is not greater than intermediate cert ttl. root cert ttl: 100h0m0s, intermediate cert ttl: 8760h0m0s',
  ],
  ['root cert without key', { RootCert: 'x' }, 'must provide a private key when providing a root cert'],
  [
    'unknown keys',
    { LeafCertTTL: '72h', Bogus: 1, Another: true },
    "error decoding config: 1 error(s) decoding:\n\n* '' has invalid keys: Another, Bogus",
  ],
  [
    'bad duration',
    { LeafCertTTL: 'soon' },
    'error decoding config: 1 error(s) decoding:\n\n* error decoding \'LeafCertTTL\': time: invalid duration "soon"',
  ],
  [
    'rotation period shorter than twice the leaf TTL',
    { RotationPeriod: '100h' },
    'RotationPeriod must be greater or equal than 24h and 2 * LeafCertTTL (>=144h0m0s)',
  ],
];
for (const [name, raw, message] of refusals) {
  test(`connect ca-config - refuses ${name} with Consul's message`, () => {
    assert.throws(
      () => parseConsulCAConfig(raw),
      (err: unknown) => err instanceof CAConfigError && err.message === message,
    );
  });
}

test('connect ca-config - only a key, root, key type or key size change needs a new root (Consul’s provider ID)', () => {
  const base = parseConsulCAConfig({});
  assert.equal(needsNewRoot(base, parseConsulCAConfig({ LeafCertTTL: '24h', RootCertTTL: '90000h' })), false);
  assert.equal(needsNewRoot(base, parseConsulCAConfig({ PrivateKeyType: 'ec', PrivateKeyBits: 256 })), false);
  assert.equal(needsNewRoot(base, parseConsulCAConfig({ PrivateKeyBits: 384 })), true);
  assert.equal(
    needsNewRoot(base, parseConsulCAConfig({ PrivateKeyType: 'rsa', PrivateKeyBits: 2048 })),
    true,
  );
});

test('connect ca-config - the initial config is Consul’s server default merged with the agent keys', () => {
  assert.deepEqual(initialCAConfig({ leaf_cert_ttl: '24h' }), {
    LeafCertTTL: '24h',
    IntermediateCertTTL: '8760h',
    RootCertTTL: '87600h',
  });
  assert.deepEqual(redactCAConfig({ PrivateKey: 'secret', LeafCertTTL: '1h' }), {
    LeafCertTTL: '1h',
    PrivateKey: 'hidden',
  });
});
